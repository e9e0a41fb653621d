// SGLang profile. Follows SGLang 0.4 (python/sglang/srt/model_executor/model_runner.py
// profile_max_num_token, server_args.py defaults):
//   total    = free memory when the runner starts (the card less the CUDA context)
//   KV pool  = free memory after loading weights - total x (1 - mem_fraction_static)
//            = mem_fraction_static x total - weights
//   tokens   = pool / cell size (K and V of every layer; MLA: the latent)
// Activations of a prefill chunk and CUDA graphs live in the (1 - mem_fraction_static)
// margin. Default mem_fraction_static by tensor-parallel size: 0.88 (1), 0.87 (2), 0.85 (4),
// 0.81 (8), 0.79 (16) (server_args.py, SGLang 0.4). Check: Llama-3.1-8B on an H100 gives
// 0.88 x (79.22 - 0.61) - 15.11 = 54.07 GiB of pool; SGLang logs weights 15.11 GB and
// K 27.02 + V 27.02 GB (sgl-project/sglang PR #4760's test results; row
// sglang-llama31-8b-h100-mar2025 of tests/data/validation/published.json).
#include <cmath>

#include <fmt/format.h>

#include "engines/pool.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::engines {

namespace {

// SGLang's chunked prefill size default (server_args.py: 8192 on large cards, 2048 on small
// ones; 8192 here, the single-GPU data-centre default).
constexpr std::uint64_t k_default_chunk = 8192;

double default_fraction(std::uint32_t tp) {
  if (tp >= 16) {
    return 0.79;
  }
  if (tp >= 8) {
    return 0.81;
  }
  if (tp >= 4) {
    return 0.85;
  }
  if (tp >= 2) {
    return 0.87;
  }
  return 0.88;
}

}  // namespace

MemoryEstimate estimate_sglang(const EngineInput& input) {
  const ModelSpec& model = input.model;
  const EngineSettings& settings = input.options.engine;
  const std::uint32_t tp = std::max<std::uint32_t>(1, input.options.gpu_count);
  const double fraction = settings.mem_fraction_static.value_or(default_fraction(tp));
  const std::uint64_t chunk = settings.max_num_batched_tokens.value_or(k_default_chunk);

  MemoryEstimate result;
  fill_weights(result, input);
  shard_weights(result, tp);
  result.activations = make_component(
      pool_activation_bytes(model, chunk, 1, tp), Provenance::derived,
      fmt::format("prefill chunk of {} tokens (in the 1 - mem_fraction_static margin)", chunk),
      50, 50);
  result.overhead = input.options.overhead_bytes
                        ? runtime_overhead(input.options)
                        : make_component(k_torch_cuda_context_bytes, Provenance::calibrated,
                                         "CUDA context of a PyTorch process (measured, H200)", 30,
                                         30);
  const std::uint64_t per_token = pool_bytes_per_token(model, input.workload, tp);
  const std::uint64_t per_sequence = pool_bytes_per_sequence(model, input.workload, tp);
  if (input.options.gpu) {
    const std::uint64_t visible = cuda_visible_bytes(*input.options.gpu);
    const std::uint64_t at_start = visible - std::min(visible, result.overhead.bytes);
    const auto share =
        static_cast<std::uint64_t>(std::floor(static_cast<double>(at_start) * fraction));
    KvPool pool;
    pool.block_size = 1;
    pool.bytes_per_token = per_token;
    pool.bytes_per_sequence = per_sequence;
    pool.bytes = share > result.weights.bytes ? share - result.weights.bytes : 0;
    pool.budget_bytes = share;
    pool.tokens = per_token == 0 ? 0 : pool.bytes / per_token;
    const double sequence_tokens =
        per_token == 0 ? 0.0 : static_cast<double>(per_sequence) / static_cast<double>(per_token);
    pool.max_concurrency =
        sequence_tokens == 0 ? 0.0 : static_cast<double>(pool.tokens) / sequence_tokens;
    result.kv_cache = make_component(
        pool.bytes, Provenance::derived,
        fmt::format("pool: {:.2f} x (CUDA total - context) - weights", fraction));
    result.kv_pool = pool;
    add_setting(result, "total_gpu_memory_bytes", visible);
  } else {
    result.kv_cache = make_component(
        checked_mul(per_sequence, input.workload.batch, "KV cache bytes"), Provenance::derived,
        "KV for batch x context (no card named: the pool is not sized)");
  }
  finish_totals(result);
  add_setting(result, "mem_fraction_static", fraction);
  add_setting(result, "chunked_prefill_size", chunk);
  add_setting(result, "context_length", input.workload.context);
  add_setting(result, "tp_size", static_cast<std::uint64_t>(tp));
  result.engine.equivalent_flags =
      fmt::format("--context-length {} --mem-fraction-static {} --chunked-prefill-size {}{}",
                  input.workload.context, fraction, chunk,
                  tp > 1 ? fmt::format(" --tp-size {}", tp) : "");
  return result;
}

}  // namespace vramcalc::engines
