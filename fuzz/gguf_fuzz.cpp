// libFuzzer target for the GGUF reader: parses the input as a whole GGUF file held in memory,
// builds the model from it and checks the invariants the rest of vramcalc relies on. A
// vramcalc::Error is the expected outcome for malformed input; anything else (a crash, a
// sanitizer report, another exception, a broken invariant) is a bug.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gguf/gguf_parser.hpp"
#include "io/byte_source.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/gguf.hpp"

namespace {

void require(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

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
  std::uint64_t params = model.embedding_params + model.head_params;
  for (const vramcalc::LayerSpec& layer : model.layers) {
    params += layer.params;
  }
  require(params == model.total_params);
  require(model.active_params <= model.total_params);
  const auto parts = vramcalc::weight_breakdown(model, vramcalc::as_stored_format());
  std::uint64_t bytes = 0;
  for (const vramcalc::TensorInfo& tensor : model.tensors) {
    bytes += tensor.stored_bytes;
  }
  require(parts.total_bytes == bytes);
  vramcalc::Workload workload;
  for (const vramcalc::LayerSpec& layer : model.layers) {
    (void)vramcalc::layer_kv_bytes(layer, workload);
  }
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
