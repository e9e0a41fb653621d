// vramcalc_accuracy: predictions against every measured row kept in tests/data/ — per dataset,
// engine and component the median and worst error, and how many gated rows are within
// tolerance; measured throughput also over all its engines, as its gate counts it. `--rows`
// prints every row.
#include <cstdio>
#include <cstring>

#include "accuracy.hpp"
#include "training_accuracy.hpp"

namespace {

void print_summary(const vramcalc::test::AccuracySummary& s) {
  std::printf("%-32s %-12s %-11s %5zu %3zu/%-3zu %8.2f%% %8.2f%%  %s\n", s.dataset.c_str(),
              s.engine.c_str(), s.component.c_str(), s.rows, s.within, s.gated,
              100.0 * s.median_abs_error, 100.0 * s.worst_abs_error, s.worst_row.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vramcalc::test;
  const bool rows = argc > 1 && std::strcmp(argv[1], "--rows") == 0;
  const std::vector<AccuracyRecord> records = accuracy_records();
  if (rows) {
    std::printf("%-32s %-52s %-12s %-11s %16s %16s %8s %s\n", "dataset", "row", "engine",
                "component", "predicted", "measured", "error", "gate");
    for (const auto& r : records) {
      const int decimals = r.component == "decode" ? 2 : 0;  // tokens/s, else bytes or tokens
      std::printf("%-32s %-52s %-12s %-11s %16.*f %16.*f %+7.2f%% %s\n", r.dataset.c_str(),
                  r.row.c_str(), r.engine.c_str(), r.component.c_str(), decimals, r.predicted,
                  decimals, r.measured, 100.0 * r.relative_error(),
                  !r.gated ? "report" : r.within_tolerance() ? "ok" : "OUT");
    }
    std::printf("\n");
  }
  std::printf("%-32s %-12s %-11s %5s %7s %9s %9s  %s\n", "dataset", "engine", "component", "rows",
              "gated", "median", "worst", "worst row");
  for (const auto& s : summarize(records)) {
    print_summary(s);
  }
  // The throughput gate counts its rows whatever the engine (speed_test.cpp).
  std::vector<AccuracyRecord> decode;
  for (const auto& r : records) {
    if (r.dataset == "throughput") {
      decode.push_back(r);
      decode.back().engine = "(all)";
    }
  }
  for (const auto& s : summarize(decode)) {
    print_summary(s);
  }
  // Training memory: its own harness (training_accuracy.hpp).
  std::printf("\n%s", training_accuracy_report(training_records(), rows).c_str());
  return 0;
}
