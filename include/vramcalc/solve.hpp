#pragma once
/// Solvers: the largest context or batch that fits, the fewest cards, every card that runs
/// the model; and the points of a memory-versus-context (or batch) chart. Every answer is a
/// Plan of the one planner, made for the deployment it names, so re-running that deployment
/// gives the same answer: the value fits, and one step further does not.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/gpu.hpp"
#include "vramcalc/plan.hpp"

namespace vramcalc {

/// An answer, the plan that justifies it, and the plan one step further (which does not fit).
struct SolveAnswer {
  std::uint64_t value = 0;   ///< tokens, sequences or cards
  Plan plan;                 ///< at `value`: it fits
  std::optional<std::uint64_t> next_value;  ///< one step further (none at the search's limit)
  std::optional<Plan> next_plan;            ///< at next_value: it does not fit
  /// The search stopped at the model's trained context (max context) rather than memory.
  bool capped_at_trained_context = false;
};

/// The largest context (tokens per sequence) for which `base` fits, up to the model's trained
/// context (unless base.allow_long_context) and 10^8 tokens; nullopt when not even one token
/// fits.
[[nodiscard]] std::optional<SolveAnswer> solve_max_context(const Planner& planner,
                                                           const Deployment& base);

/// The largest batch (sequences at once) that fits at the base's context.
[[nodiscard]] std::optional<SolveAnswer> solve_max_batch(const Planner& planner,
                                                         const Deployment& base);

/// The fewest cards of the base's (single) card type that hold the model, 1 to
/// k_max_planned_cards, under any layout the engine and mode accept (the answer's deployment
/// names its degrees); next_value is one card fewer, which no layout fits.
[[nodiscard]] std::optional<SolveAnswer> solve_min_gpus(const Planner& planner,
                                                        const Deployment& base);

/// One card type that runs the model.
struct GpuOption {
  const GpuSpec* gpu = nullptr;  ///< in GpuDatabase::card_figures(): no aliases, sources, notes
  std::uint32_t count = 0;  ///< the fewest of 1, 2, 4, 8 that fit
  /// The plan's degrees (0: the engine's default), which with the card and count make its
  /// deployment (deployment_of), and its figures. Neither the plan nor its deployment is kept:
  /// a listing of every card would hold hundreds of them (each page of memory a process first
  /// touches costs it more than planning a card does).
  std::uint32_t tensor_parallel = 0;
  std::uint32_t pipeline_parallel = 0;
  PlanStrategy strategy = PlanStrategy::single;
  std::uint64_t total_bytes = 0;             ///< Plan::total_bytes
  std::optional<std::int64_t> headroom_bytes;  ///< Plan::headroom_bytes
  std::uint64_t per_gpu_bytes = 0;           ///< the fullest card's need (fullest_gpu)
  std::optional<double> expected_decode_tokens_per_s;  ///< nullopt when the speed is unknown
  /// count x the card's price_per_hour, in its currency, when the database prices it.
  std::optional<double> cost_per_hour;
};

/// The deployment `option` was planned as, which re-runs it: `base` (what solve_which_gpus was
/// given) on option.count of option.gpu, on one node, at the option's degrees.
[[nodiscard]] Deployment deployment_of(const GpuOption& option, const Deployment& base);

/// How --which-gpus orders its answers.
enum class GpuOrder {
  cards,  ///< fewest cards, then least memory, then id
  cost,   ///< least cost per hour (priced cards first), then as `cards`
};

/// Every card in `database` that runs `base` on 1, 2, 4 or 8 cards, in `order`. Ordering by
/// cost with prices in more than one currency throws vramcalc::Error (kind usage).
[[nodiscard]] std::vector<GpuOption> solve_which_gpus(const Planner& planner,
                                                      const Deployment& base,
                                                      const GpuDatabase& database,
                                                      GpuOrder order = GpuOrder::cards);

/// One point of a chart.
struct PlotPoint {
  std::uint64_t x = 0;              ///< context tokens, or sequences
  std::uint64_t per_gpu_bytes = 0;  ///< the fullest card's need
  bool fits = false;
};

/// Memory against context (by_batch false) or batch: about 24 points on a logarithmic scale
/// from small to well past where the need crosses the capacity.
[[nodiscard]] std::vector<PlotPoint> plot_points(const Planner& planner, const Deployment& base,
                                                 bool by_batch);

/// The GPU of `plan` that is fullest relative to its capacity less margin (the first GPU
/// when none has a capacity); nullptr when the plan has no GPU.
[[nodiscard]] const DevicePlan* fullest_gpu(const Plan& plan);

}  // namespace vramcalc
