#pragma once
// The accuracy harness: vramcalc's predictions against every measured row kept in
// tests/data/validation/ and tests/data/gpu_truth/. Used by the gating tests
// (tests/unit/accuracy_test.cpp) and by the report (vramcalc_accuracy).

#include <cstdint>
#include <string>
#include <vector>

namespace vramcalc::test {

/// One prediction against one measurement.
struct AccuracyRecord {
  std::string dataset;    ///< "llama.cpp CPU (pinned)", "published", "gpu-truth", "throughput"
  std::string row;        ///< the row's id
  std::string engine;     ///< engine profile used
  std::string component;  ///< "kv", "compute", "output", "weights", "pool_bytes", "pool_tokens",
                          ///< "peak", "total", "decode" (tokens/s)
  double predicted = 0;   ///< bytes or tokens
  double measured = 0;
  bool gated = false;     ///< held to the tolerance by the tests
  double tolerance = 0;   ///< allowed |predicted - measured| in the same unit
  std::string note;

  [[nodiscard]] double relative_error() const;  ///< (predicted - measured) / measured
  [[nodiscard]] bool within_tolerance() const;
};

/// Measured single-device decode throughput (validation/throughput.json) against the expected
/// decode of estimate_speed: component "decode", tokens/s, tolerance 30%. The gate is a share
/// (speed_test.cpp: median |error| <= 15%, >= 70% of rows within 30%), not every row.
[[nodiscard]] std::vector<AccuracyRecord> throughput_records();

/// Every record of every dataset (builds models from the catalog, configs and rebuilt GGUF
/// inventories; writes sparse files under a temporary folder).
[[nodiscard]] std::vector<AccuracyRecord> accuracy_records();

/// Summary of a group: count, median and worst |relative error|, how many within tolerance.
struct AccuracySummary {
  std::string dataset, engine, component;
  std::size_t rows = 0;
  std::size_t gated = 0;
  std::size_t within = 0;  ///< gated rows within tolerance
  double median_abs_error = 0;
  double worst_abs_error = 0;
  std::string worst_row;
};

[[nodiscard]] std::vector<AccuracySummary> summarize(const std::vector<AccuracyRecord>& records);

}  // namespace vramcalc::test
