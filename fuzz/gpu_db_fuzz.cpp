// libFuzzer target for the GPU database loader (--gpu-db files, VRAMCALC_GPU_DB): any bytes
// must either merge into a consistent database or throw vramcalc::Error. Seed corpus:
// fuzz/corpus/gpu_db (the built-in database and small user files).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vramcalc/error.hpp"
#include "vramcalc/gpu.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    vramcalc::GpuDatabase database;
    database.merge_json(text, "fuzz.json");
    for (const auto& gpu : database.gpus()) {
      // Every card that made it in has memory and an id, and looking it up finds a card.
      if (gpu.id.empty() || gpu.usable_bytes == 0 || gpu.memory_bytes == 0) {
        __builtin_trap();
      }
      try {
        (void)database.resolve(gpu.id);
        (void)database.resolve(gpu.name);
      } catch (const vramcalc::Error&) {
        // Two user cards may share a name: ambiguous is a fine answer.
      }
    }
  } catch (const vramcalc::Error&) {
    // Rejected input: fine.
  }
  return 0;
}
