// Planner::plan and Planner::alternatives on catalog models: device sums, tensor-parallel shares,
// expert offload and the bytes each device's decode step reads.
#include <numeric>

#include "catch.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/dtype.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/solve.hpp"
#include "vramcalc/speed.hpp"

using namespace vramcalc;

namespace {

const GpuDatabase& database() {
  static const GpuDatabase db = GpuDatabase::built_in();
  return db;
}

Deployment request_for(const char* format, const char* gpu, std::uint32_t count,
                       EngineKind engine) {
  Deployment request;
  request.format = *find_weight_format(format);
  request.workload.context = 4096;
  request.workload.batch = 1;
  request.options.engine.kind = engine;
  request.gpus.push_back(GpuGroup{*database().resolve(gpu).gpu, count});
  return request;
}

std::uint64_t sum_used(const Plan& plan) {
  return std::accumulate(plan.devices.begin(), plan.devices.end(), std::uint64_t{0},
                         [](std::uint64_t s, const DevicePlan& d) { return s + d.used_bytes; });
}

}  // namespace

TEST_CASE("a model that fits one card gets a single plan and no offload alternative") {
  const ModelSpec model = catalog_model("llama-3.1-8b");
  const Deployment request = request_for("q4_k_m", "rtx-4090", 1, EngineKind::llama_cpp);
  const Planner planner(model);
  const Plan plan = planner.plan(request);
  CHECK(plan.strategy == PlanStrategy::single);
  CHECK(plan.fits);
  CHECK(plan.total_bytes == sum_used(plan));
  // An offload plan of a model that fits would keep every layer on the card: the same plan.
  CHECK(planner.alternatives(plan).empty());
}

TEST_CASE("70B fp16 on two A100-80GB is tensor parallel and its device bytes add up to the total") {
  const ModelSpec model = catalog_model("llama-3.1-70b");
  const Deployment request = request_for("fp16", "a100-80gb", 2, EngineKind::generic);
  const Planner planner(model);
  const Plan plan = planner.plan(request);
  REQUIRE(plan.strategy == PlanStrategy::tensor_parallel);
  REQUIRE(plan.devices.size() >= 2);
  CHECK(plan.total_bytes == sum_used(plan));
  const DevicePlan& a = plan.devices[0];
  const DevicePlan& b = plan.devices[1];
  CHECK(a.weights_bytes == b.weights_bytes);
  // Each rank holds half the sharded weights plus every norm whole: together a little more
  // than the model, by exactly the replicated 1-D tensors once.
  const std::uint64_t all = weight_breakdown(model, request.format).total_bytes;
  CHECK(a.weights_bytes + b.weights_bytes >= all);
  CHECK(a.weights_bytes + b.weights_bytes - all <= a.replicated_bytes);
  // The pipeline plan is shown beside it.
  const std::vector<Plan> others = planner.alternatives(plan);
  REQUIRE(others.size() == 1);
  CHECK(others[0].strategy == PlanStrategy::pipeline_parallel);
}

TEST_CASE("expert offload: the CPU's experts are read at n_experts_used / n_experts") {
  const ModelSpec model = catalog_model("mixtral-8x7b");
  Deployment request = request_for("q4_k_m", "rtx-4090", 1, EngineKind::llama_cpp);
  request.ram_bytes = 64'000'000'000ULL;
  const Planner planner(model);
  Plan expert;
  const Plan chosen = planner.plan(request);
  for (const Plan& p : planner.alternatives(chosen)) {
    if (p.strategy == PlanStrategy::expert_offload) {
      expert = p;
    }
  }
  if (chosen.strategy == PlanStrategy::expert_offload) {
    expert = chosen;
  }
  REQUIRE(expert.strategy == PlanStrategy::expert_offload);
  REQUIRE(expert.n_cpu_moe > 0);
  CHECK(expert.total_bytes == sum_used(expert));
  // Decode reads: the step reads 2 of Mixtral's 8 experts in each layer, so the whole model's
  // reads equal decode_weight_reads; the plan's two devices share them.
  const WeightBreakdown reads = decode_weight_reads(model, request.format);
  const WeightBreakdown all = weight_breakdown(model, request.format);
  CHECK(static_cast<double>(reads.total_bytes) < 0.4 * static_cast<double>(all.total_bytes));
  // The CPU holds the experts of the first n_cpu_moe layers and reads a quarter of them at
  // system-RAM speed; the 4090 reads the rest of the step's bytes and the cache at 1008 GB/s.
  const DevicePlan& gpu = expert.devices[0];
  const DevicePlan& cpu = expert.devices[1];
  REQUIRE(cpu.kind == DeviceKind::cpu);
  const double cpu_read = 0.25 * static_cast<double>(cpu.weights_bytes);
  const double gpu_read = static_cast<double>(reads.total_bytes) - cpu_read;
  const double seconds = cpu_read / (default_cpu().bandwidth_gb_s * 1e9) +
                         (gpu_read + static_cast<double>(gpu.kv_cache_bytes)) / 1008e9;
  REQUIRE(expert.speed);
  CHECK(expert.speed->decode_tokens_per_s == Approx(1.0 / seconds).epsilon(0.02));
  // The expert plan is faster than layer offload of the same GPU share, and both slower than
  // all on the GPU.
  REQUIRE(expert.slowdown);
  CHECK(*expert.slowdown > 1.0);
  CHECK(expert.speed->expected_decode_tokens_per_s > 0);
  CHECK(expert.speed->expected_decode_tokens_per_s < expert.speed->decode_tokens_per_s);
  // Prefill has no compute figure for the CPU's share: not estimated.
  CHECK(expert.speed->prefill_tokens_per_s == 0);
}

TEST_CASE("plan speed: one card reads the whole dense model but one row of the embeddings") {
  // Llama-3.1-8B fp16 on an H100 SXM, context 1: a decode step reads every layer and the
  // untied output head, and one row of the 128256 x 4096 embeddings; the ceiling is those
  // bytes (and the cache's few) at 3350 GB/s.
  const ModelSpec model = catalog_model("llama-3.1-8b");
  Deployment request = request_for("fp16", "h100-sxm", 1, EngineKind::generic);
  request.workload.context = 1;
  const Plan plan = Planner(model).plan(request);
  const WeightBreakdown all = weight_breakdown(model, request.format);
  const std::uint64_t embeddings = 128256ULL * 4096 * 2;
  CHECK(all.embedding_bytes == embeddings);
  const std::uint64_t read = all.total_bytes - embeddings + 4096 * 2;
  const std::uint64_t kv = 32ULL * 2 * 8 * 128 * 2;  // 32 layers, K+V, 8 heads x 128, 16-bit
  const double ceiling = 3350e9 / static_cast<double>(read + kv);
  REQUIRE(plan.speed);
  CHECK(plan.speed->decode_tokens_per_s == Approx(ceiling).epsilon(0.001));
}

TEST_CASE("a --which-gpus row's deployment plans to the row's figures") {
  // Rows keep the card, the count and the degrees; deployment_of makes the deployment again,
  // which must plan to exactly what the row says (70B fp16 under vLLM: multi-card rows carry
  // tensor-parallel degrees).
  const ModelSpec model = catalog_model("llama-3.1-70b");
  const Deployment base = request_for("fp16", "a100-80gb", 1, EngineKind::vllm);
  const Planner planner(model);
  const std::vector<GpuOption> rows = solve_which_gpus(planner, base, database());
  REQUIRE(!rows.empty());
  bool several_cards = false;
  for (const GpuOption& row : rows) {
    INFO(row.gpu->id << " x " << row.count);
    const Deployment d = deployment_of(row, base);
    REQUIRE(d.gpus.size() == 1);
    CHECK(d.gpus.front().gpu.id == row.gpu->id);
    CHECK(d.gpus.front().count == row.count);
    const Plan plan = planner.plan(d, PlanDetail::figures);
    CHECK(plan.fits);
    CHECK(plan.strategy == row.strategy);
    CHECK(plan.total_bytes == row.total_bytes);
    CHECK(plan.headroom_bytes == row.headroom_bytes);
    several_cards = several_cards || row.count > 1;
  }
  CHECK(several_cards);  // 140 GB of weights: most cards need more than one
}
