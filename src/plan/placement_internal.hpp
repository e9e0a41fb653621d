#pragma once
// Internal pieces of the planner shared by its files (src/plan/).

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "vramcalc/plan.hpp"

namespace vramcalc {

/// Facts about the model's weights under one format: computed once per request and shared
/// by every plan of it (the per-tensor quantization mix is the expensive part).
struct FormatFacts {
  std::vector<std::uint64_t> replicated_layer_bytes;  ///< 1-D tensors of each layer
  std::vector<std::uint64_t> expert_layer_bytes;      ///< routed experts of each layer
  std::uint64_t replicated_other_bytes = 0;           ///< 1-D tensors outside the layers
  WeightBreakdown weights;                            ///< weight_breakdown(model, format)
  WeightBreakdown decode_reads;                       ///< what one decode step reads
};

struct Planner::Cache {
  std::map<std::string, FormatFacts> facts;  ///< by format name (not thread-safe)
  /// plan_detail::average_kv_share by (context, batch, key type, value type): the same for
  /// every candidate plan of one workload.
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::string, std::string>, double>
      kv_average_share;
};

namespace plan_detail {

/// Everything a strategy needs: the model, the deployment and the format's facts.
struct Context {
  const ModelSpec& model;
  const Deployment& deployment;
  const FormatFacts& facts;
  const std::vector<AttachmentMemory>& attachments;  ///< sized for the deployment's workload
  PlanDetail detail = PlanDetail::full;
  double kv_average_share = 1.0;  ///< average_kv_share of the model and workload
};

/// The share of the cache a step reads on average over a generation that fills it from empty
/// to the full context: the cache at half the context over the cache at the full context
/// (sliding-window layers stop growing at their window).
[[nodiscard]] double average_kv_share(const ModelSpec& model, const Workload& workload);

/// Adds the attachments to devices [first, first + count) of `plan`, shared equally, and
/// records where they went. Pool engines' draft KV is in the pool already (grid_plan).
void place_attachments(Plan& plan, const Context& ctx, std::size_t first, std::size_t count);

[[nodiscard]] FormatFacts format_facts(const ModelSpec& model, const WeightFormat& format);

/// The engine's estimate with `gpu` in its options, sized for one of `tp` ranks (pool engines
/// size a rank; the others are split by the planner and get tp = 1).
[[nodiscard]] MemoryEstimate estimate_on(const Context& ctx, const GpuSpec* gpu, std::uint32_t tp);

[[nodiscard]] std::uint64_t kv_share(const LayerSpec& layer, std::uint64_t layer_bytes,
                                     std::uint32_t tp);
[[nodiscard]] DevicePlan host_device(const Deployment& deployment);
/// The first card of the deployment whose memory the CPU shares (form "unified"), or null.
[[nodiscard]] const GpuSpec* unified_card(const Deployment& deployment);
/// What the plan says about a unified-memory card: the GPU's share, the rest, how to raise it.
[[nodiscard]] std::string unified_memory_note(const GpuSpec& gpu);
[[nodiscard]] DevicePlan gpu_device(const GpuSpec& gpu, std::size_t index);
/// A card of unknown capacity, for an estimate without hardware.
[[nodiscard]] DevicePlan unknown_device();
[[nodiscard]] std::vector<std::uint32_t> split_layers(std::uint32_t layers,
                                                      const std::vector<double>& weights);
/// Every card of the deployment in order: node by node, group by group.
[[nodiscard]] std::vector<GpuSpec> card_list(const Deployment& deployment);

/// Identical cards in a grid: `tp` ranks per stage, `pp` equal stages (single: 1 x 1).
/// `gpu` null: one card of unknown capacity.
[[nodiscard]] Plan grid_plan(const Context& ctx, const GpuSpec* gpu, std::uint32_t tp,
                             std::uint32_t pp);
/// Where llama.cpp puts what besides the cards: layers before `first_gpu` on the CPU, the
/// routed experts of layers [0, n_cpu_moe) there too, the output layer on the last card or the
/// CPU, the KV cache on the cards or the CPU (-nkvo).
struct Spread {
  std::uint32_t first_gpu = 0;
  std::uint32_t n_cpu_moe = 0;
  bool output_on_gpu = true;
  bool kv_on_cpu = false;
};
/// The spread of llama.cpp's -ngl N over a model of `n_layers` layers.
[[nodiscard]] Spread spread_of(std::uint32_t n_layers, std::uint32_t n_gpu_layers);
/// The cards and CPU of a spread (llama.cpp, transformers' layer split).
[[nodiscard]] Plan spread_plan(const Context& ctx, const std::vector<GpuSpec>& cards,
                               const MemoryEstimate& est, const Spread& spread);
/// llama.cpp -sm layer / accelerate device_map: layers in proportion to each card's capacity,
/// each card with its own compute buffer.
[[nodiscard]] Plan layer_split_plan(const Context& ctx, const std::vector<GpuSpec>& cards);
/// llama.cpp: the most (last) layers the cards hold, split by capacity; the rest on the CPU.
[[nodiscard]] Plan layer_offload_plan(const Context& ctx, const std::vector<GpuSpec>& cards);
/// llama.cpp --n-cpu-moe: the fewest layers' experts on the CPU that let the cards hold the rest.
[[nodiscard]] Plan expert_offload_plan(const Context& ctx, const std::vector<GpuSpec>& cards);
/// llama.cpp with -ngl, --n-cpu-moe or -nkvo given: the split they name.
[[nodiscard]] Plan chosen_split_plan(const Context& ctx, const std::vector<GpuSpec>& cards);
/// --cpu-only: every layer in CPU RAM.
[[nodiscard]] Plan cpu_plan(const Context& ctx);
/// accelerate: layers fill the cards in order; the rest stream from RAM (then disk) every pass.
[[nodiscard]] Plan streamed_offload_plan(const Context& ctx, const std::vector<GpuSpec>& cards);

/// What a GPU of `capacity` usable bytes keeps free: the margin's size, or its share of the
/// capacity (rounded down).
[[nodiscard]] std::uint64_t margin_bytes(const Margin& margin, std::uint64_t capacity);

/// Each device's margin, used bytes, headroom and fit; the least headroom over the devices of
/// known capacity (nullopt when none has one). The training planner's verdict, and settle's.
[[nodiscard]] std::optional<std::int64_t> settle_devices(std::vector<DevicePlan>& devices,
                                                         const Margin& margin);

/// The verdict, in one place: each device's margin, headroom and fit, the sums over devices,
/// the plan's headroom (pool spare included) and fits <=> headroom >= 0.
void settle(Plan& plan);

/// The speed of a plan and its slowdown against all on one card of `gpu`; none when a card's
/// bandwidth is unknown.
void attach_speed(Plan& plan, const Context& ctx, const GpuSpec* gpu);
/// The engine's command line for the plan (empty for the generic profile).
[[nodiscard]] std::string engine_flags(const Plan& plan, const ModelSpec& model);

}  // namespace plan_detail

}  // namespace vramcalc
