// libFuzzer target: the safetensors header parser over arbitrary bytes, then attach_safetensors
// over whatever it accepts (tensor names from the input reach the name classifier), asserting
// the library's invariants (invariants.hpp) on the model that results. A
// vramcalc::Error is the expected answer to garbage; a crash, a sanitizer report, another
// exception or a broken invariant is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "invariants.hpp"
#include "io/byte_source.hpp"
#include "safetensors/safetensors_header.hpp"
#include "safetensors/tensor_names.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/safetensors.hpp"

namespace {

// What an accepted header must satisfy: the tensors tile the data section exactly.
void check_invariants(const vramcalc::safetensors::Header& header, std::size_t size) {
  if (8 + header.header_bytes + header.data_bytes != size) {
    __builtin_trap();
  }
  std::uint64_t expected = 0;
  for (const auto& tensor : header.tensors) {
    if (tensor.data_begin != expected || tensor.bytes > header.data_bytes - expected) {
      __builtin_trap();
    }
    expected += tensor.bytes;
  }
  if (expected != header.data_bytes) {
    __builtin_trap();
  }
}

// A model for the tensors: as many layers as the names number (at most 64), every layer dense,
// or (`moe`) mixture-of-experts where the names hold routed experts, with as many experts as
// they number, one used per token; so that consistent inputs get through attach.
vramcalc::ModelSpec fuzz_model(const vramcalc::SafetensorsInventory& inventory, bool moe) {
  constexpr std::int64_t k_max_layers = 64;
  std::vector<vramcalc::safetensors::TensorName> names;
  std::int64_t layers = 1;
  std::int64_t experts = 0;
  for (const auto& tensor : inventory.tensors) {
    names.push_back(vramcalc::safetensors::classify_tensor_name(tensor.name));
    if (names.back().layer < k_max_layers) {
      layers = std::max(layers, names.back().layer + 1);
    }
    experts = std::max(experts, std::min<std::int64_t>(names.back().expert + 1, 1024));
  }
  vramcalc::ModelSpec model;
  model.layers.resize(static_cast<std::size_t>(layers));
  if (moe) {
    for (const auto& name : names) {
      if (name.routed_expert && name.layer >= 0 && name.layer < layers) {
        model.layers[static_cast<std::size_t>(name.layer)].moe = true;
      }
    }
    model.n_experts = static_cast<std::uint32_t>(experts);
    model.n_experts_used = experts > 0 ? 1 : 0;
  }
  return model;
}

// What a header holds, or the error message, read by `path`.
std::string answer(const vramcalc::io::ByteSource& source, vramcalc::safetensors::JsonPath path) {
  try {
    const auto header = vramcalc::safetensors::parse_header(source, path);
    std::string text;
    for (const auto& tensor : header.tensors) {
      text += tensor.name + "|" + tensor.dtype + "|" + std::to_string(tensor.shape.size()) + "|" +
              std::to_string(tensor.data_begin) + "|" + std::to_string(tensor.bytes) + ";";
    }
    for (const auto& [key, value] : header.metadata) {
      text += key + "=" + value + ";";
    }
    return text;
  } catch (const vramcalc::Error& error) {
    return std::string("error: ") + error.what();
  }
}

// The fast path must never change what is read, nor what is said about an error.
void check_same_as_reference(const vramcalc::io::ByteSource& source) {
  vramcalc::fuzz::require(answer(source, vramcalc::safetensors::JsonPath::fast) ==
                          answer(source, vramcalc::safetensors::JsonPath::reference));
}

// Parses `bytes` as a file, then attaches what it accepts to a dense and to a MoE model.
void run(std::string_view bytes) {
  const auto source = vramcalc::io::memory_source(bytes, "fuzz.safetensors");
  check_same_as_reference(*source);
  vramcalc::SafetensorsInventory inventory;
  try {
    vramcalc::safetensors::Header header = vramcalc::safetensors::parse_header(*source);
    check_invariants(header, bytes.size());
    inventory.path = "fuzz.safetensors";
    for (auto& tensor : header.tensors) {
      inventory.total_bytes = vramcalc::fuzz::sum(inventory.total_bytes, tensor.bytes);
      inventory.tensors.push_back(std::move(tensor));
    }
  } catch (const vramcalc::Error&) {
    return;
  }
  for (const bool moe : {false, true}) {
    try {
      vramcalc::ModelSpec model = fuzz_model(inventory, moe);
      vramcalc::SafetensorsAttachOptions options;
      options.mtp_layers = 1;
      vramcalc::attach_safetensors(model, inventory, options);
      vramcalc::fuzz::check_model(model);  // the counts add up, within 2^64
      vramcalc::fuzz::require(model.tensors.size() <= inventory.tensors.size());
      try {
        vramcalc::validate_model(model);
      } catch (const vramcalc::Error&) {
        continue;  // the stand-in model has no shape: no estimate to check
      }
      vramcalc::fuzz::check_report(model, vramcalc::fuzz::fuzz_card());
    } catch (const vramcalc::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  run(bytes);
  // Again with the length prefix rewritten to end the header at the last '}' (and the spaces
  // after it), so that mutations of the JSON are not all lost to a stale length.
  const std::size_t close = bytes.rfind('}');
  if (size > 8 && close != std::string_view::npos && close >= 8) {
    std::size_t end = close + 1;
    while (end < size && bytes[end] == ' ') {
      ++end;
    }
    std::string fixed(bytes);
    const std::uint64_t length = end - 8;
    for (std::size_t i = 0; i < 8; ++i) {
      fixed[i] = static_cast<char>((length >> (8 * i)) & 0xffU);
    }
    run(fixed);
  }
  return 0;
}
