// The verdict, recommendations and the precision ladder: every answer a plan of the one planner.
#include <algorithm>

#include "catch.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/params_model.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/report.hpp"

using namespace vramcalc;

namespace {

std::vector<GpuGroup> card(std::uint64_t usable, std::uint32_t count = 1) {
  return {GpuGroup{custom_gpu(usable), count}};
}

const Recommendation* find_kind(const Report& report, RecommendationKind kind) {
  const auto it = std::find_if(report.recommendations.begin(), report.recommendations.end(),
                               [kind](const Recommendation& r) { return r.kind == kind; });
  return it == report.recommendations.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("headroom is the card's capacity less the margin less what the plan uses") {
  // 1B fp16 on one 24 GB card: everything on the card, so used = weights + KV + activations +
  // overhead of the estimate, and headroom = capacity - used; a 10% margin takes
  // floor(capacity / 10) more.
  Request request;
  request.model = model_from_params(1'000'000'000ULL, {});
  request.deployment.gpus = card(24ULL * k_gb);
  const Report plain = build_report(request);
  const MemoryEstimate& e = plain.estimate();
  const std::uint64_t used = e.weights.bytes + e.kv_cache.bytes + e.activations.bytes + e.overhead.bytes;
  CHECK(e.weights.bytes == 2'000'000'000ULL);
  REQUIRE(plain.plan.headroom_bytes);
  CHECK(*plain.plan.headroom_bytes == static_cast<std::int64_t>(24ULL * k_gb - used));
  CHECK(plain.plan.fits);
  request.deployment.margin.percent = 10;
  const Report margin = build_report(request);
  CHECK(*margin.plan.headroom_bytes ==
        static_cast<std::int64_t>(24ULL * k_gb - 2'400'000'000ULL - used));
  // A margin larger than the headroom turns the verdict, and fits follows the sign.
  request.deployment.margin = Margin{24ULL * k_gb - used + 1, 0};
  const Report tight = build_report(request);
  CHECK(*tight.plan.headroom_bytes == -1);
  CHECK_FALSE(tight.plan.fits);
}

TEST_CASE("7B fp32 on a 24 GB card: 16-bit and offload and two cards are recommended") {
  Request request;
  request.model = model_from_params(7'000'000'000ULL, {});
  request.format = *find_weight_format("fp32");
  request.deployment.gpus = card(23034ULL * k_mib);  // an L4
  const Report report = build_report(request);
  CHECK_FALSE(report.plan.fits);
  REQUIRE(report.recommendations.size() == 3);
  CHECK(report.recommendations[0].kind == RecommendationKind::quantize);
  CHECK(report.recommendations[0].plan.deployment.format.name == "fp16");
  const Plan& offload = report.recommendations[1].plan;
  CHECK(report.recommendations[1].kind == RecommendationKind::offload);
  CHECK(offload.gpu_layers + offload.cpu_layers == 32);
  CHECK(offload.devices[0].used_bytes <= 23034ULL * k_mib);
  // What stays plus what moves is the whole model, and the CPU computes its layers with a
  // compute buffer of its own (the size of the GPU's).
  const MemoryEstimate& e = report.estimate();
  CHECK(offload.total_bytes == e.total_bytes + e.activations.bytes);
  CHECK(report.recommendations[2].kind == RecommendationKind::more_gpus);
  CHECK(total_cards(report.recommendations[2].plan.deployment) == 2);
  // Every recommendation fits as planned, and re-planning its deployment gives the same plan.
  const Planner planner(report.request.model);
  for (const Recommendation& rec : report.recommendations) {
    CHECK(rec.plan.fits);
    const Plan again = planner.plan(rec.plan.deployment);
    CHECK(again.fits);
    CHECK(again.total_bytes == rec.plan.total_bytes);
    CHECK(again.strategy == rec.plan.strategy);
  }
}

TEST_CASE("more cards that do not divide the heads are pipeline stages and say so") {
  Request request;
  request.model = model_from_params(7'000'000'000ULL, {});  // 32 heads
  request.format = *find_weight_format("fp32");
  // 28 GB of weights: two 13 GB cards are short (14 GB each); three stages hold 9.3 GB of
  // weights, 1.4 GB of runtime and 0.3 GB of communication buffers each (3 does not
  // divide 32 heads, so tensor parallelism cannot take them).
  request.deployment.gpus = card(13ULL * k_gb);
  const Report report = build_report(request);
  const Recommendation* more = find_kind(report, RecommendationKind::more_gpus);
  REQUIRE(more != nullptr);
  CHECK(total_cards(more->plan.deployment) == 3);
  CHECK(more->plan.strategy == PlanStrategy::pipeline_parallel);
  CHECK(more->plan.deployment.tensor_parallel == 1);
  CHECK(more->plan.deployment.pipeline_parallel == 3);
  Deployment two = more->plan.deployment;
  two.gpus.front().count = 2;
  two.tensor_parallel = 0;
  two.pipeline_parallel = 0;
  CHECK_FALSE(Planner(report.request.model).plan(two).fits);
}

TEST_CASE("tensor parallel degrees must divide the heads and degrees the cards") {
  Request request;
  request.model = model_from_params(7'000'000'000ULL, {});
  request.deployment.gpus = card(24ULL * k_gb, 3);
  request.deployment.mode = ParallelMode::tensor;
  CHECK_THROWS_AS(build_report(request), Error);
  request.deployment.mode = ParallelMode::automatic;
  CHECK(build_report(request).plan.strategy == PlanStrategy::pipeline_parallel);
  request.deployment.tensor_parallel = 2;
  request.deployment.pipeline_parallel = 2;  // 4 cards asked, 3 named
  CHECK_THROWS_AS(build_report(request), Error);
}

TEST_CASE("the ladder lists fp32 and 16-bit and int8 and int4 as plans") {
  Request request;
  request.model = model_from_params(7'000'000'000ULL, {});
  request.ladder = true;
  request.deployment.gpus = card(23034ULL * k_mib);
  const Report report = build_report(request);
  REQUIRE(report.ladder.size() == 4);
  CHECK(report.ladder[0].dtype == "fp32");
  CHECK(report.ladder[0].plan.weights_bytes == 28'000'000'000ULL);
  CHECK_FALSE(report.ladder[0].plan.fits);
  CHECK(report.ladder[1].dtype == "fp16");
  CHECK(report.ladder[1].plan.fits);
  CHECK(report.ladder[3].plan.weights_bytes == 3'500'000'000ULL);
  const MemoryEstimate& int4 = report.ladder[3].plan.estimate;
  CHECK(report.ladder[3].plan.total_bytes ==
        3'500'000'000ULL + int4.kv_cache.bytes + int4.activations.bytes + int4.overhead.bytes);
  CHECK(report.best_dtype == std::optional<std::string>("fp16"));
}

TEST_CASE("nothing is recommended when it fits") {
  Request request;
  request.model = model_from_params(1'000'000'000ULL, {});
  request.deployment.gpus = card(80ULL * k_gb);
  CHECK(build_report(request).recommendations.empty());
}

TEST_CASE("vLLM tensor parallel short of pool tokens does not fit and its headroom is negative") {
  // Llama-3.1-70B on two A100-80GB at 8k x 16 sequences: the pool of each rank holds fewer
  // tokens than 16 sequences of 8192 need, so the plan does not fit, with negative headroom
  // (it was "fits: false" with +16 GB of headroom when headroom summed the cards).
  Request request;
  request.model = catalog_model("llama-3.1-70b");
  request.context_given = true;
  request.deployment.workload.context = 8192;
  request.deployment.workload.batch = 16;
  request.deployment.options.engine.kind = EngineKind::vllm;
  request.deployment.gpus = {GpuGroup{*GpuDatabase::built_in().resolve("a100-80gb").gpu, 2}};
  const Report report = build_report(request);
  REQUIRE(report.plan.kv_pool);
  CHECK(report.plan.pool_tokens_needed == 16ULL * 8192);
  CHECK(report.plan.kv_pool->tokens < report.plan.pool_tokens_needed);
  CHECK_FALSE(report.plan.fits);
  REQUIRE(report.plan.headroom_bytes);
  CHECK(*report.plan.headroom_bytes < 0);
}

TEST_CASE("a margin under a pool engine is refused with the engine's own knob as the hint") {
  Request request;
  request.model = model_from_params(7'000'000'000ULL, {});
  request.deployment.options.engine.kind = EngineKind::vllm;
  request.deployment.gpus = card(80ULL * k_gb);
  request.deployment.margin.percent = 10;
  try {
    (void)build_report(request);
    FAIL("a margin under vLLM was accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.hint()).find("--gpu-memory-utilization") != std::string::npos);
  }
}
