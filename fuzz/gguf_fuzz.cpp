// libFuzzer target for the GGUF reader: parses the input as a whole GGUF file held in memory,
// builds the model from it and checks the invariants the rest of vramcalc relies on
// (invariants.hpp: totals within 2^64, fits exactly when the headroom is not negative). A
// vramcalc::Error is the expected outcome for malformed input; anything else (a crash, a
// sanitizer report, another exception, a broken invariant) is a bug.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gguf/gguf_parser.hpp"
#include "invariants.hpp"
#include "io/byte_source.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/gguf.hpp"

namespace {

using vramcalc::fuzz::require;

void check_header(const vramcalc::GgufHeader& header) {
  require(header.version == 2 || header.version == 3);
  require(header.data_start >= header.tensor_info_end);
  require(header.data_start % header.alignment == 0);
  for (const vramcalc::GgufTensor& tensor : header.tensors) {
    require(tensor.offset % header.alignment == 0);
    require(tensor.offset <= header.file_size && tensor.bytes <= header.file_size - tensor.offset &&
            header.data_start <= header.file_size - tensor.offset - tensor.bytes);
    require(!tensor.shape.empty() && tensor.shape.size() <= 4);
  }
}

void check_model(const vramcalc::ModelSpec& model) {
  vramcalc::fuzz::check_model(model);
  // Exact stored bytes: the as-stored breakdown is the sum of the tensors.
  const auto parts = vramcalc::weight_breakdown(model, vramcalc::as_stored_format());
  std::uint64_t bytes = 0;
  for (const vramcalc::TensorInfo& tensor : model.tensors) {
    bytes = vramcalc::fuzz::sum(bytes, tensor.stored_bytes);
  }
  require(parts.total_bytes == bytes);
  vramcalc::fuzz::check_report(model, vramcalc::fuzz::fuzz_card());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto source = vramcalc::io::memory_source(bytes, "fuzz.gguf");
    const vramcalc::GgufHeader header = vramcalc::gguf::parse_header(*source);
    check_header(header);
    check_model(vramcalc::gguf_model(header));
  } catch (const vramcalc::Error&) {
    // Malformed input: the expected outcome.
  }
  return 0;
}
