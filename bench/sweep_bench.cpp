// Sweeps that plan many deployments of one model: every GPU of the built-in database x 1, 2,
// 4, 8 cards x the precision ladder x a context grid, on one Planner (the per-model and
// per-format facts made once and shared by every plan), in full and without text
// (PlanDetail::figures, what the solvers search with); and the solvers themselves.
#include <benchmark/benchmark.h>

#include "vramcalc/error.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/params_model.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/solve.hpp"

namespace {

using namespace vramcalc;

constexpr const char* k_ladder[] = {"fp32", "fp16", "int8", "int4"};
constexpr std::uint64_t k_contexts[] = {2048, 8192, 32768, 131072};
constexpr std::uint32_t k_counts[] = {1, 2, 4, 8};

void sweep(benchmark::State& state, PlanDetail detail) {
  const GpuDatabase db = GpuDatabase::built_in();
  const ModelSpec model = model_from_params(8'000'000'000ULL, {});
  const Planner planner(model);
  std::size_t plans = 0;
  for (auto _ : state) {
    std::size_t fitting = 0;
    for (const GpuSpec& gpu : db.gpus()) {
      for (const std::uint32_t count : k_counts) {
        for (const char* format : k_ladder) {
          for (const std::uint64_t context : k_contexts) {
            Deployment d;
            d.format = *find_weight_format(format);
            d.workload.context = context;
            d.gpus = {GpuGroup{gpu, count}};
            try {
              fitting += planner.plan(d, detail).fits ? 1U : 0U;
            } catch (const Error&) {
              // a layout the card count cannot take
            }
            ++plans;
          }
        }
      }
    }
    benchmark::DoNotOptimize(fitting);
  }
  state.counters["plans"] = benchmark::Counter(static_cast<double>(plans),
                                               benchmark::Counter::kIsRate);
}

void BM_SweepEveryGpuCountLadderContext(benchmark::State& state) {
  sweep(state, PlanDetail::full);
}
BENCHMARK(BM_SweepEveryGpuCountLadderContext)->Unit(benchmark::kMillisecond);

void BM_SweepFiguresOnly(benchmark::State& state) { sweep(state, PlanDetail::figures); }
BENCHMARK(BM_SweepFiguresOnly)->Unit(benchmark::kMillisecond);

// A 7B model on one L4 at fp16: what the solvers search from.
struct OnL4 {
  GpuDatabase db = GpuDatabase::built_in();
  ModelSpec model = model_from_params(7'000'000'000ULL, {});
  Planner planner{model};
  Deployment deployment;

  OnL4() {
    deployment.format = *find_weight_format("fp16");
    deployment.gpus = {GpuGroup{*db.resolve("L4").gpu, 1}};
  }
};

void BM_SolveMaxContext(benchmark::State& state) {
  const OnL4 on;
  for (auto _ : state) {
    benchmark::DoNotOptimize(solve_max_context(on.planner, on.deployment));
  }
}
BENCHMARK(BM_SolveMaxContext)->Unit(benchmark::kMicrosecond);

void BM_SolveWhichGpus(benchmark::State& state) {
  const OnL4 on;
  for (auto _ : state) {
    benchmark::DoNotOptimize(solve_which_gpus(on.planner, on.deployment, on.db).size());
  }
}
BENCHMARK(BM_SolveWhichGpus)->Unit(benchmark::kMillisecond);

}  // namespace
