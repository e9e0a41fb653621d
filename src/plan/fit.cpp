#include "vramcalc/plan.hpp"

#include <algorithm>

#include "vramcalc/bytes.hpp"

namespace vramcalc {

namespace {

EstimateOptions options_for(const PlanInput& input, const Hardware& hardware) {
  EstimateOptions options = input.options;
  options.gpu = hardware.gpu;
  options.gpu_count = hardware.count;
  return options;
}

// The 16-bit rung of the ladder: bf16 for models published in bf16, else fp16.
const WeightFormat& sixteen_bit_format(const ModelSpec& model) {
  const bool bf16 = model.native_dtype && *model.native_dtype == "bf16";
  return *find_weight_format(bf16 ? "bf16" : "fp16");
}

std::vector<const WeightFormat*> ladder_formats(const ModelSpec& model) {
  return {find_weight_format("fp32"), &sixteen_bit_format(model), find_weight_format("int8"),
          find_weight_format("int4")};
}

std::optional<Recommendation> recommend_quantize(const PlanInput& input,
                                                const MemoryEstimate& current,
                                                const Hardware& hardware) {
  const double current_bits = bits_per_weight(current, *input.model);
  for (const WeightFormat* format : ladder_formats(*input.model)) {
    const Evaluation lower = evaluate(input, *format, hardware);
    if (bits_per_weight(lower.estimate, *input.model) >= current_bits) {
      continue;
    }
    if (lower.fit.fits) {
      Recommendation rec;
      rec.kind = RecommendationKind::quantize;
      rec.dtype = format->name;
      rec.total_bytes = lower.estimate.total_bytes;
      rec.note = format->bits >= 8 ? "little or no quality loss"
                                   : "4-bit weights cost some quality; check your task";
      return rec;
    }
  }
  return std::nullopt;
}

std::optional<Recommendation> recommend_offload(const MemoryEstimate& estimate,
                                                const Hardware& hardware) {
  if (estimate.kv_pool) {
    return std::nullopt;  // vLLM and SGLang keep every layer on the GPU
  }
  // The GPUs keep the runtime overhead (each card), the activations, embeddings and head;
  // layers fill the rest in order; the remaining layers (weights and KV) live in CPU RAM.
  const std::uint64_t capacity =
      checked_mul(hardware.gpu.usable_bytes, hardware.count, "GPU capacity");
  const std::uint64_t fixed = estimate.overhead.bytes * hardware.count +
                              estimate.activations.bytes + estimate.embedding_weight_bytes +
                              estimate.head_weight_bytes - estimate.host_weight_bytes;
  if (fixed >= capacity) {
    return std::nullopt;
  }
  std::uint64_t used = fixed;
  std::uint32_t gpu_layers = 0;
  for (const auto& layer : estimate.layers) {
    const std::uint64_t need = layer.weight_bytes + layer.kv_bytes;
    if (used + need > capacity) {
      break;
    }
    used += need;
    ++gpu_layers;
  }
  if (gpu_layers == 0) {
    return std::nullopt;
  }
  Recommendation rec;
  rec.kind = RecommendationKind::offload;
  rec.gpu_layers = gpu_layers;
  rec.cpu_layers = static_cast<std::uint32_t>(estimate.layers.size()) - gpu_layers;
  for (std::size_t i = gpu_layers; i < estimate.layers.size(); ++i) {
    rec.cpu_bytes += estimate.layers[i].weight_bytes + estimate.layers[i].kv_bytes;
  }
  rec.gpu_bytes = used;
  rec.note = "layers in CPU RAM run at system-memory speed (~50 GB/s, or ~32 GB/s over PCIe 4.0 "
             "x16 when streamed), far below the card's: decode slows down several times";
  return rec;
}

std::optional<Recommendation> recommend_multi_gpu(const PlanInput& input,
                                                  const Hardware& hardware) {
  // Tensor parallelism: the degree must divide the attention heads (vLLM and SGLang refuse
  // others), so only divisors are tried.
  const std::uint32_t heads = attention_heads(*input.model);
  for (std::uint32_t count = hardware.count + 1; count <= k_max_tensor_parallel; ++count) {
    if (heads != 0 && heads % count != 0) {
      continue;
    }
    Hardware more = hardware;
    more.count = count;
    const Evaluation at = evaluate(input, *input.format, more);
    if (at.fit.fits) {
      Recommendation rec;
      rec.kind = RecommendationKind::multi_gpu;
      rec.count = count;
      rec.per_gpu_bytes = at.fit.per_gpu_bytes;
      rec.note = hardware.gpu.interconnect_gb_s >= 100
                     ? "tensor parallel over " + hardware.gpu.interconnect
                     : "tensor parallel over PCIe: all-reduce traffic limits the speed-up";
      return rec;
    }
  }
  return std::nullopt;
}

}  // namespace

std::uint64_t per_gpu_bytes(const MemoryEstimate& estimate, std::uint32_t count) {
  if (estimate.kv_pool) {
    return estimate.total_bytes;
  }
  const std::uint64_t shared = estimate.total_bytes - estimate.overhead.bytes;
  return div_ceil(shared, std::max<std::uint32_t>(count, 1)) + estimate.overhead.bytes;
}

FitCheck check_fit(const MemoryEstimate& estimate, const Workload& workload,
                   const Hardware& hardware) {
  FitCheck check;
  check.per_gpu_bytes = per_gpu_bytes(estimate, hardware.count);
  check.capacity_bytes = hardware.gpu.usable_bytes;
  check.fits = check.per_gpu_bytes <= check.capacity_bytes;
  check.headroom_bytes = signed_difference(check.capacity_bytes, check.per_gpu_bytes) *
                         static_cast<std::int64_t>(hardware.count);
  if (estimate.kv_pool) {
    const KvPool& pool = *estimate.kv_pool;
    // Each sequence takes whole blocks; sliding-window layers count at their window.
    const std::uint64_t per_sequence_tokens =
        pool.bytes_per_token == 0 ? 0 : div_ceil(pool.bytes_per_sequence, pool.bytes_per_token);
    check.pool_tokens_needed = checked_mul(
        round_up(per_sequence_tokens, std::max<std::uint32_t>(pool.block_size, 1)),
        workload.batch, "pool tokens");
    check.fits = check.fits && pool.tokens >= check.pool_tokens_needed &&
                 check.pool_tokens_needed > 0;
    // Headroom in the pool: the bytes of tokens it holds beyond the workload (negative when
    // short), over all cards.
    const std::int64_t spare_tokens =
        signed_difference(pool.tokens, check.pool_tokens_needed);
    check.headroom_bytes = spare_tokens * static_cast<std::int64_t>(pool.bytes_per_token) *
                           static_cast<std::int64_t>(hardware.count);
  }
  return check;
}

Evaluation evaluate(const PlanInput& input, const WeightFormat& format, const Hardware& hardware) {
  Evaluation result;
  result.estimate = estimate(*input.model, format, input.workload, options_for(input, hardware));
  result.fit = check_fit(result.estimate, input.workload, hardware);
  return result;
}

std::vector<LadderRow> precision_ladder(const PlanInput& input,
                                        const std::optional<Hardware>& hardware) {
  std::vector<LadderRow> rows;
  for (const WeightFormat* format : ladder_formats(*input.model)) {
    LadderRow row;
    row.dtype = format->name;
    if (hardware) {
      const Evaluation at = evaluate(input, *format, *hardware);
      row.weights_bytes = at.estimate.weights.bytes;
      row.total_bytes = at.estimate.total_bytes;
      row.fits = at.fit.fits;
    } else {
      const MemoryEstimate at = estimate(*input.model, *format, input.workload, input.options);
      row.weights_bytes = at.weights.bytes;
      row.total_bytes = at.total_bytes;
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<Recommendation> recommend(const PlanInput& input, const MemoryEstimate& estimate,
                                      const Hardware& hardware) {
  std::vector<Recommendation> recs;
  if (check_fit(estimate, input.workload, hardware).fits) {
    return recs;
  }
  if (auto rec = recommend_quantize(input, estimate, hardware)) {
    recs.push_back(*rec);
  }
  if (auto rec = recommend_offload(estimate, hardware)) {
    recs.push_back(*rec);
  }
  if (auto rec = recommend_multi_gpu(input, hardware)) {
    recs.push_back(*rec);
  }
  return recs;
}

}  // namespace vramcalc
