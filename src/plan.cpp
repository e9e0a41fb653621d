#include "vramcalc/plan.hpp"

#include <algorithm>

#include "vramcalc/bytes.hpp"

namespace vramcalc {

namespace {

MemoryEstimate estimate_at(const PlanInput& input, const WeightFormat& format) {
  return estimate(*input.model, format, input.workload, input.options);
}

bool fits_on(const MemoryEstimate& estimate, const Hardware& hardware) {
  return per_gpu_bytes(estimate, hardware.count) <= hardware.gpu.usable_bytes;
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
    const MemoryEstimate lower = estimate_at(input, *format);
    if (bits_per_weight(lower, *input.model) >= current_bits) {
      continue;
    }
    if (fits_on(lower, hardware)) {
      Recommendation rec;
      rec.kind = RecommendationKind::quantize;
      rec.dtype = format->name;
      rec.total_bytes = lower.total_bytes;
      rec.note = format->bits >= 8 ? "little or no quality loss"
                                   : "4-bit weights cost some quality; check your task";
      return rec;
    }
  }
  return std::nullopt;
}

std::optional<Recommendation> recommend_offload(const MemoryEstimate& estimate,
                                                const Hardware& hardware) {
  // The GPUs keep the runtime overhead (each card), the activations, embeddings and head;
  // layers fill the rest in order; the remaining layers (weights and KV) live in CPU RAM.
  const std::uint64_t capacity =
      checked_mul(hardware.gpu.usable_bytes, hardware.count, "GPU capacity");
  const std::uint64_t fixed = estimate.overhead.bytes * hardware.count +
                              estimate.activations.bytes + estimate.embedding_weight_bytes +
                              estimate.head_weight_bytes;
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
                                                  const MemoryEstimate& estimate,
                                                  const Hardware& hardware) {
  // Tensor parallelism: the degree must divide the attention heads (vLLM and SGLang refuse
  // others), so only divisors are tried.
  const std::uint32_t heads = attention_heads(*input.model);
  for (std::uint32_t count = hardware.count + 1; count <= k_max_tensor_parallel; ++count) {
    if (heads != 0 && heads % count != 0) {
      continue;
    }
    const std::uint64_t need = per_gpu_bytes(estimate, count);
    if (need <= hardware.gpu.usable_bytes) {
      Recommendation rec;
      rec.kind = RecommendationKind::multi_gpu;
      rec.count = count;
      rec.per_gpu_bytes = need;
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
  const std::uint64_t shared =
      estimate.weights.bytes + estimate.kv_cache.bytes + estimate.activations.bytes;
  return div_ceil(shared, std::max<std::uint32_t>(count, 1)) + estimate.overhead.bytes;
}

FitCheck check_fit(const MemoryEstimate& estimate, const Hardware& hardware) {
  FitCheck check;
  check.per_gpu_bytes = per_gpu_bytes(estimate, hardware.count);
  check.capacity_bytes = hardware.gpu.usable_bytes;
  check.fits = check.per_gpu_bytes <= check.capacity_bytes;
  check.headroom_bytes = signed_difference(check.capacity_bytes, check.per_gpu_bytes) *
                         static_cast<std::int64_t>(hardware.count);
  return check;
}

std::vector<LadderRow> precision_ladder(const PlanInput& input,
                                        const std::optional<Hardware>& hardware) {
  std::vector<LadderRow> rows;
  for (const WeightFormat* format : ladder_formats(*input.model)) {
    const MemoryEstimate at = estimate_at(input, *format);
    LadderRow row;
    row.dtype = format->name;
    row.weights_bytes = at.weights.bytes;
    row.total_bytes = at.total_bytes;
    if (hardware) {
      row.fits = fits_on(at, *hardware);
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<Recommendation> recommend(const PlanInput& input, const MemoryEstimate& estimate,
                                      const Hardware& hardware) {
  std::vector<Recommendation> recs;
  if (fits_on(estimate, hardware)) {
    return recs;
  }
  if (auto rec = recommend_quantize(input, estimate, hardware)) {
    recs.push_back(*rec);
  }
  if (auto rec = recommend_offload(estimate, hardware)) {
    recs.push_back(*rec);
  }
  if (auto rec = recommend_multi_gpu(input, estimate, hardware)) {
    recs.push_back(*rec);
  }
  return recs;
}

}  // namespace vramcalc
