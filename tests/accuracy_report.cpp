// vramcalc_accuracy: predictions against every measured row kept in tests/data/. Prints the
// gates (held-out rows only), the summary per dataset, engine and component (held-out and
// calibration rows apart), and the leave-one-source-out decode error.
//   vramcalc_accuracy             the report
//   vramcalc_accuracy --rows      every row as well
//   vramcalc_accuracy --write     rewrite the generated blocks of README.md and docs/accuracy.md
//   vramcalc_accuracy --row ID    how the speed model sees one throughput row
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "accuracy.hpp"
#include "training_accuracy.hpp"
#include "throughput_rows.hpp"

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_blocks() {
  using namespace vramcalc::test;
  const std::string source = VRAMCALC_SOURCE_DIR;
  std::string readme = read(source + "/README.md");
  readme = with_generated_block(readme, "accuracy", readme_accuracy_block());
  std::ofstream(source + "/README.md", std::ios::binary) << readme;
  std::string docs = read(source + "/docs/accuracy.md");
  docs = with_generated_block(docs, "accuracy-gates", docs_gates_block());
  docs = with_generated_block(docs, "accuracy-summary", docs_summary_block());
  docs = with_generated_block(docs, "accuracy-constants", docs_constants_block());
  std::ofstream(source + "/docs/accuracy.md", std::ios::binary) << docs;
  std::printf("rewrote the generated blocks of README.md and docs/accuracy.md\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vramcalc::test;
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "--write") {
    write_blocks();
    return 0;
  }
  if (mode == "--row" && argc > 2) {
    for (const ThroughputRow& row : throughput_rows()) {
      if (row.id == argv[2]) {
        const vramcalc::SpeedEstimate e = vramcalc::estimate_speed(row.input);
        std::printf("%s: %s\nmeasured %.2f tokens/s, expected %.2f\n", row.id.c_str(),
                    row.description.c_str(), row.measured, e.expected_decode_tokens_per_s);
        for (const std::string& line : e.assumptions) {
          std::printf("  %s\n", line.c_str());
        }
        return 0;
      }
    }
    std::fprintf(stderr, "no throughput row %s\n", argv[2]);
    return 1;
  }
  const std::vector<AccuracyRecord>& records = accuracy_records();
  if (mode == "--rows") {
    std::printf("%-32s %-52s %-12s %-11s %16s %16s %8s %s\n", "dataset", "row", "engine",
                "component", "predicted", "measured", "error", "split");
    for (const auto& r : records) {
      const int decimals = r.component == "decode" ? 2 : 0;  // tokens/s, else bytes or tokens
      std::printf("%-32s %-52s %-12s %-11s %16.*f %16.*f %+7.2f%% %s%s%s\n", r.dataset.c_str(),
                  r.row.c_str(), r.engine.c_str(), r.component.c_str(), decimals, r.predicted,
                  decimals, r.measured, 100.0 * r.relative_error(),
                  r.held_out ? "held-out" : "calibration", r.gated ? "" : " (not gated: ",
                  r.gated ? "" : (r.reason + ")").c_str());
    }
    std::printf("\n");
  }
  std::printf("Gates (held-out rows)\n%s\n", docs_gates_block().c_str());
  std::printf("Summary\n%s", docs_summary_block().c_str());
  // Training memory: its own harness (training_accuracy.hpp).
  std::printf("\n%s", training_accuracy_report(training_records(), mode == "--rows").c_str());
  return 0;
}
