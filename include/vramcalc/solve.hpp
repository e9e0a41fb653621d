#pragma once
/// Solvers: the largest context or batch that fits, the fewest cards, every card that runs
/// the model; and the data for a memory-versus-context (or batch) chart. Each answer carries
/// the memory figures that justify it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/gpu.hpp"
#include "vramcalc/placement.hpp"

namespace vramcalc {

/// An answer and the figures behind it: the need at the answer and one step above.
struct SolveAnswer {
  std::uint64_t value = 0;              ///< tokens, sequences or cards
  std::uint64_t per_gpu_bytes = 0;      ///< the largest card's need at `value`
  std::uint64_t capacity_bytes = 0;     ///< that card's usable memory
  std::uint64_t next_value = 0;         ///< one step above (0 when there is none)
  std::uint64_t next_per_gpu_bytes = 0; ///< the need there (it does not fit)
};

/// The largest context (tokens per sequence) for which the cards hold the plan (offload not
/// counted); nullopt when not even one token fits. Searched up to 10^8 tokens.
[[nodiscard]] std::optional<SolveAnswer> solve_max_context(const PlanRequest& request);

/// The largest batch (sequences at once) that fits at the request's context.
[[nodiscard]] std::optional<SolveAnswer> solve_max_batch(const PlanRequest& request);

/// The fewest cards of the request's first card type that hold the model (tensor parallel
/// where the count divides the heads, else pipeline), up to 64.
[[nodiscard]] std::optional<SolveAnswer> solve_min_gpus(const PlanRequest& request);

/// One card type that runs the model.
struct GpuOption {
  std::string id;
  std::string name;
  std::uint32_t count = 0;              ///< the fewest of 1, 2, 4, 8 that fit
  std::uint64_t usable_bytes = 0;       ///< per card
  std::uint64_t per_gpu_bytes = 0;      ///< the largest card's need
  std::string strategy;                 ///< single, tensor_parallel, pipeline_parallel
  double expected_decode_tokens_per_s = 0;
};

/// Every card in `database` that runs the request on 1, 2, 4 or 8 cards, sorted by fewest
/// cards, then least memory, then id.
[[nodiscard]] std::vector<GpuOption> solve_which_gpus(const PlanRequest& request,
                                                      const GpuDatabase& database);

/// One point of a chart.
struct PlotPoint {
  std::uint64_t x = 0;              ///< context tokens, or sequences
  std::uint64_t per_gpu_bytes = 0;  ///< the largest card's need
  bool fits = false;
};

/// Memory against context (axis "context") or batch ("batch"): about 24 points on a
/// logarithmic scale from small to well past where the need crosses the capacity.
[[nodiscard]] std::vector<PlotPoint> plot_points(const PlanRequest& request, bool by_batch);

}  // namespace vramcalc
