// libFuzzer target: the model.safetensors.index.json parser over arbitrary bytes. A
// vramcalc::Error is the expected answer to garbage; a crash, a sanitizer report, another
// exception or an accepted shard name that could leave the index's folder is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/byte_source.hpp"
#include "safetensors/safetensors_header.hpp"
#include "vramcalc/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto source = vramcalc::io::memory_source(bytes, "fuzz.safetensors.index.json");
  try {
    const vramcalc::safetensors::Index index = vramcalc::safetensors::parse_index(*source);
    for (const auto& [tensor, shard] : index.weight_map) {
      if (shard.find('/') != std::string::npos || shard.find('\\') != std::string::npos ||
          shard.find("..") != std::string::npos || shard.find('\0') != std::string::npos) {
        __builtin_trap();
      }
    }
  } catch (const vramcalc::Error&) {
  }
  return 0;
}
