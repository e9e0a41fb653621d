// The hot path of one invocation: load the GPU database, estimate, plan, ladder.
#include <benchmark/benchmark.h>

#include "vramcalc/gpu.hpp"
#include "vramcalc/params_model.hpp"
#include "vramcalc/report.hpp"

namespace {

using namespace vramcalc;

void BM_GpuDatabaseLoad(benchmark::State& state) {
  for (auto _ : state) {
    GpuDatabase db = GpuDatabase::built_in();
    benchmark::DoNotOptimize(db.gpus().data());
  }
}
BENCHMARK(BM_GpuDatabaseLoad);

void BM_GpuLookup(benchmark::State& state) {
  const GpuDatabase db = GpuDatabase::built_in();
  for (auto _ : state) {
    benchmark::DoNotOptimize(db.resolve("RTX 4090").gpu);
  }
}
BENCHMARK(BM_GpuLookup);

// One full estimate-and-plan that does not fit, so every recommendation is searched.
void BM_EstimateAndPlan(benchmark::State& state) {
  const GpuDatabase db = GpuDatabase::built_in();
  Request request;
  request.model = model_from_params(7'000'000'000ULL, {});
  request.format = *find_weight_format("fp32");
  request.deployment.gpus = {GpuGroup{*db.resolve("L4").gpu, 1}};
  for (auto _ : state) {
    Report report = build_report(request);
    benchmark::DoNotOptimize(report.plan.total_bytes);
  }
}
BENCHMARK(BM_EstimateAndPlan);

void BM_Ladder(benchmark::State& state) {
  const GpuDatabase db = GpuDatabase::built_in();
  Request request;
  request.model = model_from_params(70'000'000'000ULL, {});
  request.deployment.gpus = {GpuGroup{*db.resolve("a100-80gb").gpu, 1}};
  request.ladder = true;
  for (auto _ : state) {
    Report report = build_report(request);
    benchmark::DoNotOptimize(report.ladder.data());
  }
}
BENCHMARK(BM_Ladder);

}  // namespace
