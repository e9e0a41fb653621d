// vramcalc_make_gguf SHAPE PATH: writes a sparse GGUF file of a real shape (bench/gguf_shapes.hpp)
// and prints where its header ends, for bench/io_floor.sh. The header is written, the tensor
// data is a hole: the file takes the header's bytes on disk whatever its size.
#include <cstdio>
#include <exception>
#include <string>

#include "gguf_shapes.hpp"
#include "gguf_writer.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: vramcalc_make_gguf SHAPE PATH\nshapes:");
    for (const std::string_view name : vramcalc::bench::gguf_shape_names()) {
      std::fprintf(stderr, " %.*s", static_cast<int>(name.size()), name.data());
    }
    std::fprintf(stderr, "\n");
    return 2;
  }
  try {
    const vramcalc::test::GgufFixture fixture = vramcalc::bench::gguf_shape(argv[1]);
    const vramcalc::test::FixtureLayout layout = vramcalc::test::write_gguf(argv[2], fixture);
    // One line of key=value pairs, read by the script.
    std::printf("tensors=%zu kv=%zu header_bytes=%zu data_start=%llu file_bytes=%llu\n",
                fixture.tensors.size(), fixture.metadata.size(), layout.header.size(),
                static_cast<unsigned long long>(layout.data_start),
                static_cast<unsigned long long>(layout.file_size));
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "vramcalc_make_gguf: %s\n", error.what());
    return 2;
  }
}
