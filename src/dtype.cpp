#include "vramcalc/dtype.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <mutex>

#include <cmath>
#include <fmt/format.h>

#include "text.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/ggml_types.hpp"
#include "vramcalc/llama_quant.hpp"
#include "vramcalc/spelling.hpp"

namespace vramcalc {

namespace {

struct WeightFormatEntry {
  WeightFormat format;
  std::vector<std::string> aliases;
};

WeightFormat linear(const char* name, const char* description, std::uint32_t bits,
                    std::uint32_t group, std::uint32_t scale_bits, std::uint32_t zero_bits,
                    std::uint32_t second_level, std::uint32_t row_scale_bits) {
  WeightFormat f;
  f.name = name;
  f.description = description;
  f.scheme = WeightScheme::linear_quant;
  f.bits = bits;
  f.group_size = group;
  f.scale_bits = scale_bits;
  f.zero_bits = zero_bits;
  f.scales_per_second_level = second_level;
  f.row_scale_bits = row_scale_bits;
  return f;
}

WeightFormat gptq(const char* name, const char* description, std::uint32_t bits,
                  std::uint32_t group) {
  WeightFormat f = linear(name, description, bits, group, 16, bits, 0, 0);
  f.input_index = true;
  return f;
}

// The formats in two tables, each made on first use: the named ones (precisions and
// safetensors storage formats, about twenty), and llama.cpp's (a hundred, derived from its
// file types and ggml types). A lookup of "fp16" makes only the first.

// Idealised precisions of the foundation: every weight costs `bits`, as in the
// "parameters x bytes per parameter" rule (4, 2, 2, 1, 1, 0.5 bytes). Real storage formats
// with scales and per-tensor rules (q4_k_m, nf4, gptq, ...) are separate schemes.
const std::vector<WeightFormatEntry>& named_formats() {
  static const std::vector<WeightFormatEntry> table = {
      {{"fp32", "32-bit float, 4 bytes per weight", WeightScheme::uniform_bits, 32},
       {"float32", "f32", "float"}},
      {{"fp16", "16-bit float, 2 bytes per weight", WeightScheme::uniform_bits, 16},
       {"float16", "f16", "half"}},
      {{"bf16", "bfloat16, 2 bytes per weight", WeightScheme::uniform_bits, 16}, {"bfloat16"}},
      {{"fp8", "8-bit float (e4m3/e5m2), 1 byte per weight, scales not counted",
        WeightScheme::uniform_bits, 8},
       {"float8", "f8", "e4m3", "e5m2", "float8_e4m3fn", "float8_e5m2"}},
      {{"int8", "8-bit integer, 1 byte per weight, scales not counted", WeightScheme::uniform_bits,
        8},
       {"i8", "8bit", "8-bit"}},
      {{"int4", "4-bit integer, 0.5 bytes per weight, scales not counted",
        WeightScheme::uniform_bits, 4},
       {"i4", "4bit", "4-bit"}},
      // Real storage formats: the linear layers' packed weights plus the scales, zeros and
      // indexes their checkpoints hold; embeddings, head, norms, routers and biases stay in 16
      // bits. Layouts: bitsandbytes-foundation/bitsandbytes (bitsandbytes/functional.py,
      // quantize_4bit and quantize_blockwise), AutoGPTQ/AutoGPTQ QuantLinear,
      // casper-hansen/AutoAWQ WQLinear_GEMM, vllm-project/vllm's compressed-tensors schemes
      // (compressed_tensors_wNa16.py, compressed_tensors_w4a4_nvfp4.py) and ggml-common.h
      // block_mxfp4 / block_nvfp4 (ggml-org/llama.cpp).
      // bitsandbytes LLM.int8: int8 weights + one fp32 absmax (SCB) per output row.
      {linear("bnb-int8", "bitsandbytes int8 (LLM.int8): int8 + fp32 scale per row", 8, 0, 0, 0, 0,
              32),
       {"llm.int8", "bitsandbytes-int8", "int8-bnb", "bnb8"}},
      // bitsandbytes 4-bit: blocks of 64 with an fp32 absmax each (4 + 32/64 = 4.5 bits);
      // double quantization stores the absmax in 8 bits with an fp32 constant per 256 blocks
      // (4 + 8/64 + 32/16384 = 4.127 bits, QLoRA paper section 2).
      {linear("nf4", "bitsandbytes NF4, blocks of 64, fp32 absmax (4.5 bits)", 4, 64, 32, 0, 0, 0),
       {"bnb-nf4", "bnb4", "4bit-nf4"}},
      {linear("nf4-dq", "bitsandbytes NF4 with double quantization (4.127 bits)", 4, 64, 8, 0, 256,
              0),
       {"nf4-double-quant", "bnb-nf4-dq", "qlora"}},
      {linear("fp4", "bitsandbytes FP4, blocks of 64, fp32 absmax (4.5 bits)", 4, 64, 32, 0, 0, 0),
       {"bnb-fp4"}},
      {linear("fp4-dq", "bitsandbytes FP4 with double quantization (4.127 bits)", 4, 64, 8, 0, 256,
              0),
       {"bnb-fp4-dq"}},
      // GPTQ: 4-bit weights packed in int32, fp16 scale and 4-bit zero per group of 128 input
      // rows per output column, and g_idx: an int32 per input row (act order).
      {gptq("gptq-int4-g128", "GPTQ 4-bit, group 128, fp16 scales, packed zeros, g_idx", 4, 128),
       {"gptq", "gptq-int4", "gptq-4bit"}},
      {gptq("gptq-int4-g32", "GPTQ 4-bit, group 32", 4, 32), {}},
      {gptq("gptq-int8-g128", "GPTQ 8-bit, group 128", 8, 128), {"gptq-int8"}},
      {gptq("gptq-int3-g128", "GPTQ 3-bit, group 128", 3, 128), {"gptq-int3"}},
      // AWQ (GEMM): 4-bit packed weights, fp16 scale and 4-bit zero per group of 128.
      {linear("awq-int4", "AWQ 4-bit, group 128, fp16 scales and packed zeros (4.16 bits)", 4, 128,
              16, 4, 0, 0),
       {"awq", "awq-int4-g128", "awq-4bit"}},
      // FP8 checkpoints (compressed-tensors / fbgemm): 8-bit weights with one fp32 weight scale
      // and one input scale per tensor; DeepSeek-V3 style blocks: an fp32 scale_inv per
      // 128 x 128 block.
      {linear("fp8-e4m3", "FP8 e4m3 weights, fp32 scales per tensor", 8, 0, 64, 0, 0, 0),
       {"fp8-static", "float8-e4m3", "fp8_e4m3"}},
      {linear("fp8-e5m2", "FP8 e5m2 weights, fp32 scales per tensor", 8, 0, 64, 0, 0, 0),
       {"float8-e5m2", "fp8_e5m2"}},
      {linear("fp8-block", "FP8 e4m3 with an fp32 scale per 128x128 block (DeepSeek-V3)", 8, 16384,
              32, 0, 0, 0),
       {"fp8-128x128", "fp8-blockwise"}},
      // OCP microscaling MXFP4: blocks of 32 E2M1 values with an E8M0 scale (4.25 bits);
      // NVIDIA NVFP4: blocks of 16 with an FP8 E4M3 scale (4.5 bits) and an fp32 per tensor.
      {linear("mxfp4", "MXFP4: blocks of 32, E8M0 scale (4.25 bits)", 4, 32, 8, 0, 0, 0),
       {"mx-fp4", "ocp-mxfp4"}},
      {linear("nvfp4", "NVFP4: blocks of 16, FP8 scale (4.5 bits)", 4, 16, 8, 0, 0, 0), {"nv-fp4"}},
  };
  return table;
}

std::vector<WeightFormatEntry> ggml_formats();

const std::vector<WeightFormatEntry>& ggml_format_table() {
  static const std::vector<WeightFormatEntry> table = ggml_formats();
  return table;
}

// Every format, named ones first: `visit(entry)` until it returns true.
template <class Visit> bool each_weight_format(Visit visit) {
  for (const auto& entry : named_formats()) {
    if (visit(entry)) {
      return true;
    }
  }
  for (const auto& entry : ggml_format_table()) {
    if (visit(entry)) {
      return true;
    }
  }
  return false;
}

// llama.cpp's file types (q4_k_m, q8_0, iq4_xs, ...) and the ggml quantized types that are not
// file-type names (q4_k, q5_k, q3_k: every quantized tensor at that type, as
// llama-quantize --pure makes them).
std::vector<WeightFormatEntry> ggml_formats() {
  std::vector<WeightFormatEntry> entries;
  for (const LlamaFileType& ftype : llama_file_types()) {
    WeightFormat f;
    f.name = text::to_lower(ftype.name);
    f.description =
        "llama.cpp " + std::string(ftype.name) + " as llama-quantize builds it (per-tensor types)";
    f.scheme = WeightScheme::ggml_mix;
    f.llama_ftype = ftype.id;
    const GgmlType* base = ggml_type_by_id(ftype.default_type);
    f.bits =
        base == nullptr ? 16 : static_cast<std::uint32_t>(std::ceil(ggml_bits_per_element(*base)));
    entries.push_back({f, {}});
  }
  for (const GgmlType& type : ggml_types()) {
    const std::string name = text::to_lower(type.name);
    if (type.block_elements == 1 || find_llama_file_type(name) != nullptr || name == "q8_1" ||
        name == "q8_k" || name == "mxfp4" || name == "nvfp4") {
      continue; // plain types, file-type names, intermediates, and the safetensors formats
    }
    WeightFormat f;
    f.name = name;
    f.description =
        "every quantized tensor in ggml " + std::string(type.name) + " (llama-quantize --pure)";
    f.scheme = WeightScheme::ggml_mix;
    f.llama_ftype = find_llama_file_type("Q8_0")->id;
    f.pure_ggml_type = static_cast<std::int32_t>(type.id);
    f.bits = static_cast<std::uint32_t>(std::ceil(ggml_bits_per_element(type)));
    entries.push_back({f, {}});
  }
  const auto with_q8_0_ends = [&entries](const char* name, const char* base, bool approximate,
                                         const std::string& description) {
    const WeightFormat* mix = nullptr;
    for (const auto& entry : entries) {
      if (entry.format.name == base) {
        mix = &entry.format;
      }
    }
    WeightFormat f = *mix;
    f.name = name;
    f.description = description;
    const std::int32_t q8_0 = static_cast<std::int32_t>(ggml_type_by_name("Q8_0")->id);
    f.output_ggml_type = q8_0;
    f.embedding_ggml_type = q8_0;
    f.approximate = approximate;
    entries.push_back({f, {}});
  };
  // bartowski's _L/_XL files: the named llama-quantize mix with `--output-tensor-type q8_0
  // --token-embedding-type q8_0` ("Uses Q8_0 for embed and output weights", the model cards,
  // e.g. huggingface.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF). Q3_K_XL is Q3_K_L so
  // treated, Q2_K_L is Q2_K (their 8B sizes: 4.32 -> 4.78 GB and 3.18 -> 3.69 GB).
  // unsloth's dynamic quants (UD-*) pick per-layer types from their own calibration, which
  // they do not publish; approximated by the same mix as the _L/_XL files (the base mix with
  // Q8_0 ends) for UD-Qn_K_XL, and by the plain mix for the UD-IQ files (below).
  struct Q8Ends {
    const char* base;
    const char* bartowski;
    const char* unsloth;
  };
  constexpr Q8Ends k_q8_ends[] = {{"q2_k", "q2_k_l", "ud-q2_k_xl"},
                                  {"q3_k_l", "q3_k_xl", "ud-q3_k_xl"},
                                  {"q4_k_m", "q4_k_l", "ud-q4_k_xl"},
                                  {"q5_k_m", "q5_k_l", "ud-q5_k_xl"},
                                  {"q6_k", "q6_k_l", "ud-q6_k_xl"}};
  // Every bartowski name first, then every unsloth one (the order of the listings).
  for (const Q8Ends& ends : k_q8_ends) {
    with_q8_0_ends(ends.bartowski, ends.base, false,
                   std::string("llama.cpp ") + ends.base +
                       " with Q8_0 output and token embeddings (bartowski's _L/_XL files)");
  }
  for (const Q8Ends& ends : k_q8_ends) {
    with_q8_0_ends(ends.unsloth, ends.base, true,
                   std::string("unsloth dynamic quant, approximated as ") + ends.base +
                       " with Q8_0 output and token embeddings");
  }
  for (const char* base : {"iq1_s", "iq1_m", "iq2_xxs", "iq2_m", "iq3_xxs"}) {
    for (const auto& entry : entries) {
      if (entry.format.name == base) {
        WeightFormat f = entry.format;
        f.name = std::string("ud-") + base;
        f.description = std::string("unsloth dynamic quant, approximated as llama.cpp ") + base;
        f.approximate = true;
        entries.push_back({f, {}});
        break;
      }
    }
  }
  return entries;
}

// KV element storage. Block sizes and bytes from ggml's type_traits table
// (ggml/src/ggml.c; ggml-common.h static_asserts): q8_0 34 B / 32, q4_0 18 B / 32, ...
// fp8 and int8 caches (vLLM/SGLang --kv-cache-dtype fp8, TensorRT-LLM int8) hold one byte per
// element; their per-tensor scales are negligible.
struct KvTypeEntry {
  KvType type;
  std::array<std::string_view, 5> aliases;
};

constexpr std::array<KvTypeEntry, 11> k_kv_types = {{
    {{"f32", 1, 4, "32-bit float"}, {"fp32", "float32", "float"}},
    {{"f16", 1, 2, "16-bit float (default)"}, {"fp16", "float16", "half"}},
    {{"bf16", 1, 2, "bfloat16"}, {"bfloat16"}},
    {{"fp8", 1, 1, "8-bit float (e4m3/e5m2)"}, {"e4m3", "e5m2", "fp8_e4m3", "fp8_e5m2", "float8"}},
    {{"int8", 1, 1, "8-bit integer"}, {"i8"}},
    {{"q8_0", 32, 34, "ggml q8_0: 34 bytes per 32 elements"}, {"q8"}},
    {{"q4_0", 32, 18, "ggml q4_0: 18 bytes per 32 elements"}, {}},
    {{"q4_1", 32, 20, "ggml q4_1: 20 bytes per 32 elements"}, {}},
    {{"q5_0", 32, 22, "ggml q5_0: 22 bytes per 32 elements"}, {}},
    {{"q5_1", 32, 24, "ggml q5_1: 24 bytes per 32 elements"}, {}},
    {{"iq4_nl", 32, 18, "ggml iq4_nl: 18 bytes per 32 elements"}, {}},
}};

// ---- Families with a number in the name -------------------------------------------------

// "4", "4.0", "4.65" in thousandths (at most three decimals); nullopt if not such a number.
std::optional<std::uint32_t> milli_of(std::string_view text) {
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 4 || fraction.size() > 3 ||
      (dot != std::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  std::uint32_t value = 0;
  for (const char c : whole) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  std::uint32_t milli = value * 1000;
  std::uint32_t scale = 100;
  for (const char c : fraction) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    milli += static_cast<std::uint32_t>(c - '0') * scale;
    scale /= 10;
  }
  return milli;
}

std::optional<std::uint32_t> integer_of(std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() ||
      (text.size() > 1 && text.front() == '0')) {
    return std::nullopt;
  }
  return value;
}

// "4.0", "4.65", "4.125": the thousandths written with at least one decimal.
std::string milli_text(std::uint32_t milli) {
  std::string text = fmt::format("{}.{:03}", milli / 1000, milli % 1000);
  while (text.back() == '0' && text[text.size() - 2] != '.') {
    text.pop_back();
  }
  return text;
}

bool power_of_two_group(std::uint32_t group) {
  return group >= 16 && group <= 4096 && (group & (group - 1)) == 0;
}

// Splits "gptq-int4-g64" into its dash-separated words (underscores count as dashes).
std::vector<std::string> words_of(std::string_view name) {
  std::vector<std::string> words(1);
  for (const char c : name) {
    if (c == '-' || c == '_') {
      words.emplace_back();
    } else {
      words.back() += c;
    }
  }
  return words;
}

// "int4" -> 4 when 4 is one of `allowed`.
std::optional<std::uint32_t> int_bits(const std::string& word,
                                      std::initializer_list<std::uint32_t> allowed) {
  if (word.rfind("int", 0) != 0) {
    return std::nullopt;
  }
  const auto bits = integer_of(std::string_view(word).substr(3));
  if (!bits || std::find(allowed.begin(), allowed.end(), *bits) == allowed.end()) {
    return std::nullopt;
  }
  return bits;
}

// "g64" -> 64 (a power of two from 16 to 4096).
std::optional<std::uint32_t> group_word(const std::string& word) {
  if (word.size() < 2 || word.front() != 'g') {
    return std::nullopt;
  }
  const auto group = integer_of(std::string_view(word).substr(1));
  return group && power_of_two_group(*group) ? group : std::nullopt;
}

// Group sizes -1 / per-channel: one group spans the whole input dimension.
constexpr std::uint32_t k_whole_row_group = 0x4000'0000U;

// gptq-int{2,3,4,8}[-g{N}|-per-channel][-act-order]: AutoGPTQ's layout (QuantLinear
// buffers: qweight, qzeros, scales, g_idx). act-order (desc_act) changes the order in which
// columns are quantized, not what is stored: g_idx is saved either way, so the bytes match
// (TheBloke's Llama-2-7B-Chat-GPTQ: 3.90 GB for 128g with and without act order).
std::optional<WeightFormat> gptq_named(std::vector<std::string> words) {
  const std::vector<std::vector<std::string>> act_suffixes = {
      {"act", "order"}, {"actorder"}, {"desc", "act"}, {"act"}, {"actorder", "true"}};
  for (const auto& suffix : act_suffixes) {
    if (words.size() > suffix.size() &&
        std::equal(suffix.rbegin(), suffix.rend(), words.rbegin())) {
      words.resize(words.size() - suffix.size());
      break;
    }
  }
  const auto ends_with = [&words](const char* a, const char* b) {
    return words.size() >= 2 && words[words.size() - 2] == a && words.back() == b;
  };
  if (ends_with("per", "channel") || ends_with("g", "1")) { // -per-channel, -g-1
    words.resize(words.size() - 1);
    words.back() = "perchannel";
  }
  if (words.size() < 2 || words.size() > 3) {
    return std::nullopt;
  }
  const auto bits = int_bits(words[1], {2, 3, 4, 8});
  if (!bits) {
    return std::nullopt;
  }
  std::uint32_t group = 128;
  bool per_channel = false;
  if (words.size() == 3) {
    if (words[2] == "perchannel") {
      per_channel = true;
    } else if (const auto g = group_word(words[2])) {
      group = *g;
    } else {
      return std::nullopt;
    }
  }
  const std::string name =
      fmt::format("gptq-int{}-{}", *bits,
                  per_channel ? std::string("per-channel") : "g" + std::to_string(group));
  WeightFormat f = gptq(name.c_str(), "", *bits, per_channel ? k_whole_row_group : group);
  f.description = fmt::format("GPTQ {}-bit, {}, fp16 scales, packed zeros, g_idx", *bits,
                              per_channel ? std::string("one group per row")
                                          : "group " + std::to_string(group));
  return f;
}

// awq-int4-g{N}: AutoAWQ WQLinear_GEMM (qweight, qzeros, scales; no g_idx), 4-bit only.
std::optional<WeightFormat> awq_named(const std::vector<std::string>& words) {
  std::size_t next = 1;
  if (words.size() > next && words[next] == "int4") {
    ++next;
  }
  if (words.size() != next + 1) {
    return std::nullopt;
  }
  const auto group = group_word(words[next]);
  if (!group) {
    return std::nullopt;
  }
  const std::string name = fmt::format("awq-int4-g{}", *group);
  return linear(name.c_str(),
                fmt::format("AWQ 4-bit, group {}, fp16 scales and packed zeros", *group).c_str(), 4,
                *group, 16, 4, 0, 0);
}

// exl2-{bpw}[-h{bits}] and exl3-{bpw}[-h{bits}]: the converters' -b (average bits per weight
// over the quantized linear layers, scales included) and -hb (the output head, default 6;
// EXL2's 6 "actually results in ... about 6.3 bits", exllamav2 doc/convert.md). Embeddings
// stay 16-bit.
std::optional<WeightFormat> exl_named(const std::vector<std::string>& words, int version) {
  if (words.size() < 2 || words.size() > 3) {
    return std::nullopt;
  }
  const auto milli = milli_of(words[1]);
  const std::uint32_t lowest = version == 2 ? 2000 : 1000;
  if (!milli || *milli < lowest || *milli > 8000) {
    return std::nullopt;
  }
  std::uint32_t head = 6;
  if (words.size() == 3) {
    const std::string& h = words[2];
    const std::size_t digits = h.rfind("hb", 0) == 0 ? 2 : (h.rfind('h', 0) == 0 ? 1 : 0);
    const auto value = digits == 0 ? std::nullopt : integer_of(std::string_view(h).substr(digits));
    const bool allowed = value && (version == 2 ? (*value >= 2 && *value <= 6) || *value == 8
                                                : *value >= 1 && *value <= 8);
    if (!allowed) {
      return std::nullopt;
    }
    head = *value;
  }
  WeightFormat f;
  f.name = fmt::format("exl{}-{}{}", version, milli_text(*milli),
                       head == 6 ? std::string() : "-h" + std::to_string(head));
  f.description = fmt::format("EXL{} at {} bits per weight, head {}-bit, embeddings 16-bit",
                              version, milli_text(*milli), head);
  f.scheme = WeightScheme::linear_quant;
  f.bits = (*milli + 999) / 1000;
  f.milli_bits = *milli;
  f.head_milli_bits = version == 2 && head == 6 ? 6300 : head * 1000;
  return f;
}

// hqq-int{1,2,3,4,8}[-g{N}]: mobiusml/hqq (quantize.py): codes packed per byte (3-bit: ten
// per int32, 3.2 bits), a 16-bit scale and zero per group of 64 by default.
std::optional<WeightFormat> hqq_named(const std::vector<std::string>& words) {
  if (words.size() < 2 || words.size() > 3) {
    return std::nullopt;
  }
  const auto bits = int_bits(words[1], {1, 2, 3, 4, 8});
  const auto group = words.size() == 3 ? group_word(words[2]) : std::optional<std::uint32_t>(64);
  if (!bits || !group) {
    return std::nullopt;
  }
  const std::string name = fmt::format("hqq-int{}-g{}", *bits, *group);
  WeightFormat f = linear(
      name.c_str(),
      fmt::format("HQQ {}-bit, group {}, fp16 scale and zero per group", *bits, *group).c_str(),
      *bits, *group, 16, 16, 0, 0);
  f.milli_bits = *bits == 3 ? 3200 : 0;
  return f;
}

// autoround-int{2,3,4,8}[-g{N}]: intel/auto-round's defaults (bits 4, group_size 128,
// symmetric) exported in its GPTQ-style layout: packed weights, fp16 scales, packed zeros.
std::optional<WeightFormat> autoround_named(const std::vector<std::string>& words) {
  if (words.size() < 2 || words.size() > 3) {
    return std::nullopt;
  }
  const auto bits = int_bits(words[1], {2, 3, 4, 8});
  const auto group = words.size() == 3 ? group_word(words[2]) : std::optional<std::uint32_t>(128);
  if (!bits || !group) {
    return std::nullopt;
  }
  const std::string name = fmt::format("autoround-int{}-g{}", *bits, *group);
  return linear(
      name.c_str(),
      fmt::format("AutoRound {}-bit, group {}, fp16 scales, packed zeros", *bits, *group).c_str(),
      *bits, *group, 16, *bits, 0, 0);
}

// torchao-int4[-g{N}] (Int4WeightOnlyConfig: group 128, a bf16 scale and zero per group) and
// torchao-int8 (Int8WeightOnlyConfig: per output row, a bf16 scale and an int64 zero point;
// pytorch/ao torchao/quantization/quant_api.py _int8_weight_only_transform).
std::optional<WeightFormat> torchao_named(const std::vector<std::string>& words) {
  if (words.size() == 2 && words[1] == "int8") {
    return linear("torchao-int8", "torchao int8 weight-only: a bf16 scale and int64 zero per row",
                  8, 0, 0, 0, 0, 16 + 64);
  }
  if (words.size() < 2 || words.size() > 3 || words[1] != "int4") {
    return std::nullopt;
  }
  const auto group = words.size() == 3 ? group_word(words[2]) : std::optional<std::uint32_t>(128);
  if (!group || *group < 32 || *group > 256) {
    return std::nullopt; // tinygemm takes groups of 32, 64, 128 and 256
  }
  const std::string name = fmt::format("torchao-int4-g{}", *group);
  return linear(
      name.c_str(),
      fmt::format("torchao int4 weight-only, group {}, bf16 scale and zero", *group).c_str(), 4,
      *group, 32, 0, 0, 0);
}

// bnb-int8-t{threshold}: LLM.int8 with its outlier threshold (llm_int8_threshold, default
// 6.0). The threshold decides which activation columns run in 16 bits; what is stored is the
// same int8 weights with an fp32 scale per row.
std::optional<WeightFormat> bnb_int8_named(const std::vector<std::string>& words) {
  std::string_view value;
  if (words.size() == 3 && words[0] == "bnb" && words[1] == "int8" && words[2].size() > 1 &&
      words[2].front() == 't') {
    value = std::string_view(words[2]).substr(1);
  } else if (words.size() == 4 && words[0] == "bnb" && words[1] == "int8" &&
             words[2] == "threshold") {
    value = words[3];
  } else {
    return std::nullopt;
  }
  const auto milli = milli_of(value);
  if (!milli || *milli > 100'000) {
    return std::nullopt;
  }
  WeightFormat f = linear("", "", 8, 0, 0, 0, 0, 32);
  f.name = "bnb-int8-t" + milli_text(*milli);
  f.description = "bitsandbytes int8 (LLM.int8), outlier threshold " + milli_text(*milli) +
                  ": int8 + fp32 scale per row";
  return f;
}

std::optional<WeightFormat> parametric_format(std::string_view wanted) {
  const std::vector<std::string> words = words_of(text::to_lower(wanted));
  const std::string& family = words.front();
  if (family == "gptq") {
    return gptq_named(words);
  }
  if (family == "awq") {
    return awq_named(words);
  }
  if (family == "exl2" || family == "exl3") {
    return exl_named(words, family == "exl2" ? 2 : 3);
  }
  if (family == "hqq") {
    return hqq_named(words);
  }
  if (family == "autoround") {
    return autoround_named(words);
  }
  if (family == "torchao") {
    return torchao_named(words);
  }
  if (family == "bnb" || family == "llm.int8") {
    std::vector<std::string> bnb = words;
    if (family == "llm.int8") {
      bnb.front() = "int8";
      bnb.insert(bnb.begin(), "bnb");
    }
    return bnb_int8_named(bnb);
  }
  return std::nullopt;
}

// Formats made from a name live as long as the program, so pointers to them stay valid as the
// table's do; a deque never moves what it holds.
const WeightFormat* interned(WeightFormat format) {
  static std::mutex mutex;
  static std::deque<WeightFormat> formats;
  const std::lock_guard<std::mutex> lock(mutex);
  for (const WeightFormat& known : formats) {
    if (known.name == format.name) {
      return &known;
    }
  }
  formats.push_back(std::move(format));
  return &formats.back();
}

// Lower case without separators: "Q4_K_M", "q4-k-m" and "q4km" read the same.
std::string squeezed(std::string_view name) {
  std::string out;
  for (const char c : text::to_lower(name)) {
    if (c != '-' && c != '_' && c != '.' && c != ' ') {
      out += c;
    }
  }
  return out;
}

} // namespace

const WeightFormat& as_stored_format() {
  static const WeightFormat format{"as-stored", "each tensor as the model file stores it",
                                   WeightScheme::as_stored, 0};
  return format;
}

const WeightFormat* find_weight_format(std::string_view name) {
  const std::string_view wanted = text::trim(name);
  const WeightFormat* found = nullptr;
  each_weight_format([&](const WeightFormatEntry& entry) {
    const bool named = text::iequals(entry.format.name, wanted) ||
                       std::any_of(entry.aliases.begin(), entry.aliases.end(),
                                   [&](const std::string& a) { return text::iequals(a, wanted); });
    found = named ? &entry.format : nullptr;
    return named;
  });
  if (found != nullptr || wanted.empty() || wanted.size() > 64) {
    return found;
  }
  if (auto format = parametric_format(wanted)) {
    // A number-named format that is also listed (gptq-int4-g128) is the listed one.
    each_weight_format([&](const WeightFormatEntry& entry) {
      found = entry.format.name == format->name ? &entry.format : nullptr;
      return found != nullptr;
    });
    return found != nullptr ? found : interned(std::move(*format));
  }
  return nullptr;
}

std::optional<std::string> suggest_weight_format(std::string_view name) {
  const std::string query = squeezed(text::trim(name));
  if (query.empty()) {
    return std::nullopt;
  }
  const std::vector<std::string> spellings = weight_format_spellings();
  for (const auto& spelling : spellings) {
    if (squeezed(spelling) == query) {
      return spelling;
    }
  }
  // A spelling the query begins: the shortest ("q8" -> "q8_0", not "q8_0" variants).
  std::optional<std::string> prefix;
  for (const auto& spelling : spellings) {
    const std::string s = squeezed(spelling);
    if (s.rfind(query, 0) == 0 && (!prefix || s.size() < squeezed(*prefix).size())) {
      prefix = spelling;
    }
  }
  if (prefix && query.size() >= 2) {
    return prefix;
  }
  return closest_name(text::trim(name), spellings);
}

std::vector<std::string> weight_format_names() {
  std::vector<std::string> names;
  each_weight_format([&](const WeightFormatEntry& entry) {
    names.push_back(entry.format.name);
    return false;
  });
  return names;
}

std::vector<std::string> weight_format_spellings() {
  std::vector<std::string> names;
  each_weight_format([&](const WeightFormatEntry& entry) {
    names.push_back(entry.format.name);
    names.insert(names.end(), entry.aliases.begin(), entry.aliases.end());
    return false;
  });
  return names;
}

std::uint64_t uniform_weight_bytes(const WeightFormat& format, std::uint64_t elements) {
  return mul_div_ceil(elements, format.bits, 8, "weight bytes");
}

const KvType* find_kv_type(std::string_view name) {
  const std::string_view wanted = text::trim(name);
  for (const auto& entry : k_kv_types) {
    if (text::iequals(entry.type.name, wanted)) {
      return &entry.type;
    }
    for (const auto alias : entry.aliases) {
      if (!alias.empty() && text::iequals(alias, wanted)) {
        return &entry.type;
      }
    }
  }
  return nullptr;
}

std::vector<std::string> kv_type_names() {
  std::vector<std::string> names;
  for (const auto& entry : k_kv_types) {
    names.emplace_back(entry.type.name);
  }
  return names;
}

std::uint64_t kv_row_bytes(const KvType& type, std::uint64_t elements) {
  return checked_mul(div_ceil(elements, type.block_elements), type.block_bytes, "KV row bytes");
}

const KvType& default_kv_type() {
  return k_kv_types[1].type;
}

} // namespace vramcalc
