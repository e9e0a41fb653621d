// The invariant suite's CI-sized sample (docs/invariants.md); the sweep of 10,000 and more
// runs as vramcalc_invariants.
#include "catch.hpp"
#include "invariants.hpp"

using namespace vramcalc::test;

namespace {
// 400 queries take a few seconds in an optimised build; a sanitizer build (ten times slower)
// checks a smaller sample of the same stream.
#ifdef VRAMCALC_SANITIZED_BUILD
constexpr int k_queries = 60;
#else
constexpr int k_queries = 400;
#endif
}  // namespace

TEST_CASE("invariants hold over a sample of random queries") {
  QueryGenerator generator(20261205);
  InvariantStats stats;
  for (int i = 0; i < k_queries; ++i) {
    check_invariants(generator.next(), stats);
  }
  INFO(coverage_table(stats));
  for (const auto& violation : stats.violations) {
    UNSCOPED_INFO(violation);
  }
  CHECK(stats.violations.empty());
  // A suite that mostly generates refusals proves nothing.
  CHECK(stats.refused * 10 <= stats.queries);
  CHECK(stats.coverage.size() >= (k_queries >= 400 ? 20U : 5U));
}
