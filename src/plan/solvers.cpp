// Solvers: searches over plans of the one planner. Memory never falls as context, batch or the
// card count grows, so the searches are exact; each answer carries the plans at the answer and
// one step further.
#include "vramcalc/solve.hpp"

#include <algorithm>
#include <cmath>

#include "vramcalc/error.hpp"
#include "vramcalc/workload.hpp"

namespace vramcalc {

namespace {

// How far a plan is from not fitting: its headroom (negative when short), the same sign as
// its verdict. Memory grows with context and batch, so headroom falls as they grow, and almost
// linearly (KV, activations and compute buffers are linear in tokens).
std::int64_t slack(const Plan& plan) {
  const std::int64_t headroom = plan.headroom_bytes.value_or(plan.fits ? 0 : -1);
  return plan.fits ? std::max<std::int64_t>(headroom, 0) : std::min<std::int64_t>(headroom, -1);
}

// The largest x in [1, limit] whose plan fits; nullopt when x = 1 does not fit. Exact for any
// monotone verdict: the bracket [good, bad) always holds a fitting `good` and a failing `bad`.
// A step tries where the headroom, interpolated linearly between the bracket's ends, crosses
// zero; when that point fits and the line puts the crossing before the next value, the next
// value too (for linear memory: the answer in two plans). Once a step fails to halve the
// bracket (memory far from linear: a strategy that changes on the way), the search bisects, so
// it never takes more than a few plans beyond log2(limit).
template <typename At>
std::optional<std::uint64_t> largest(std::uint64_t limit, At at) {
  const Plan low = at(1);
  if (!low.fits) {
    return std::nullopt;
  }
  if (limit <= 1) {
    return 1;
  }
  const Plan high = at(limit);
  if (high.fits) {
    return limit;
  }
  std::uint64_t good = 1;
  std::uint64_t bad = limit;
  std::int64_t good_slack = slack(low);
  std::int64_t bad_slack = slack(high);
  bool bisect = false;  // from the first step that does not halve the bracket on
  while (bad - good > 1) {
    const std::uint64_t width = bad - good;
    double crossing = static_cast<double>(good + width / 2);
    if (!bisect) {
      const double share = static_cast<double>(good_slack) /
                           (static_cast<double>(good_slack) - static_cast<double>(bad_slack));
      crossing = static_cast<double>(good) + share * static_cast<double>(width);
    }
    const std::uint64_t x =
        std::clamp<std::uint64_t>(static_cast<std::uint64_t>(crossing), good + 1, bad - 1);
    const Plan plan = at(x);
    if (plan.fits) {
      good = x;
      good_slack = slack(plan);
      if (!bisect && crossing < static_cast<double>(x + 1) && x + 1 < bad) {
        const Plan next = at(x + 1);
        if (next.fits) {
          good = x + 1;
          good_slack = slack(next);
        } else {
          bad = x + 1;
          bad_slack = slack(next);
        }
      }
    } else {
      bad = x;
      bad_slack = slack(plan);
    }
    bisect = bisect || (bad - good) * 2 > width;
  }
  return good;
}

// The search runs on plans without their text (PlanDetail::figures); the answer and the step
// beyond it are planned in full.
template <typename At>
std::optional<SolveAnswer> solve_largest(std::uint64_t limit, At at) {
  const auto found =
      largest(limit, [&](std::uint64_t x) { return at(x, PlanDetail::figures); });
  if (!found) {
    return std::nullopt;
  }
  SolveAnswer answer;
  answer.value = *found;
  answer.plan = at(*found, PlanDetail::full);
  if (*found < limit) {
    answer.next_value = *found + 1;
    answer.next_plan = at(*found + 1, PlanDetail::full);
  }
  return answer;
}

}  // namespace

const DevicePlan* fullest_gpu(const Plan& plan) {
  const DevicePlan* fullest = nullptr;
  double worst = -1;
  for (const auto& device : plan.devices) {
    if (device.kind != DeviceKind::gpu) {
      continue;
    }
    const std::uint64_t room = device.capacity_bytes > device.margin_bytes
                                   ? device.capacity_bytes - device.margin_bytes
                                   : 0;
    const double share = device.capacity_bytes == 0
                             ? static_cast<double>(device.used_bytes)
                         : room == 0 ? 1e300
                                     : static_cast<double>(device.used_bytes) / static_cast<double>(room);
    if (fullest == nullptr || share > worst) {
      fullest = &device;
      worst = share;
    }
  }
  return fullest;
}

std::optional<SolveAnswer> solve_max_context(const Planner& planner, const Deployment& base) {
  const std::uint64_t trained = planner.model().max_context;
  const bool capped = trained != 0 && !base.allow_long_context && trained < k_max_context_tokens;
  const std::uint64_t limit = capped ? trained : k_max_context_tokens;
  auto answer = solve_largest(limit, [&](std::uint64_t context, PlanDetail detail) {
    Deployment d = base;
    d.workload.context = context;
    return planner.plan(d, detail);
  });
  if (answer && capped && answer->value == limit) {
    answer->capped_at_trained_context = true;
  }
  return answer;
}

std::optional<SolveAnswer> solve_max_batch(const Planner& planner, const Deployment& base) {
  return solve_largest(k_max_batch, [&](std::uint64_t batch, PlanDetail detail) {
    Deployment d = base;
    d.workload.batch = batch;
    return planner.plan(d, detail);
  });
}

namespace {

// `d` on `cards` of its first card type, on one node, at the given degrees.
void set_cards(Deployment& d, std::uint32_t cards, std::uint32_t tensor_parallel,
               std::uint32_t pipeline_parallel) {
  d.gpus.resize(1);
  d.gpus.front().count = cards;
  d.nodes = 1;
  d.tensor_parallel = tensor_parallel;
  d.pipeline_parallel = pipeline_parallel;
}

// `cards` of the deployment's card: the first layout the engine and mode accept that fits,
// else the first layout; nullopt when no layout is valid. The deployment names its degrees
// where the engine takes them, so it re-runs as it was planned. `d` is the caller's scratch
// copy (one per search, not one per call): it is left at the last layout tried.
std::optional<Plan> on_cards(const Planner& planner, Deployment& d, std::uint32_t cards,
                             PlanDetail detail) {
  set_cards(d, cards, 0, 0);
  std::optional<Plan> first;
  const bool degrees = cards > 1 && !layer_split_engine(d.options.engine.kind);
  for (const Planner::Layout& layout : planner.layouts(d, cards)) {
    set_cards(d, cards, degrees ? layout.tensor_parallel : 0,
              degrees ? layout.pipeline_parallel : 0);
    Plan plan = planner.plan(d, detail);
    if (plan.fits) {
      return plan;
    }
    if (!first) {
      first = std::move(plan);
    }
  }
  return first;
}

}  // namespace

std::optional<SolveAnswer> solve_min_gpus(const Planner& planner, const Deployment& base) {
  if (base.gpus.empty()) {
    return std::nullopt;
  }
  Deployment d = base;
  for (std::uint32_t cards = 1; cards <= k_max_planned_cards; ++cards) {
    std::optional<Plan> plan = on_cards(planner, d, cards, PlanDetail::figures);
    if (plan && plan->fits) {
      // The answer and the count below it, planned in full.
      SolveAnswer answer;
      answer.value = cards;
      answer.plan = *on_cards(planner, d, cards, PlanDetail::full);
      if (cards > 1) {
        answer.next_value = cards - 1;
        answer.next_plan = on_cards(planner, d, cards - 1, PlanDetail::full);
      }
      return answer;
    }
  }
  return std::nullopt;
}

std::vector<GpuOption> solve_which_gpus(const Planner& planner, const Deployment& base,
                                        const GpuDatabase& database, GpuOrder order) {
  std::vector<GpuOption> options;
  // The planner reads a card's figures, never its aliases, sources or notes: every card is
  // planned (and copied into each candidate) without them.
  const std::vector<GpuSpec>& cards = database.card_figures();
  options.reserve(cards.size());  // grown once: each page it fills is a page fault
  Deployment d = base;
  d.gpus.resize(1);
  for (const GpuSpec& gpu : cards) {
    d.gpus.front() = GpuGroup{gpu, 1};
    for (const std::uint32_t count : {1U, 2U, 4U, 8U}) {
      std::optional<Plan> plan;
      try {
        plan = on_cards(planner, d, count, PlanDetail::figures);
      } catch (const Error&) {
        continue;  // this engine or mode cannot split the model over `count` cards
      }
      if (plan && plan->fits) {
        std::optional<double> cost;
        if (gpu.price_per_hour) {
          cost = *gpu.price_per_hour * count;
        }
        GpuOption option;
        option.gpu = &gpu;
        option.count = count;
        option.strategy = plan->strategy;
        option.total_bytes = plan->total_bytes;
        option.headroom_bytes = plan->headroom_bytes;
        const DevicePlan* fullest = fullest_gpu(*plan);
        option.per_gpu_bytes = fullest != nullptr ? fullest->used_bytes : 0;
        if (plan->speed) {
          option.expected_decode_tokens_per_s = plan->speed->expected_decode_tokens_per_s;
        }
        option.cost_per_hour = cost;
        option.tensor_parallel = plan->deployment.tensor_parallel;
        option.pipeline_parallel = plan->deployment.pipeline_parallel;
        options.push_back(option);
        break;
      }
    }
  }
  if (order == GpuOrder::cost) {
    const GpuOption* priced = nullptr;
    for (const GpuOption& option : options) {
      if (!option.cost_per_hour) {
        continue;
      }
      if (priced != nullptr && priced->gpu->currency != option.gpu->currency) {
        throw Error(ErrorKind::usage,
                    "--sort cost: prices in " + priced->gpu->currency + " (" + priced->gpu->id +
                        ") and " + option.gpu->currency + " (" + option.gpu->id +
                        ") cannot be ranked together",
                    "give every price_per_hour in one currency");
      }
      priced = &option;
    }
  }
  std::sort(options.begin(), options.end(), [order](const GpuOption& a, const GpuOption& b) {
    if (order == GpuOrder::cost && a.cost_per_hour.has_value() != b.cost_per_hour.has_value()) {
      return a.cost_per_hour.has_value();
    }
    if (order == GpuOrder::cost && a.cost_per_hour && *a.cost_per_hour != *b.cost_per_hour) {
      return *a.cost_per_hour < *b.cost_per_hour;
    }
    if (a.count != b.count) {
      return a.count < b.count;
    }
    if (a.gpu->usable_bytes != b.gpu->usable_bytes) {
      return a.gpu->usable_bytes < b.gpu->usable_bytes;
    }
    return a.gpu->id < b.gpu->id;
  });
  return options;
}

Deployment deployment_of(const GpuOption& option, const Deployment& base) {
  Deployment d = base;
  d.gpus = {GpuGroup{*option.gpu, 1}};
  set_cards(d, option.count, option.tensor_parallel, option.pipeline_parallel);
  return d;
}

std::vector<PlotPoint> plot_points(const Planner& planner, const Deployment& base, bool by_batch) {
  // From a small value to 4x the largest that fits (or 64x the request's when nothing
  // crosses), 24 points evenly spaced on a log scale.
  const std::optional<SolveAnswer> limit =
      by_batch ? solve_max_batch(planner, base) : solve_max_context(planner, base);
  const std::uint64_t start = by_batch ? 1 : 256;
  const std::uint64_t current = by_batch ? base.workload.batch : base.workload.context;
  std::uint64_t cap = by_batch ? k_max_batch : k_max_context_tokens;
  const std::uint64_t trained = planner.model().max_context;
  if (!by_batch && trained != 0 && !base.allow_long_context &&
      pool_engine(base.options.engine.kind)) {
    cap = trained;  // these engines refuse longer contexts
  }
  std::uint64_t end = std::max(current * 4, (limit ? limit->value : current) * 4);
  end = std::clamp<std::uint64_t>(end, std::min(start * 8, cap), cap);
  constexpr int k_points = 24;
  std::vector<PlotPoint> points;
  const double ratio = std::pow(static_cast<double>(end) / static_cast<double>(start),
                                1.0 / (k_points - 1));
  std::uint64_t previous = 0;
  for (int i = 0; i < k_points; ++i) {
    auto x = static_cast<std::uint64_t>(std::llround(static_cast<double>(start) * std::pow(ratio, i)));
    if (!by_batch) {
      x = std::max<std::uint64_t>(256, x / 256 * 256);  // contexts in whole 256-token steps
    }
    x = std::min(x, cap);
    if (x == previous) {
      continue;
    }
    previous = x;
    Deployment d = base;
    (by_batch ? d.workload.batch : d.workload.context) = x;
    const Plan plan = planner.plan(d);
    const DevicePlan* fullest = fullest_gpu(plan);
    points.push_back({x, fullest != nullptr ? fullest->used_bytes : 0, plan.fits});
  }
  return points;
}

}  // namespace vramcalc
