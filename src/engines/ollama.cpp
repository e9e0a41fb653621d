// Ollama profile. Ollama runs llama.cpp's sizing (its runner and its own ggml engine size the
// KV cache the same way: the gemma3 12b/1b rows of tests/data/validation/published.json follow
// the iSWA rule) with four differences, as of Ollama 0.12 (ml/backend and server/sched.go):
//  - it launches llama.cpp with ctx = num_ctx x num_parallel, so --context is num_ctx;
//  - its cache is one unified cache for all parallel sequences (kvcache/causal.go masks the
//    sequences in one cache; its llama.cpp runner predates llama.cpp's per-sequence streams,
//    PR #14363, July 2025), so the compute graph attends over all num_ctx x num_parallel cells
//    (--kv-unified: the Phi-2 -np 4 log of tests/data/validation/published.json);
//  - its engine reserves logits for one output per sequence, not for a whole micro-batch
//    (device.go "compute graph" lines: gemma3:1b 80 MiB where a 512-output reserve would be
//    over 500 MiB);
//  - its scheduler keeps a minimum of free memory per GPU (DeviceInfo.MinimumMemory 457 MiB
//    on CUDA/ROCm, 512 MiB on Metal; discover/types.go in ollama/ollama) on top of what it
//    allocates, plus OLLAMA_GPU_OVERHEAD (default 0).
// Its default context depends on the card (docs/context-length.mdx at ollama 948f6933: under
// 24 GiB 4k, 24-48 GiB 32k, 48 GiB and more 256k): see ollama_default_context().
#include <fmt/format.h>

#include "engines/llama_cpp.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::engines {

namespace {
constexpr std::uint64_t k_minimum_memory_bytes = 457ULL * 1024 * 1024;
}  // namespace

MemoryEstimate estimate_ollama(const EngineInput& input) {
  EngineSettings settings = input.options.engine;
  settings.kv_unified = true;
  LlamaCppContext ctx = llama_cpp_context(input.model, input.workload, settings);
  ctx.n_outputs = ctx.n_seq;
  MemoryEstimate result = llama_cpp_estimate(input, ctx);
  if (!input.options.overhead_bytes) {
    result.overhead = make_component(k_minimum_memory_bytes, Provenance::heuristic,
                                     "Ollama's reserved minimum free memory per GPU (457 MiB, "
                                     "CUDA), which holds its runner's CUDA context",
                                     0, 50);
  }
  finish_totals(result);
  result.engine.equivalent_flags =
      fmt::format("OLLAMA_CONTEXT_LENGTH={} OLLAMA_NUM_PARALLEL={} OLLAMA_KV_CACHE_TYPE={}{}",
                  input.workload.context, ctx.n_seq, input.workload.kv_key.name,
                  ctx.flash_attn ? " OLLAMA_FLASH_ATTENTION=1" : "");
  return result;
}

}  // namespace vramcalc::engines
