#pragma once
/// Serving engines: the same model needs different memory under llama.cpp, Ollama, vLLM,
/// SGLang or transformers. Each profile is one module in src/engines/ that follows one named
/// engine version; these are the settings users set on those engines, by the engines' names.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc {

enum class EngineKind {
  generic,       ///< engine-neutral first-principles model (the default)
  llama_cpp,     ///< llama.cpp (llama-server / llama-cli)
  ollama,        ///< Ollama (llama.cpp runner or its own engine) plus Ollama's reserve
  vllm,          ///< vLLM: a fixed fraction of the card, KV blocks fill the rest
  sglang,        ///< SGLang: mem_fraction_static of the card, a token pool fills the rest
  transformers,  ///< Hugging Face transformers generate() with a dynamic cache
};

enum class FlashAttention { automatic, on, off };

/// Engine settings. Every field has the engine's own default; `std::nullopt` means "the
/// engine decides" and the profile fills in what it would choose.
struct EngineSettings {
  EngineKind kind = EngineKind::generic;

  // llama.cpp / Ollama
  std::optional<std::uint32_t> ubatch;      ///< -ub / n_ubatch. Default 512
  std::optional<std::uint32_t> n_batch;     ///< -b / n_batch: tokens per llama_decode call (the
                                            ///< micro-batch is at most this). Default 2048
  std::optional<FlashAttention> flash_attn;  ///< -fa. Default auto
  bool swa_full = false;                    ///< --swa-full: full-size caches for SWA layers
  bool kv_unified = false;                  ///< --kv-unified: one cache shared by all slots
  /// llama_context_params.n_outputs_max: rows of logits the worst-case graph reserves (at most
  /// the micro-batch). Default: the micro-batch, as llama_context_default_params leaves it
  /// (n_outputs_max 0 = n_batch) and the pinned version's buffers were measured with; a server
  /// that reserves one output per slot logs n_outputs_max = its slots.
  std::optional<std::uint32_t> n_outputs_max;
  /// -ngl / Ollama num_gpu: the last N layers on the GPUs, the output layer too when N exceeds
  /// the layer count. Default: the planner's choice (every layer and the output when they fit).
  std::optional<std::uint32_t> n_gpu_layers;
  /// --n-cpu-moe: the routed experts of the first N layers stay in CPU RAM (llama.cpp).
  /// Default: the planner's choice.
  std::optional<std::uint32_t> n_cpu_moe;
  bool no_kv_offload = false;               ///< -nkvo: KV cache and attention in CPU RAM

  // vLLM / SGLang
  std::optional<double> gpu_memory_utilization;  ///< vLLM fraction of the card. Default 0.9
  std::optional<double> mem_fraction_static;     ///< SGLang fraction. Default: by card size
  std::optional<std::uint64_t> max_num_batched_tokens;  ///< vLLM/SGLang prefill chunk
  std::optional<std::uint32_t> max_num_seqs;     ///< vLLM: sequences per step. Default 256
  std::optional<std::uint32_t> block_size;       ///< vLLM KV block, tokens. Default 16
  bool enforce_eager = false;                    ///< vLLM: no CUDA graphs

  // transformers
  std::optional<std::uint64_t> max_new_tokens;   ///< generated tokens on top of the prompt
};

/// A setting given for an engine that does not read it (vLLM's gpu_memory_utilization under
/// llama.cpp): an error, not a silent no-op.
struct MisplacedSetting {
  std::string setting;  ///< the setting's field name in EngineSettings, e.g. "ubatch"
  std::string engines;  ///< the engines that read it, e.g. "llama.cpp or ollama"
};

/// Every setting of `settings` its engine does not read, in declaration order.
[[nodiscard]] std::vector<MisplacedSetting> misplaced_settings(const EngineSettings& settings);

/// The canonical name of an engine ("llama.cpp", "vllm", ...).
[[nodiscard]] std::string_view engine_name(EngineKind kind);

/// The engine called `name` (case-insensitive; "llamacpp", "llama-cpp", "llama.cpp", ...);
/// nullopt when unknown.
[[nodiscard]] std::optional<EngineKind> find_engine(std::string_view name);

/// Canonical engine names, for listings and "did you mean".
[[nodiscard]] std::vector<std::string> engine_names();

/// The engine version a profile follows (its defaults and formulas), e.g. "llama.cpp
/// de3ff815 (ggml 0.25.1, node-llama-cpp 3.22.1 bundle)".
[[nodiscard]] std::string_view engine_version(EngineKind kind);

/// Ollama's default context (num_ctx) for a card with `vram_bytes` of memory, capped at the
/// model's trained context when known (0: unknown). Ollama docs/context-length.mdx: under
/// 24 GiB 4096, 24-48 GiB 32768, 48 GiB and more 262144.
[[nodiscard]] std::uint64_t ollama_default_context(std::uint64_t vram_bytes,
                                                   std::uint64_t model_max_context);

}  // namespace vramcalc
