// Real quantization formats: which tensors they quantize and what scales cost, against
// hand-worked sizes of Llama-2-7B.
#include "catch.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/quantization.hpp"

using namespace vramcalc;

namespace {

TensorInfo tensor(const std::string& name, TensorRole role, std::int32_t layer,
                  std::vector<std::uint64_t> shape) {
  TensorInfo t;
  t.name = name;
  t.role = role;
  t.layer = layer;
  t.shape = std::move(shape);
  t.elements = 1;
  for (const auto d : t.shape) {
    t.elements *= d;
  }
  return t;
}

// Llama-2-7B tensor for tensor (hidden 4096, MLP 11008, 32 layers, vocab 32000, untied),
// shapes innermost first as GGUF lists them: 6,738,415,616 parameters.
ModelSpec llama2_7b() {
  ModelSpec m;
  m.name = "Llama-2-7B";
  m.hidden = 4096;
  m.vocab = 32000;
  m.tensors.push_back(tensor("token_embd.weight", TensorRole::token_embd, -1, {4096, 32000}));
  m.tensors.push_back(tensor("output.weight", TensorRole::output, -1, {4096, 32000}));
  m.tensors.push_back(tensor("output_norm.weight", TensorRole::norm, -1, {4096}));
  m.layers.resize(32);
  for (std::int32_t i = 0; i < 32; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    m.tensors.push_back(tensor(p + "attn_q.weight", TensorRole::attn_q, i, {4096, 4096}));
    m.tensors.push_back(tensor(p + "attn_k.weight", TensorRole::attn_k, i, {4096, 4096}));
    m.tensors.push_back(tensor(p + "attn_v.weight", TensorRole::attn_v, i, {4096, 4096}));
    m.tensors.push_back(tensor(p + "attn_output.weight", TensorRole::attn_output, i, {4096, 4096}));
    m.tensors.push_back(tensor(p + "ffn_gate.weight", TensorRole::ffn_gate, i, {4096, 11008}));
    m.tensors.push_back(tensor(p + "ffn_up.weight", TensorRole::ffn_up, i, {4096, 11008}));
    m.tensors.push_back(tensor(p + "ffn_down.weight", TensorRole::ffn_down, i, {11008, 4096}));
    m.tensors.push_back(tensor(p + "attn_norm.weight", TensorRole::norm, i, {4096}));
    m.tensors.push_back(tensor(p + "ffn_norm.weight", TensorRole::norm, i, {4096}));
  }
  for (const auto& t : m.tensors) {
    m.total_params += t.elements;
  }
  return m;
}

std::uint64_t weights_as(const ModelSpec& m, const char* dtype) {
  return weight_breakdown(m, *find_weight_format(dtype)).total_bytes;
}

double relative_error(std::uint64_t got, double expected) {
  return std::abs(static_cast<double>(got) - expected) / expected;
}

}  // namespace

TEST_CASE("the hand-built Llama-2-7B has the released parameter count") {
  CHECK(llama2_7b().total_params == 6'738'415'616ULL);
}

TEST_CASE("nf4 with double quantization: Llama-2-7B within 1% of 3.87 GB") {
  // 4 + 8/64 + 32/16384 bits per linear weight; embeddings, head and norms in 16 bits:
  // 6,476,005,376 x 4.12695 / 8 + 2 x 131,072,000 x 2 + 65 x 4096 x 2 = 3.8655 GB.
  CHECK(relative_error(weights_as(llama2_7b(), "nf4-dq"), 3.87e9) < 0.01);
  // Without double quantization, fp32 absmax per 64: 4.5 bits per linear weight.
  CHECK(weights_as(llama2_7b(), "nf4") ==
        6'476'005'376ULL * 9 / 16 + 2ULL * 131'072'000 * 2 + 65ULL * 4096 * 2);
}

TEST_CASE("GPTQ int4 group 128: Llama-2-7B within 3% of the published 3.90 GB checkpoint") {
  // TheBloke/Llama-2-7B-GPTQ main branch model.safetensors: 3.90 GB.
  CHECK(relative_error(weights_as(llama2_7b(), "gptq-int4-g128"), 3.90e9) < 0.03);
}

TEST_CASE("AWQ and MXFP4 and NVFP4 and FP8 cost their group scales") {
  const TensorInfo up = tensor("blk.0.ffn_up.weight", TensorRole::ffn_up, 0, {4096, 11008});
  const std::uint64_t n = up.elements;
  // AWQ: 4 bits + (16-bit scale + 4-bit zero) per 128 = 4.15625 bits.
  CHECK(tensor_weight_bytes(*find_weight_format("awq-int4"), up) == n * 4 / 8 + n / 128 * 20 / 8);
  // MXFP4: 17 bytes per 32 (4.25 bits); NVFP4: 4 bits + an 8-bit scale per 16 (4.5 bits).
  CHECK(tensor_weight_bytes(*find_weight_format("mxfp4"), up) == n / 32 * 17);
  CHECK(tensor_weight_bytes(*find_weight_format("nvfp4"), up) == n / 16 * 9);
  // FP8 per tensor: 1 byte per weight + two fp32 scales.
  CHECK(tensor_weight_bytes(*find_weight_format("fp8-e4m3"), up) == n + 8);
  // bitsandbytes int8: 1 byte per weight + an fp32 per output row.
  CHECK(tensor_weight_bytes(*find_weight_format("bnb-int8"), up) == n + 11008 * 4);
}

TEST_CASE("quantization formats leave embeddings and head and norms in 16 bits") {
  const TensorInfo embd = tensor("token_embd.weight", TensorRole::token_embd, -1, {4096, 32000});
  const TensorInfo norm = tensor("blk.0.attn_norm.weight", TensorRole::norm, 0, {4096});
  for (const char* name : {"nf4", "nf4-dq", "gptq-int4-g128", "awq-int4", "mxfp4", "fp8-e4m3",
                           "bnb-int8"}) {
    INFO(name);
    CHECK(tensor_weight_bytes(*find_weight_format(name), embd) == 4096ULL * 32000 * 2);
    CHECK(tensor_weight_bytes(*find_weight_format(name), norm) == 4096ULL * 2);
  }
  // The idealised formats apply to every weight.
  CHECK(tensor_weight_bytes(*find_weight_format("int4"), embd) == 4096ULL * 32000 / 2);
}
