// libFuzzer target for the Hugging Face config.json reader: any bytes must either give a
// model or throw vramcalc::Error; crashes, sanitizer reports and other exceptions are bugs.
// What is accepted must keep the library's invariants (invariants.hpp) through a whole report.
// Seed corpus: fuzz/corpus/config (real configs from tests/data/configs and the catalog).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "invariants.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/hf_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const vramcalc::HfConfigReading reading = vramcalc::read_hf_config(text, "fuzz");
    // Whatever is read must be a consistent model: the invariants the estimate relies on.
    vramcalc::validate_model(reading.model);
    std::uint64_t elements = 0;
    for (const auto& tensor : reading.model.tensors) {
      elements = vramcalc::fuzz::sum(elements, tensor.elements);
    }
    vramcalc::fuzz::require(elements == reading.model.total_params);
    vramcalc::fuzz::check_model(reading.model);
    vramcalc::fuzz::check_report(reading.model, vramcalc::fuzz::fuzz_card());
  } catch (const vramcalc::Error&) {
    // Rejected input: fine.
  }
  return 0;
}
