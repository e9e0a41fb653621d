// Fit checks, the precision ladder and recommendations.
#include "catch.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/params_model.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/report.hpp"

using namespace vramcalc;

namespace {
Hardware card(std::uint64_t usable, std::uint32_t count = 1) {
  Hardware hw;
  hw.gpu = custom_gpu(usable);
  hw.count = count;
  return hw;
}
}  // namespace

TEST_CASE("per-card need splits the model evenly and repeats the overhead") {
  MemoryEstimate e;
  e.weights.bytes = 100;
  e.kv_cache.bytes = 20;
  e.activations.bytes = 11;
  e.overhead.bytes = 7;
  e.total_bytes = 138;
  CHECK(per_gpu_bytes(e, 1) == 138);
  CHECK(per_gpu_bytes(e, 2) == 66 + 7);  // ceil(131 / 2) + 7
}

TEST_CASE("check_fit reports headroom over all cards and negative when short") {
  MemoryEstimate e;
  e.weights.bytes = 100;
  e.overhead.bytes = 10;
  e.total_bytes = 110;
  const Workload w;
  const FitCheck fits = check_fit(e, w, card(200));
  CHECK(fits.fits);
  CHECK(fits.headroom_bytes == 90);
  const FitCheck short_by = check_fit(e, w, card(100));
  CHECK_FALSE(short_by.fits);
  CHECK(short_by.headroom_bytes == -10);
  const FitCheck two = check_fit(e, w, card(60, 2));  // 50 + 10 per card
  CHECK(two.fits);
  CHECK(two.headroom_bytes == 0);
}

TEST_CASE("7B fp32 on a 24 GB card: 16-bit and offload and two cards are recommended") {
  Request request;
  request.model = model_from_params(7'000'000'000ULL, {});
  request.format = *find_weight_format("fp32");
  request.hardware = card(23034ULL * k_mib);  // an L4
  const Report report = build_report(request);
  REQUIRE(report.fit);
  CHECK_FALSE(report.fit->fits);
  REQUIRE(report.recommendations.size() == 3);
  CHECK(report.recommendations[0].kind == RecommendationKind::quantize);
  CHECK(report.recommendations[0].dtype == "fp16");
  const Recommendation& offload = report.recommendations[1];
  CHECK(offload.kind == RecommendationKind::offload);
  CHECK(offload.gpu_layers + offload.cpu_layers == 32);
  CHECK(offload.gpu_bytes <= 23034ULL * k_mib);
  // What stays plus what moves is the whole model.
  CHECK(offload.gpu_bytes + offload.cpu_bytes == report.estimate.total_bytes);
  CHECK(report.recommendations[2].kind == RecommendationKind::multi_gpu);
  CHECK(report.recommendations[2].count == 2);
}

TEST_CASE("more cards are tried only in counts that divide the attention heads") {
  Request request;
  request.model = model_from_params(7'000'000'000ULL, {});  // 32 heads
  request.format = *find_weight_format("fp32");
  // Too small for 2 or 3 cards of 12 GB each; 4 divides 32.
  request.hardware = card(12ULL * k_gb);
  const Report report = build_report(request);
  const auto multi = std::find_if(report.recommendations.begin(), report.recommendations.end(),
                                  [](const Recommendation& r) {
                                    return r.kind == RecommendationKind::multi_gpu;
                                  });
  REQUIRE(multi != report.recommendations.end());
  CHECK(multi->count == 4);
  CHECK(multi->per_gpu_bytes <= 12ULL * k_gb);
}

TEST_CASE("a card count that does not divide the heads is refused") {
  Request request;
  request.model = model_from_params(7'000'000'000ULL, {});
  request.hardware = card(24ULL * k_gb, 3);
  CHECK_THROWS(build_report(request));
}

TEST_CASE("the ladder lists fp32 and 16-bit and int8 and int4 with totals") {
  Request request;
  request.model = model_from_params(7'000'000'000ULL, {});
  request.ladder = true;
  request.hardware = card(23034ULL * k_mib);
  const Report report = build_report(request);
  REQUIRE(report.ladder.size() == 4);
  CHECK(report.ladder[0].dtype == "fp32");
  CHECK(report.ladder[0].weights_bytes == 28'000'000'000ULL);
  CHECK(report.ladder[0].fits == false);
  CHECK(report.ladder[1].dtype == "fp16");
  CHECK(report.ladder[1].fits == true);
  CHECK(report.ladder[3].weights_bytes == 3'500'000'000ULL);
  CHECK(report.ladder[3].total_bytes == report.ladder[3].weights_bytes +
                                            report.estimate.kv_cache.bytes +
                                            report.estimate.activations.bytes +
                                            report.estimate.overhead.bytes);
}

TEST_CASE("nothing is recommended when it fits") {
  Request request;
  request.model = model_from_params(1'000'000'000ULL, {});
  request.hardware = card(80ULL * k_gb);
  CHECK(build_report(request).recommendations.empty());
}
