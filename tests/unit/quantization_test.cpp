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

// ---- Format names with a number in them (issue 13): any group size, any bits per weight ----

namespace {

// Llama-2-7B's linear weights: per layer q, k, v, o (4096 x 4096) and gate, up, down
// (4096 x 11008): 202,375,168 x 32 = 6,476,005,376. Outside them, 16 bits: token embeddings
// and head 131,072,000 each, 65 norms of 4096.
constexpr std::uint64_t k_linear = 6'476'005'376ULL;
constexpr std::uint64_t k_embd = 131'072'000ULL;
constexpr std::uint64_t k_norm_bytes = 65ULL * 4096 * 2;
// Input rows summed over one layer's seven linears (six 4096 wide, ffn_down 11008 wide) and
// output rows likewise (q, k, v, o, gate, up 4096 ... down 4096): for per-row costs.
constexpr std::uint64_t k_in_rows = 32ULL * (6 * 4096 + 11008);
constexpr std::uint64_t k_out_rows = 32ULL * (4 * 4096 + 2 * 11008 + 4096);

// Group costs of a layout: groups = elements / group for these shapes (every width divides).
std::uint64_t grouped_bytes(std::uint64_t bits, std::uint64_t group, std::uint64_t group_bits) {
  return (k_linear * bits + k_linear / group * group_bits) / 8;
}

}  // namespace

TEST_CASE("GPTQ with any group size follows the AutoGPTQ layout") {
  // qweight 4 bits, scales fp16 and qzeros 4 bits per group, g_idx an int32 per input row.
  for (const std::uint64_t group : {32ULL, 64ULL, 128ULL, 256ULL}) {
    INFO(group);
    const std::string name = "gptq-int4-g" + std::to_string(group);
    const WeightFormat* format = find_weight_format(name);
    REQUIRE(format != nullptr);
    CHECK(format->name == name);
    CHECK(weights_as(llama2_7b(), name.c_str()) ==
          grouped_bytes(4, group, 20) + k_in_rows * 4 + 2 * k_embd * 2 + k_norm_bytes);
  }
  // TheBloke/Llama-2-7b-Chat-GPTQ branches (sizes as the repository lists them): main (128g)
  // 3.90 GB, gptq-4bit-32g-actorder_True 4.28 GB; act order stores the same g_idx.
  CHECK(relative_error(weights_as(llama2_7b(), "gptq-int4-g32-act-order"), 4.28e9) < 0.01);
  CHECK(relative_error(weights_as(llama2_7b(), "gptq-int4-g128-actorder"), 3.90e9) < 0.01);
  CHECK(find_weight_format("GPTQ-INT4-G64-DESC-ACT")->name == "gptq-int4-g64");
  CHECK(find_weight_format("gptq_int8_g32")->name == "gptq-int8-g32");
  CHECK(find_weight_format("gptq-int4-g-1")->name == "gptq-int4-per-channel");
  CHECK(find_weight_format("gptq-int4-per-channel") == find_weight_format("gptq-int4-g-1"));
  CHECK(find_weight_format("gptq-int4-g128") == find_weight_format("gptq"));  // the listed one
  CHECK(find_weight_format("gptq-int5-g64") == nullptr);
  CHECK(find_weight_format("gptq-int4-g48") == nullptr);
  CHECK(find_weight_format("gptq-int4-g8192") == nullptr);
}

TEST_CASE("AWQ and AutoRound and HQQ and torchao at any group size cost their group scales") {
  const std::uint64_t rest = 2 * k_embd * 2 + k_norm_bytes;
  // AWQ GEMM: 4 bits, fp16 scale and 4-bit zero per group, no g_idx.
  CHECK(weights_as(llama2_7b(), "awq-int4-g64") == grouped_bytes(4, 64, 20) + rest);
  CHECK(weights_as(llama2_7b(), "awq-g32") == grouped_bytes(4, 32, 20) + rest);
  // AutoRound's defaults (4 bits, group 128) in its GPTQ-style layout: as AWQ g128.
  CHECK(find_weight_format("autoround-int4")->name == "autoround-int4-g128");
  CHECK(weights_as(llama2_7b(), "autoround-int4") == grouped_bytes(4, 128, 20) + rest);
  CHECK(weights_as(llama2_7b(), "autoround-int2-g64") == grouped_bytes(2, 64, 18) + rest);
  // HQQ: fp16 scale and zero per group of 64 (4.5 bits at 4-bit); 3-bit packs ten per int32.
  CHECK(find_weight_format("hqq-int4")->name == "hqq-int4-g64");
  CHECK(weights_as(llama2_7b(), "hqq-int4") == grouped_bytes(4, 64, 32) + rest);
  CHECK(relative_error(weights_as(llama2_7b(), "hqq-int3-g128"),
                       static_cast<double>(k_linear) * (3.2 + 32.0 / 128) / 8 + rest) < 1e-6);
  // torchao int4 weight-only: a bf16 scale and zero per group of 128 (4.25 bits).
  CHECK(weights_as(llama2_7b(), "torchao-int4") == grouped_bytes(4, 128, 32) + rest);
  CHECK(find_weight_format("torchao-int4-g512") == nullptr);
  // torchao int8 weight-only: 8 bits, a bf16 scale and an int64 zero point per output row.
  CHECK(weights_as(llama2_7b(), "torchao-int8") == k_linear + k_out_rows * 10 + rest);
}

TEST_CASE("EXL2 and EXL3 at a bits-per-weight target with the head at its own bits") {
  const std::uint64_t embeddings = k_embd * 2;
  // exl2-4.0: linears average 4.0 bits; the head at -hb 6, "about 6.3 bits" (exllamav2
  // doc/convert.md); embeddings and norms 16-bit.
  CHECK(weights_as(llama2_7b(), "exl2-4.0") ==
        k_linear / 2 + k_embd * 63 / 80 + embeddings + k_norm_bytes);
  CHECK(weights_as(llama2_7b(), "exl2-4.0-h8") ==
        k_linear / 2 + k_embd + embeddings + k_norm_bytes);
  // 4.65 bits, rounded up per tensor: 4096 x 4096 -> 78,014,054.4 bits -> 9,751,757 bytes;
  // 4096 x 11008 -> 209,662,771.2 bits -> 26,207,847 bytes; 32 x (4 x ... + 3 x ...).
  CHECK(weights_as(llama2_7b(), "EXL2-4.65") ==
        32ULL * (4 * 9'751'757 + 3 * 26'207'847) + k_embd * 63 / 80 + embeddings + k_norm_bytes);
  // exl3 -hb defaults to 6 bits as well (exllamav3 convert.py).
  CHECK(weights_as(llama2_7b(), "exl3-3.5") ==
        k_linear * 35 / 80 + k_embd * 6 / 8 + embeddings + k_norm_bytes);
  CHECK(find_weight_format("exl2-4")->name == "exl2-4.0");
  CHECK(find_weight_format("exl3-2.25-h8")->name == "exl3-2.25-h8");
  CHECK(find_weight_format("exl2-1.5") == nullptr);   // EXL2 targets start at 2 bits
  CHECK(find_weight_format("exl2-4.0-h7") == nullptr);  // -hb takes 2, 3, 4, 5, 6 or 8
  CHECK(find_weight_format("exl3-9.0") == nullptr);
  CHECK(find_weight_format("exl2-4.0000") == nullptr);
}

TEST_CASE("bitsandbytes int8 with an outlier threshold stores what int8 stores") {
  const WeightFormat* format = find_weight_format("bnb-int8-t6.0");
  REQUIRE(format != nullptr);
  CHECK(format->name == "bnb-int8-t6.0");
  CHECK(find_weight_format("llm.int8-t6")->name == "bnb-int8-t6.0");
  CHECK(find_weight_format("bnb-int8-threshold-0")->name == "bnb-int8-t0.0");
  CHECK(weights_as(llama2_7b(), "bnb-int8-t6.0") == weights_as(llama2_7b(), "bnb-int8"));
  CHECK(weights_as(llama2_7b(), "bnb-int8") == k_linear + k_out_rows * 4 + 2 * k_embd * 2 +
                                                   k_norm_bytes);
}
