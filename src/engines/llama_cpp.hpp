#pragma once
// llama.cpp's sizing (internal): shared by the llama.cpp and Ollama profiles.

#include <cstdint>
#include <vector>

#include "engines/profiles.hpp"

namespace vramcalc::engines {

/// How llama.cpp lays out a context for `batch` sequences of `context` tokens.
struct LlamaCppContext {
  std::uint64_t n_ctx_requested = 0;  ///< -c: context x sequences (llama.cpp's -c is shared)
  std::uint64_t n_ctx = 0;            ///< padded to 256
  std::uint64_t n_ctx_seq = 0;        ///< cells per stream
  std::uint64_t n_seq = 1;            ///< -np
  std::uint64_t n_stream = 1;         ///< 1 when unified, else n_seq
  std::uint64_t n_batch = 0;          ///< effective logical batch
  std::uint64_t n_ubatch = 0;         ///< effective micro-batch
  bool flash_attn = true;             ///< resolved
  bool unified = false;
  std::uint64_t n_outputs = 0;        ///< logits rows the graph reserves (llama.cpp: n_ubatch)
  std::vector<std::uint64_t> layer_cells;  ///< KV cells of each layer (all streams)
  std::uint64_t max_cells_per_stream = 0;  ///< the largest n_kv a layer attends over
};

[[nodiscard]] LlamaCppContext llama_cpp_context(const ModelSpec& model, const Workload& workload,
                                                const EngineSettings& settings);

/// The llama.cpp estimate; Ollama adds its reserve on top.
[[nodiscard]] MemoryEstimate llama_cpp_estimate(const EngineInput& input,
                                                const LlamaCppContext& context);

/// True when llama.cpp keeps a sliding-window cache for this architecture (it ignores the
/// window of others, e.g. Phi-3 and Mistral-7B-v0.1, and caches every token there).
[[nodiscard]] bool llama_cpp_honours_sliding_window(const std::string& architecture);

}  // namespace vramcalc::engines
