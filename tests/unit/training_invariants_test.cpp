// The training section of the invariant suite: its CI-sized sample (docs/invariants.md); the
// sweep of thousands runs as vramcalc_invariants --train.
#include "catch.hpp"
#include "training_invariants.hpp"

using namespace vramcalc::test;

TEST_CASE("training invariants hold over 300 random train queries") {
  TrainingQueryGenerator generator(20261211);
  InvariantStats stats;
  for (int i = 0; i < 300; ++i) {
    check_training_invariants(generator.next(), stats);
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
