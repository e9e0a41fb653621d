// The invariant suite's CI-sized sample (docs/invariants.md); the sweep of 10,000 and more
// runs as vramcalc_invariants.
#include "catch.hpp"
#include "invariants.hpp"

using namespace vramcalc::test;

TEST_CASE("invariants hold over 400 random queries") {
  QueryGenerator generator(20261205);
  InvariantStats stats;
  for (int i = 0; i < 400; ++i) {
    check_invariants(generator.next(), stats);
  }
  INFO(coverage_table(stats));
  for (const auto& violation : stats.violations) {
    UNSCOPED_INFO(violation);
  }
  CHECK(stats.violations.empty());
  // A suite that mostly generates refusals proves nothing.
  CHECK(stats.refused * 10 <= stats.queries);
  CHECK(stats.coverage.size() >= 20);
}
