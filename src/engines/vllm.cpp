// vLLM profile. Follows vLLM V1 as of 0.8-0.10 (vllm/v1/worker/gpu_worker.py
// determine_available_memory, vllm/utils memory_profiling, vllm/v1/core/kv_cache_utils.py):
//   requested = gpu_memory_utilization x total CUDA memory
//   KV pool   = requested - weights - PyTorch activation peak of the profile run
//               - non-torch memory that appeared while profiling
//   tokens    = whole blocks of block_size tokens that fit in the pool
// CUDA graphs are captured afterwards, in the (1 - utilization) margin, like the CUDA context.
// Defaults: gpu_memory_utilization 0.9, block_size 16, max_num_seqs 256,
// max_num_batched_tokens 8192 (chunked prefill; the 1.26 GiB activation peak that
// https://github.com/vllm-project/vllm/pull/10511 logs for Llama-3-8B is at 8192 tokens).
#include <cmath>

#include <fmt/format.h>

#include "engines/pool.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::engines {

namespace {

constexpr double k_default_utilization = 0.9;
constexpr std::uint32_t k_default_block_size = 16;
constexpr std::uint32_t k_default_max_num_seqs = 256;
constexpr std::uint64_t k_default_batched_tokens = 8192;
// Memory outside PyTorch's allocator that appears during profiling (cuBLAS workspaces, NCCL
// and custom all-reduce buffers): 0.35 GiB on an RTX 3090 (vllm-project/vllm#10517), 0.33 GiB
// per RTX 5090 at PP2 (#14452), 0.25 GiB per RTX 4090 at TP2 (#13061), 0.16 GiB on an H100
// (#12126), up to 3.58 GiB in one Dec-2024 TP2 profile (#10511); the vLLM logs, quoted in
// tests/data/validation/published.json where a row uses them.
constexpr std::uint64_t k_non_torch_bytes = 300ULL * 1024 * 1024;

}  // namespace

MemoryEstimate estimate_vllm(const EngineInput& input) {
  const ModelSpec& model = input.model;
  const EngineSettings& settings = input.options.engine;
  const std::uint32_t tp = std::max<std::uint32_t>(1, input.options.gpu_count);
  const double utilization = settings.gpu_memory_utilization.value_or(k_default_utilization);
  const std::uint32_t block = settings.block_size.value_or(k_default_block_size);
  const std::uint32_t max_seqs = settings.max_num_seqs.value_or(k_default_max_num_seqs);
  const std::uint64_t batched = settings.max_num_batched_tokens.value_or(k_default_batched_tokens);

  MemoryEstimate result;
  fill_weights(result, input);
  shard_weights(result, tp);
  result.activations = make_component(
      pool_activation_bytes(model, batched, std::min<std::uint64_t>(max_seqs, batched), tp),
      Provenance::derived,
      fmt::format("profile run over max_num_batched_tokens {} + fp32 logits of {} sequences",
                  batched, max_seqs),
      50, 50);
  // Overhead: the CUDA context (present before vLLM's baseline, so outside its budget) and the
  // non-torch memory that appears while profiling (inside it).
  const std::uint64_t non_torch = input.options.overhead_bytes
                                      ? *input.options.overhead_bytes
                                      : k_non_torch_bytes;
  result.overhead = make_component(
      k_torch_cuda_context_bytes + non_torch,
      input.options.overhead_bytes ? Provenance::exact : Provenance::calibrated,
      fmt::format("CUDA context {} MiB + non-torch memory while profiling {} MiB",
                  k_torch_cuda_context_bytes / k_mib, non_torch / k_mib),
      40, 150);

  const std::uint64_t per_token = pool_bytes_per_token(model, input.workload, tp);
  const std::uint64_t per_sequence = pool_bytes_per_sequence(model, input.workload, tp);
  const std::uint64_t fixed = result.weights.bytes + result.activations.bytes + non_torch;
  if (input.options.gpu) {
    const std::uint64_t visible = cuda_visible_bytes(*input.options.gpu);
    const auto requested = static_cast<std::uint64_t>(
        std::floor(static_cast<double>(visible) * utilization));
    KvPool pool;
    pool.block_size = block;
    pool.bytes_per_token = per_token;
    pool.bytes_per_sequence = per_sequence;
    pool.bytes = requested > fixed ? requested - fixed : 0;
    const std::uint64_t others = result.activations.bytes + non_torch;
    pool.budget_bytes = requested > others ? requested - others : 0;
    const std::uint64_t block_bytes = per_token * block;
    pool.tokens = block_bytes == 0 ? 0 : pool.bytes / block_bytes * block;
    // vLLM's "Maximum concurrency for N tokens per request": pool tokens over the tokens one
    // request holds (sliding-window layers counted at their window).
    const double sequence_tokens =
        per_token == 0 ? 0.0 : static_cast<double>(per_sequence) / static_cast<double>(per_token);
    pool.max_concurrency =
        sequence_tokens == 0 ? 0.0 : static_cast<double>(pool.tokens) / sequence_tokens;
    result.kv_cache = make_component(
        pool.bytes, Provenance::derived,
        fmt::format("pool: {:.2f} x {:.2f} GiB CUDA total - weights - activations - non-torch",
                    utilization, to_gib(visible)));
    result.kv_pool = pool;
    add_setting(result, "total_gpu_memory_bytes", visible);
  } else {
    result.kv_cache = make_component(
        checked_mul(per_sequence, input.workload.batch, "KV cache bytes"), Provenance::derived,
        "KV for batch x context (no card named: the pool is not sized)");
  }
  finish_totals(result);
  add_setting(result, "gpu_memory_utilization", utilization);
  add_setting(result, "block_size", static_cast<std::uint64_t>(block));
  add_setting(result, "max_num_seqs", static_cast<std::uint64_t>(max_seqs));
  add_setting(result, "max_num_batched_tokens", batched);
  add_setting(result, "max_model_len", input.workload.context);
  add_setting(result, "tensor_parallel_size", static_cast<std::uint64_t>(tp));
  add_setting(result, "kv_cache_dtype", std::string(input.workload.kv_key.name == "f16"
                                                        ? "auto"
                                                        : input.workload.kv_key.name));
  result.engine.equivalent_flags = fmt::format(
      "--max-model-len {} --gpu-memory-utilization {} --max-num-batched-tokens {}{}{}",
      input.workload.context, utilization, batched,
      tp > 1 ? fmt::format(" --tensor-parallel-size {}", tp) : "",
      input.workload.kv_key.name == "f16" ? "" : " --kv-cache-dtype fp8");
  result.engine.notes.push_back(
      "the CUDA context and CUDA graphs (0.1-0.7 GiB) live outside gpu_memory_utilization");
  return result;
}

}  // namespace vramcalc::engines
