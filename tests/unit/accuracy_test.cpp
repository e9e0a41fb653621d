// The accuracy gates (docs/accuracy.md): vramcalc's predictions against the measured rows kept
// in tests/data/validation/ and tests/data/gpu_truth/, with the tolerances the engines' own
// rounding and the targets allow. `vramcalc_accuracy` prints the same comparison.
#include <algorithm>

#include "accuracy.hpp"
#include "catch.hpp"

using namespace vramcalc::test;

namespace {
const std::vector<AccuracyRecord>& records() {
  static const std::vector<AccuracyRecord> all = accuracy_records();
  return all;
}
}  // namespace

TEST_CASE("every gated prediction is within its tolerance") {
  std::size_t gated = 0;
  for (const auto& r : records()) {
    // Measured throughput is gated as a share of rows (speed_test.cpp), not row by row.
    if (!r.gated || r.dataset == "throughput") {
      continue;
    }
    ++gated;
    INFO(r.dataset << " | " << r.row << " | " << r.engine << " " << r.component << ": predicted "
                   << r.predicted << ", measured " << r.measured << ", tolerance " << r.tolerance);
    CHECK(r.within_tolerance());
  }
  CHECK(gated > 700);
}

TEST_CASE("llama.cpp KV caches and model buffers match the pinned version to the byte") {
  std::size_t kv = 0;
  std::size_t weights = 0;
  for (const auto& r : records()) {
    if (r.dataset.rfind("llama.cpp CPU", 0) != 0) {
      continue;
    }
    if (r.component == "kv") {
      ++kv;
      CHECK(r.predicted == r.measured);
    }
    if (r.component == "weights" && r.gated) {
      ++weights;
      CHECK(r.predicted == r.measured);
    }
  }
  CHECK(kv == 171);
  CHECK(weights >= 150);
}

TEST_CASE("llama.cpp compute buffers: median error at most 5 percent and worst at most 20") {
  for (const auto& s : summarize(records())) {
    if (s.dataset.rfind("llama.cpp CPU", 0) == 0 && s.component == "compute") {
      INFO("worst " << s.worst_row);
      CHECK(s.median_abs_error <= 0.05);
      CHECK(s.worst_abs_error <= 0.20);
    }
  }
}

TEST_CASE("transformers peaks measured on the H200 are within 10 percent") {
  std::size_t rows = 0;
  for (const auto& s : summarize(records())) {
    if (s.dataset == "gpu-truth H200") {
      rows += s.rows;
      CHECK(s.worst_abs_error <= 0.10);
    }
  }
  CHECK(rows == 120);
}
