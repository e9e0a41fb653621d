// Speed ceilings (src/speed.cpp): hand-worked ceilings, the all-reduce and offload arithmetic,
// and the gate against measured single-device decode (tests/data/validation/throughput.json).
#include <algorithm>
#include <cmath>

#include "accuracy.hpp"
#include "catch.hpp"
#include "vramcalc/speed.hpp"

using namespace vramcalc;

TEST_CASE("throughput gate: expected decode against measured rows") {
  const auto records = test::throughput_records();
  std::vector<double> errors;
  std::size_t within = 0;
  for (const auto& r : records) {
    errors.push_back(std::abs(r.relative_error()));
    within += r.within_tolerance() ? 1U : 0U;
  }
  std::sort(errors.begin(), errors.end());
  const std::size_t n = errors.size();
  const double median = n % 2 == 1 ? errors[n / 2] : (errors[n / 2 - 1] + errors[n / 2]) / 2;
  INFO("rows " << n << " median " << median << " within " << within << " worst " << errors.back());
  CHECK(median <= 0.15);
  CHECK(static_cast<double>(within) >= 0.70 * static_cast<double>(n));
}
