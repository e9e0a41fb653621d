#include "vramcalc/engine.hpp"

#include <algorithm>

#include <array>
#include <cctype>

namespace vramcalc {

namespace {

struct EngineEntry {
  EngineKind kind;
  std::string_view name;
  std::string_view version;
  std::array<std::string_view, 3> aliases;
};

constexpr std::array<EngineEntry, 6> k_engines = {{
    {EngineKind::generic, "generic", "engine-neutral first principles", {"none", "default", ""}},
    {EngineKind::llama_cpp, "llama.cpp",
     "llama.cpp de3ff815 (ggml 0.25.1; the tree node-llama-cpp 3.22.1 bundles)",
     {"llamacpp", "llama-cpp", "llama-server"}},
    {EngineKind::ollama, "ollama",
     "Ollama 0.12 (llama.cpp sizing, one cache for its parallel sequences, 457 MiB reserve)",
     {"", "", ""}},
    {EngineKind::vllm, "vllm", "vLLM 0.8-0.10 (V1 engine)", {"", "", ""}},
    {EngineKind::sglang, "sglang", "SGLang 0.4", {"sgl", "", ""}},
    {EngineKind::transformers, "transformers",
     "transformers 5.17 with torch 2.11 (generate, DynamicCache, SDPA)", {"hf", "huggingface", ""}},
}};

std::string squash(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

}  // namespace

std::string_view engine_name(EngineKind kind) {
  for (const auto& entry : k_engines) {
    if (entry.kind == kind) {
      return entry.name;
    }
  }
  return "unknown";
}

std::string_view engine_version(EngineKind kind) {
  for (const auto& entry : k_engines) {
    if (entry.kind == kind) {
      return entry.version;
    }
  }
  return "";
}

std::optional<EngineKind> find_engine(std::string_view name) {
  const std::string wanted = squash(name);
  if (wanted.empty()) {
    return std::nullopt;
  }
  for (const auto& entry : k_engines) {
    if (squash(entry.name) == wanted) {
      return entry.kind;
    }
    for (const auto alias : entry.aliases) {
      if (!alias.empty() && squash(alias) == wanted) {
        return entry.kind;
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string> engine_names() {
  std::vector<std::string> names;
  for (const auto& entry : k_engines) {
    names.emplace_back(entry.name);
  }
  return names;
}

std::vector<MisplacedSetting> misplaced_settings(const EngineSettings& s) {
  using K = EngineKind;
  struct Rule {
    const char* setting;
    bool given;
    std::vector<K> readers;
    const char* engines;
  };
  const std::vector<Rule> rules = {
      {"ubatch", s.ubatch.has_value(), {K::llama_cpp, K::ollama}, "llama.cpp or ollama"},
      {"n_batch", s.n_batch.has_value(), {K::llama_cpp, K::ollama}, "llama.cpp or ollama"},
      {"flash_attn", s.flash_attn.has_value(), {K::llama_cpp, K::ollama}, "llama.cpp or ollama"},
      {"swa_full", s.swa_full, {K::llama_cpp, K::ollama}, "llama.cpp or ollama"},
      {"kv_unified", s.kv_unified, {K::llama_cpp, K::ollama}, "llama.cpp or ollama"},
      {"n_outputs_max", s.n_outputs_max.has_value(), {K::llama_cpp}, "llama.cpp"},
      {"n_gpu_layers", s.n_gpu_layers.has_value(), {K::llama_cpp, K::ollama},
       "llama.cpp or ollama"},
      {"n_cpu_moe", s.n_cpu_moe.has_value(), {K::llama_cpp}, "llama.cpp"},
      {"no_kv_offload", s.no_kv_offload, {K::llama_cpp}, "llama.cpp"},
      {"gpu_memory_utilization", s.gpu_memory_utilization.has_value(), {K::vllm}, "vllm"},
      {"mem_fraction_static", s.mem_fraction_static.has_value(), {K::sglang}, "sglang"},
      {"max_num_batched_tokens", s.max_num_batched_tokens.has_value(), {K::vllm, K::sglang},
       "vllm or sglang"},
      {"max_num_seqs", s.max_num_seqs.has_value(), {K::vllm}, "vllm"},
      {"block_size", s.block_size.has_value(), {K::vllm}, "vllm"},
      {"enforce_eager", s.enforce_eager, {K::vllm}, "vllm"},
      {"max_new_tokens", s.max_new_tokens.has_value(), {K::transformers}, "transformers"},
  };
  std::vector<MisplacedSetting> out;
  for (const Rule& rule : rules) {
    if (rule.given &&
        std::find(rule.readers.begin(), rule.readers.end(), s.kind) == rule.readers.end()) {
      out.push_back({rule.setting, rule.engines});
    }
  }
  return out;
}

std::uint64_t ollama_default_context(std::uint64_t vram_bytes, std::uint64_t model_max_context) {
  // docs/context-length.mdx (ollama 948f6933): < 24 GiB 4k, 24-48 GiB 32k, >= 48 GiB 256k.
  constexpr std::uint64_t k_gib = 1024ULL * 1024 * 1024;
  std::uint64_t context = 4096;
  if (vram_bytes >= 48 * k_gib) {
    context = 262144;
  } else if (vram_bytes >= 24 * k_gib) {
    context = 32768;
  }
  if (model_max_context != 0 && model_max_context < context) {
    context = model_max_context;
  }
  return context;
}

}  // namespace vramcalc
