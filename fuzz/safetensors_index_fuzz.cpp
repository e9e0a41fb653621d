// libFuzzer target: the model.safetensors.index.json parser over arbitrary bytes. A
// vramcalc::Error is the expected answer to garbage; a crash, a sanitizer report, another
// exception, an accepted shard name that could leave the index's folder, or a fast path that
// reads differently from the reference parser is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "io/byte_source.hpp"
#include "safetensors/safetensors_header.hpp"
#include "vramcalc/error.hpp"

namespace {

// The index's entries, or the error message, by either way of reading the JSON.
std::string answer(const vramcalc::io::ByteSource& source, vramcalc::safetensors::JsonPath path) {
  try {
    const auto index = vramcalc::safetensors::parse_index(source, path);
    std::string text = index.total_size ? std::to_string(*index.total_size) : "-";
    for (const auto& [tensor, shard] : index.weight_map) {
      text += ";" + tensor + "=" + shard;
    }
    return text;
  } catch (const vramcalc::Error& error) {
    return std::string("error: ") + error.what();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto source = vramcalc::io::memory_source(bytes, "fuzz.safetensors.index.json");
  // The fast path must read exactly what the reference parser reads, and fail the same way.
  if (answer(*source, vramcalc::safetensors::JsonPath::fast) !=
      answer(*source, vramcalc::safetensors::JsonPath::reference)) {
    __builtin_trap();
  }
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
