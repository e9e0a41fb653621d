// What plans share: the format's per-tensor facts, and the engine's estimate for a card.
#include "plan/placement_internal.hpp"

namespace vramcalc::plan_detail {

FormatFacts format_facts(const ModelSpec& model, const WeightFormat& format) {
  const std::size_t n = model.layers.size();
  FormatFacts facts;
  facts.replicated_layer_bytes.assign(n, 0);
  facts.expert_layer_bytes.assign(n, 0);
  // Bytes of one-dimensional tensors (norms, biases) every tensor-parallel rank keeps whole,
  // and the routed-expert bytes of each layer (what --n-cpu-moe moves).
  const std::vector<std::uint64_t> tensor_bytes = tensor_bytes_of(model, format);
  for (std::size_t i = 0; i < model.tensors.size(); ++i) {
    const TensorInfo& t = model.tensors[i];
    const std::uint64_t bytes = tensor_bytes[i];
    if (t.layer >= 0 && static_cast<std::size_t>(t.layer) < n) {
      const auto layer = static_cast<std::size_t>(t.layer);
      if (t.shape.size() < 2) {
        facts.replicated_layer_bytes[layer] += bytes;
      }
      if (is_routed_expert(t.role)) {
        facts.expert_layer_bytes[layer] += bytes;
      }
    } else if (t.shape.size() < 2) {
      facts.replicated_other_bytes += bytes;
    }
  }
  facts.weights = weight_breakdown(model, format);
  facts.decode_reads = decode_weight_reads(model, format);
  return facts;
}

MemoryEstimate estimate_on(const Context& ctx, const GpuSpec* gpu, std::uint32_t tp) {
  EstimateOptions options = ctx.deployment.options;
  options.gpu = gpu != nullptr ? std::optional<GpuSpec>(*gpu) : std::nullopt;
  options.gpu_count = tp;
  options.write_basis = ctx.detail == PlanDetail::full;
  options.weights = &ctx.facts.weights;
  return estimate(ctx.model, ctx.deployment.format, ctx.deployment.workload, options);
}

}  // namespace vramcalc::plan_detail
