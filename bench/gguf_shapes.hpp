#pragma once
// GGUF files of real shapes for measuring header reads, built by code (nothing is downloaded):
// Llama-3.1-8B at Q4_K_M (291 tensors, llama-quantize's type mix) and Llama-3.1-70B at F16
// (723 tensors, 141 GB), both with the full 128,256-token vocabulary and its 280,147 merges.
// The files are sparse: the header is written and the tensor data is a hole.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gguf_writer.hpp"

namespace vramcalc::bench {

/// The fixtures this file builds, by name: "llama31-8b-q4_k_m", "llama31-70b-f16".
[[nodiscard]] std::vector<std::string_view> gguf_shape_names();

/// The fixture called `name`; throws std::invalid_argument for another name.
[[nodiscard]] test::GgufFixture gguf_shape(std::string_view name);

/// Llama-3.1-8B at Q4_K_M: 32 blocks of width 4096, 32 heads, 8 kv heads, feed-forward 14336,
/// vocabulary 128,256; Q4_K with Q6_K for the output head and for attn_v and ffn_down in the
/// layers llama-quantize's use_more_bits picks, F32 norms: 193 Q4_K, 33 Q6_K, 65 F32.
[[nodiscard]] test::GgufFixture llama31_8b_q4_k_m();

/// Llama-3.1-70B at F16: 80 blocks of width 8192, 64 heads, 8 kv heads, feed-forward 28672,
/// vocabulary 128,256; F16 matrices and F32 norms, 141.1 GB of tensor data.
[[nodiscard]] test::GgufFixture llama31_70b_f16();

/// Llama-3's tokenizer metadata at its real sizes: tokenizer.ggml.model "gpt2", pre
/// "llama-bpe", 128,256 tokens (256 byte symbols, 127,744 generated BPE-like pieces, the 256
/// special tokens of Llama-3.1), their token types and 280,147 merges, the bos/eos ids and a
/// chat template. The pieces are made up (seeded, deterministic) with lengths like the real
/// ones: only their number and size matter to a header reader.
[[nodiscard]] std::vector<test::FixtureKv> llama3_tokenizer_metadata();

}  // namespace vramcalc::bench
