// Solvers: binary searches over a plan's fit. Memory never falls as context, batch or the
// card's share grows, so the searches are exact.
#include "vramcalc/solve.hpp"

#include <algorithm>
#include <cmath>

#include "vramcalc/workload.hpp"

namespace vramcalc {

namespace {

struct Probe {
  bool fits = false;
  std::uint64_t per_gpu_bytes = 0;
  std::uint64_t capacity_bytes = 0;
};

Probe probe(PlanRequest request) {
  request.allow_offload = false;
  request.force_offload = false;
  const Plan plan = make_plan(request);
  Probe p;
  p.fits = plan.fits;
  for (const auto& device : plan.devices) {
    if (device.kind == DeviceKind::gpu && device.used_bytes >= p.per_gpu_bytes) {
      p.per_gpu_bytes = device.used_bytes;
      p.capacity_bytes = device.capacity_bytes;
    }
  }
  return p;
}

// The largest x in [1, limit] with fits(x); nullopt when fits(1) is false.
template <typename Fits>
std::optional<std::uint64_t> largest(std::uint64_t limit, Fits fits) {
  if (!fits(1)) {
    return std::nullopt;
  }
  std::uint64_t good = 1;
  std::uint64_t bad = 0;
  // Exponential search for a bound, then bisection.
  for (std::uint64_t x = 2;; x *= 2) {
    if (x >= limit) {
      if (fits(limit)) {
        return limit;
      }
      bad = limit;
      break;
    }
    if (!fits(x)) {
      bad = x;
      break;
    }
    good = x;
  }
  while (bad - good > 1) {
    const std::uint64_t mid = good + (bad - good) / 2;
    (fits(mid) ? good : bad) = mid;
  }
  return good;
}

SolveAnswer answer(std::uint64_t value, const Probe& at, std::uint64_t next,
                   const Probe& above) {
  SolveAnswer a;
  a.value = value;
  a.per_gpu_bytes = at.per_gpu_bytes;
  a.capacity_bytes = at.capacity_bytes;
  a.next_value = next;
  a.next_per_gpu_bytes = next == 0 ? 0 : above.per_gpu_bytes;
  return a;
}

}  // namespace

std::optional<SolveAnswer> solve_max_context(const PlanRequest& request) {
  const auto with = [&](std::uint64_t context) {
    PlanRequest r = request;
    r.workload.context = context;
    return probe(r);
  };
  const auto found =
      largest(k_max_context_tokens, [&](std::uint64_t c) { return with(c).fits; });
  if (!found) {
    return std::nullopt;
  }
  const std::uint64_t next = *found < k_max_context_tokens ? *found + 1 : 0;
  return answer(*found, with(*found), next, next == 0 ? Probe{} : with(next));
}

std::optional<SolveAnswer> solve_max_batch(const PlanRequest& request) {
  const auto with = [&](std::uint64_t batch) {
    PlanRequest r = request;
    r.workload.batch = batch;
    return probe(r);
  };
  const auto found = largest(k_max_batch, [&](std::uint64_t b) { return with(b).fits; });
  if (!found) {
    return std::nullopt;
  }
  const std::uint64_t next = *found < k_max_batch ? *found + 1 : 0;
  return answer(*found, with(*found), next, next == 0 ? Probe{} : with(next));
}

std::optional<SolveAnswer> solve_min_gpus(const PlanRequest& request) {
  const std::uint32_t heads = attention_heads(*request.model);
  for (std::uint32_t count = 1; count <= 64; ++count) {
    PlanRequest r = request;
    r.gpus.resize(1);
    r.gpus.front().count = count;
    r.nodes = 1;
    r.mode = heads != 0 && heads % count != 0 ? ParallelMode::pipeline : ParallelMode::automatic;
    const Probe p = probe(r);
    if (p.fits) {
      SolveAnswer a;
      a.value = count;
      a.per_gpu_bytes = p.per_gpu_bytes;
      a.capacity_bytes = p.capacity_bytes;
      if (count > 1) {
        PlanRequest fewer = r;
        fewer.gpus.front().count = count - 1;
        fewer.mode = heads != 0 && heads % (count - 1) != 0 ? ParallelMode::pipeline
                                                            : ParallelMode::automatic;
        a.next_value = count - 1;
        a.next_per_gpu_bytes = probe(fewer).per_gpu_bytes;
      }
      return a;
    }
  }
  return std::nullopt;
}

std::vector<GpuOption> solve_which_gpus(const PlanRequest& request, const GpuDatabase& database) {
  std::vector<GpuOption> options;
  const std::uint32_t heads = attention_heads(*request.model);
  for (const GpuSpec& gpu : database.gpus()) {
    for (const std::uint32_t count : {1U, 2U, 4U, 8U}) {
      PlanRequest r = request;
      r.gpus = {GpuGroup{gpu, count}};
      r.nodes = 1;
      r.allow_offload = false;
      r.force_offload = false;
      r.mode = heads != 0 && heads % count != 0 ? ParallelMode::pipeline : ParallelMode::automatic;
      const Plan plan = make_plan(r);
      if (!plan.fits) {
        continue;
      }
      GpuOption option;
      option.id = gpu.id;
      option.name = gpu.name;
      option.count = count;
      option.usable_bytes = gpu.usable_bytes;
      for (const auto& device : plan.devices) {
        if (device.kind == DeviceKind::gpu) {
          option.per_gpu_bytes = std::max(option.per_gpu_bytes, device.used_bytes);
        }
      }
      option.strategy = strategy_name(plan.strategy);
      option.expected_decode_tokens_per_s = plan.speed.expected_decode_tokens_per_s;
      options.push_back(option);
      break;
    }
  }
  std::sort(options.begin(), options.end(), [](const GpuOption& a, const GpuOption& b) {
    if (a.count != b.count) {
      return a.count < b.count;
    }
    if (a.usable_bytes != b.usable_bytes) {
      return a.usable_bytes < b.usable_bytes;
    }
    return a.id < b.id;
  });
  return options;
}

std::vector<PlotPoint> plot_points(const PlanRequest& request, bool by_batch) {
  // From a small value to 4x the largest that fits (or 64x the request's when nothing
  // crosses), 24 points evenly spaced on a log scale.
  const std::optional<SolveAnswer> limit =
      by_batch ? solve_max_batch(request) : solve_max_context(request);
  const std::uint64_t start = by_batch ? 1 : 256;
  const std::uint64_t current = by_batch ? request.workload.batch : request.workload.context;
  const std::uint64_t cap = by_batch ? k_max_batch : k_max_context_tokens;
  std::uint64_t end = std::max(current * 4, (limit ? limit->value : current) * 4);
  end = std::clamp<std::uint64_t>(end, start * 8, cap);
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
    if (x == previous) {
      continue;
    }
    previous = x;
    PlanRequest r = request;
    (by_batch ? r.workload.batch : r.workload.context) = x;
    const Probe p = probe(r);
    points.push_back({x, p.per_gpu_bytes, p.fits});
  }
  return points;
}

}  // namespace vramcalc
