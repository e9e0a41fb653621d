// GGUF files of real shapes: gguf_shapes.hpp.
//
// Shapes: the models' config.json (https://huggingface.co/meta-llama/Llama-3.1-8B and
// https://huggingface.co/meta-llama/Llama-3.1-70B), as the catalog records them. Tensor names
// and the metadata keys: llama.cpp's GGUF writer for llama (gguf-py/gguf/constants.py,
// https://github.com/ggml-org/llama.cpp/blob/0024aa7417efd50a7c2a79e049dfbbbceb0beaaf/gguf-py/gguf/constants.py).
// Type mix: llama-quantize's llama_tensor_get_type for Q4_K_M (src/llama-quant.cpp; the rule
// vramcalc follows in src/llama_quant.cpp). Special tokens: Llama-3.1's tokenizer_config.json
// (https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/tokenizer_config.json).
// Tensors: token_embd, output_norm, output and 9 per block (291 for 32 blocks). Conversions of
// Llama-3.1 also carry a 64-element F32 rope_freqs.weight; it is left out (the figure
// is 291 tensors), which changes the header by 49 bytes.
#include "gguf_shapes.hpp"

#include <array>
#include <stdexcept>
#include <unordered_set>

namespace vramcalc::bench {

namespace {

using test::FixtureKv;
using test::FixtureTensor;
using test::GgufFixture;

constexpr std::uint32_t k_vocab = 128256;
constexpr std::uint32_t k_regular_tokens = 128000;  // then 256 special tokens
constexpr std::uint32_t k_merges = 280147;
// llama_token_type (llama.h): NORMAL 1, CONTROL 3, BYTE 6.
constexpr std::int32_t k_token_normal = 1;
constexpr std::int32_t k_token_control = 3;

// splitmix64: a seeded, portable sequence, so that every build writes the same bytes.
class Random {
 public:
  explicit Random(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t m_state;
};

// A code point as UTF-8 (below U+0800: byte-level BPE symbols need no more).
std::string utf8(std::uint32_t code) {
  if (code < 0x80) {
    return std::string(1, static_cast<char>(code));
  }
  return {static_cast<char>(0xC0 | (code >> 6)), static_cast<char>(0x80 | (code & 0x3F))};
}

// The 256 byte symbols of byte-level BPE (GPT-2's bytes_to_unicode, which Llama-3's tiktoken
// vocabulary is converted with): printable Latin-1 bytes stand for themselves, the others
// for U+0100 onwards.
std::vector<std::string> byte_symbols() {
  std::vector<std::string> symbols;
  std::uint32_t shifted = 0;
  for (std::uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    symbols.push_back(utf8(printable ? b : 0x100 + shifted++));
  }
  return symbols;
}

// A BPE-like piece: "Ġ" (a leading space) on most, then 1 to 9 Latin letters, mostly 3 to 6,
// or, for one in five, 1 to 4 Cyrillic letters: two UTF-8 bytes each, so four bytes as
// byte-level symbols (Llama-3's vocabulary is multilingual).
std::string word_piece(Random& random) {
  static constexpr std::string_view k_letters = "etaoinshrdlcumwfgypbvkjxqz";
  std::string piece = random.below(100) < 60 ? "\xC4\xA0" : "";
  if (random.below(100) < 20) {
    const std::uint64_t letters = 1 + random.below(4);
    for (std::uint64_t i = 0; i < letters; ++i) {
      const auto code = static_cast<std::uint32_t>(0x430 + random.below(32));  // а..я
      piece += utf8(0xC0 | (code >> 6));   // the UTF-8 lead byte as its symbol
      piece += utf8(0x80 | (code & 0x3F));  // the continuation byte as its symbol
    }
    return piece;
  }
  const std::uint64_t letters = 1 + random.below(4) + random.below(4) + random.below(3);
  for (std::uint64_t i = 0; i < letters; ++i) {
    // Frequent letters more often: the square of a uniform index leans to the front.
    const std::uint64_t u = random.below(k_letters.size());
    char c = k_letters[u * u / k_letters.size()];
    if (i == 0 && random.below(100) < 15) {
      c = static_cast<char>(c - 'a' + 'A');
    }
    piece += c;
  }
  return piece;
}

std::vector<std::string> llama3_tokens() {
  std::vector<std::string> tokens = byte_symbols();
  tokens.reserve(k_vocab);
  // Every token once: llama.cpp's vocabulary loader asserts that no two ids share a text.
  std::unordered_set<std::string> seen(tokens.begin(), tokens.end());
  Random random(0x11a3a31);
  while (tokens.size() < k_regular_tokens) {
    std::string piece = word_piece(random);
    if (seen.insert(piece).second) {
      tokens.push_back(std::move(piece));
    }
  }
  const std::array<std::string_view, 11> named = {"<|begin_of_text|>",
                                                  "<|end_of_text|>",
                                                  "<|reserved_special_token_0|>",
                                                  "<|reserved_special_token_1|>",
                                                  "<|finetune_right_pad_id|>",
                                                  "<|reserved_special_token_2|>",
                                                  "<|start_header_id|>",
                                                  "<|end_header_id|>",
                                                  "<|eom_id|>",
                                                  "<|eot_id|>",
                                                  "<|python_tag|>"};
  for (const std::string_view name : named) {
    tokens.emplace_back(name);
  }
  for (std::uint32_t reserved = 3; tokens.size() < k_vocab; ++reserved) {
    tokens.push_back("<|reserved_special_token_" + std::to_string(reserved) + "|>");
  }
  return tokens;
}

// "left right": a piece split in two at a character boundary ("Ġ" is one character).
std::vector<std::string> llama3_merges(const std::vector<std::string>& tokens) {
  std::vector<std::string> merges;
  merges.reserve(k_merges);
  Random random(0x3e26e5);
  while (merges.size() < k_merges) {
    const std::string& piece = tokens[256 + random.below(k_regular_tokens - 256)];
    std::vector<std::size_t> cuts;  // character boundaries inside the piece
    for (std::size_t i = 1; i < piece.size(); ++i) {
      if ((static_cast<unsigned char>(piece[i]) & 0xC0) != 0x80) {
        cuts.push_back(i);
      }
    }
    if (cuts.empty()) {
      continue;
    }
    const std::size_t cut = cuts[random.below(cuts.size())];
    merges.push_back(piece.substr(0, cut) + " " + piece.substr(cut));
  }
  return merges;
}

// Llama-3.1's chat template is a few kilobytes of Jinja; one of similar length and form.
std::string chat_template() {
  std::string text =
      "{{- bos_token }}\n{%- if not date_string is defined %}{%- set date_string = \"26 Jul "
      "2024\" %}{%- endif %}\n{%- if messages[0]['role'] == 'system' %}{%- set system_message "
      "= messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- else %}{%- set "
      "system_message = \"\" %}{%- endif %}\n{{- \"<|start_header_id|>system<|end_header_id|>"
      "\\n\\n\" }}{{- \"Cutting Knowledge Date: December 2023\\n\" }}{{- \"Today Date: \" + "
      "date_string + \"\\n\\n\" }}{{- system_message }}{{- \"<|eot_id|>\" }}\n";
  for (int i = 0; i < 12; ++i) {
    text += "{%- for message in messages %}{%- if not (message.role == 'ipython' or message.role "
            "== 'tool' or 'tool_calls' in message) %}{{- '<|start_header_id|>' + message['role'] + "
            "'<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}{%- endif %}"
            "{%- endfor %}\n";
  }
  return text + "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant"
                "<|end_header_id|>\\n\\n' }}{%- endif %}\n";
}

struct LlamaShape {
  std::string_view name;
  std::string_view size_label;
  std::uint32_t layers = 0;
  std::uint64_t hidden = 0;
  std::uint32_t heads = 0;
  std::uint32_t kv_heads = 0;
  std::uint64_t ffn = 0;
  std::uint32_t file_type = 0;  // llama_ftype: 15 Q4_K_M, 1 F16
};

std::vector<FixtureKv> llama_metadata(const LlamaShape& shape) {
  const std::string arch = "llama";
  std::vector<FixtureKv> kv = {
      test::kv_str("general.architecture", arch),
      test::kv_str("general.type", "model"),
      test::kv_str("general.name", shape.name),
      test::kv_str("general.basename", "Meta-Llama-3.1"),
      test::kv_str("general.size_label", shape.size_label),
      test::kv_str("general.license", "llama3.1"),
      test::kv_str_array("general.tags",
                         {"facebook", "meta", "pytorch", "llama", "llama-3", "text-generation"}),
      test::kv_str_array("general.languages", {"en", "de", "fr", "it", "pt", "hi", "es", "th"}),
      test::kv_u32("llama.block_count", shape.layers),
      test::kv_u32("llama.context_length", 131072),
      test::kv_u32("llama.embedding_length", static_cast<std::uint32_t>(shape.hidden)),
      test::kv_u32("llama.feed_forward_length", static_cast<std::uint32_t>(shape.ffn)),
      test::kv_u32("llama.attention.head_count", shape.heads),
      test::kv_u32("llama.attention.head_count_kv", shape.kv_heads),
      test::kv_f32("llama.rope.freq_base", 500000.0F),
      test::kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5F),
      test::kv_u32("general.file_type", shape.file_type),
      test::kv_u32("llama.vocab_size", k_vocab),
      test::kv_u32("llama.rope.dimension_count", 128),
  };
  for (FixtureKv& tokenizer : llama3_tokenizer_metadata()) {
    kv.push_back(std::move(tokenizer));
  }
  kv.push_back(test::kv_u32("general.quantization_version", 2));
  return kv;
}

// use_more_bits (src/llama-quant.cpp): the first and last eighth of the layers, and every
// third one between.
bool use_more_bits(std::uint32_t i, std::uint32_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

// `matrix` gives the type of a 2-D tensor from its name and layer; norms are always F32.
template <typename TypeOf>
std::vector<FixtureTensor> llama_tensors(const LlamaShape& shape, TypeOf matrix) {
  const std::uint64_t h = shape.hidden;
  const std::uint64_t kv = h / shape.heads * shape.kv_heads;
  std::vector<FixtureTensor> tensors;
  tensors.push_back({"token_embd.weight", {h, k_vocab}, matrix("token_embd", 0), std::nullopt});
  for (std::uint32_t i = 0; i < shape.layers; ++i) {
    const std::string blk = "blk." + std::to_string(i) + ".";
    const auto add = [&](std::string_view part, std::vector<std::uint64_t> dims) {
      const std::uint32_t type = dims.size() == 1 ? test::k_ggml_f32 : matrix(part, i);
      tensors.push_back({blk + std::string(part) + ".weight", std::move(dims), type, std::nullopt});
    };
    add("attn_norm", {h});
    add("attn_q", {h, h});
    add("attn_k", {h, kv});
    add("attn_v", {h, kv});
    add("attn_output", {h, h});
    add("ffn_norm", {h});
    add("ffn_gate", {h, shape.ffn});
    add("ffn_up", {h, shape.ffn});
    add("ffn_down", {shape.ffn, h});
  }
  tensors.push_back({"output_norm.weight", {h}, test::k_ggml_f32, std::nullopt});
  tensors.push_back({"output.weight", {h, k_vocab}, matrix("output", 0), std::nullopt});
  return tensors;
}

}  // namespace

std::vector<test::FixtureKv> llama3_tokenizer_metadata() {
  const std::vector<std::string> tokens = llama3_tokens();
  std::vector<std::int32_t> types(k_vocab, k_token_normal);
  for (std::uint32_t i = k_regular_tokens; i < k_vocab; ++i) {
    types[i] = k_token_control;
  }
  return {
      test::kv_str("tokenizer.ggml.model", "gpt2"),
      test::kv_str("tokenizer.ggml.pre", "llama-bpe"),
      test::kv_str_array("tokenizer.ggml.tokens", tokens),
      test::kv_i32_array("tokenizer.ggml.token_type", types),
      test::kv_str_array("tokenizer.ggml.merges", llama3_merges(tokens)),
      test::kv_u32("tokenizer.ggml.bos_token_id", 128000),
      test::kv_u32("tokenizer.ggml.eos_token_id", 128009),
      test::kv_str("tokenizer.chat_template", chat_template()),
  };
}

test::GgufFixture llama31_8b_q4_k_m() {
  const LlamaShape shape{"Meta Llama 3.1 8B Instruct", "8B", 32, 4096, 32, 8, 14336, 15};
  GgufFixture fixture;
  fixture.metadata = llama_metadata(shape);
  fixture.tensors = llama_tensors(shape, [&](std::string_view part, std::uint32_t layer) {
    const bool more_bits =
        (part == "attn_v" || part == "ffn_down") && use_more_bits(layer, shape.layers);
    return part == "output" || more_bits ? test::k_ggml_q6_k : test::k_ggml_q4_k;
  });
  return fixture;
}

test::GgufFixture llama31_70b_f16() {
  const LlamaShape shape{"Meta Llama 3.1 70B Instruct", "70B", 80, 8192, 64, 8, 28672, 1};
  GgufFixture fixture;
  fixture.metadata = llama_metadata(shape);
  fixture.tensors =
      llama_tensors(shape, [](std::string_view, std::uint32_t) { return test::k_ggml_f16; });
  return fixture;
}

std::vector<std::string_view> gguf_shape_names() {
  return {"llama31-8b-q4_k_m", "llama31-70b-f16"};
}

test::GgufFixture gguf_shape(std::string_view name) {
  if (name == "llama31-8b-q4_k_m") {
    return llama31_8b_q4_k_m();
  }
  if (name == "llama31-70b-f16") {
    return llama31_70b_f16();
  }
  throw std::invalid_argument("unknown GGUF shape '" + std::string(name) + "'");
}

}  // namespace vramcalc::bench
