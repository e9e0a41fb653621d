#pragma once
// The accuracy harness: vramcalc's predictions against every measured row kept in
// tests/data/validation/ and tests/data/gpu_truth/. Rows are split by a fixed rule
// (docs/accuracy.md): held out when the SHA-1 of the row's source (in a set with one source, of
// its model) starts with a hex digit 0-4, calibration otherwise. Constants come from the
// calibration rows only (calibration.hpp); the gates and every figure the README and
// docs/accuracy.md print are computed on held-out rows. Used by the gating tests
// (tests/unit/accuracy_test.cpp) and by the report (vramcalc_accuracy).

#include <cstdint>
#include <string>
#include <vector>

namespace vramcalc::test {

/// One prediction against one measurement.
struct AccuracyRecord {
  std::string dataset;    ///< "llama.cpp CPU (pinned de3ff815)", "published", "gpu-truth H200",
                          ///< "throughput"
  std::string row;        ///< the row's id
  std::string engine;     ///< engine profile used (throughput: the row's engine family)
  std::string component;  ///< "kv", "compute", "output", "weights", "pool_bytes", "pool_tokens",
                          ///< "peak", "total", "decode" (tokens/s)
  double predicted = 0;   ///< bytes, tokens or tokens/s
  double measured = 0;
  bool held_out = false;  ///< the split rule puts the row in the held-out half
  bool gated = true;      ///< the model claims to cover the row (held-out: counted by the gates)
  std::string reason;     ///< why not gated (never empty when gated is false)
  std::string note;       ///< detail for the report

  [[nodiscard]] double relative_error() const;  ///< (predicted - measured) / measured
};

/// Measured decode throughput (validation/throughput.json): the expected decode of each row's
/// plan under the calibrated constants, component "decode", tokens/s.
[[nodiscard]] std::vector<AccuracyRecord> throughput_records();

/// Every record of every dataset (builds models from the catalog, configs and rebuilt GGUF
/// inventories; writes sparse files under a temporary folder). Computed once per process.
[[nodiscard]] const std::vector<AccuracyRecord>& accuracy_records();

/// A claim the README makes, checked on the held-out gated rows it selects.
struct Gate {
  std::string name;         ///< what is claimed about, e.g. "decode tokens/s"
  std::string claim;        ///< the claim as printed, e.g. "≥ 80% within ±30%, median ≤ 15%"
  double tolerance = 0;     ///< a row is within when |error| <= tolerance (relative) ...
  double absolute = -1;     ///< ... or, when >= 0, |predicted - measured| <= absolute
  double min_share = 0;     ///< share of rows within (1: every row)
  double max_median = -1;   ///< bound on the median |relative error|; < 0: none
  bool (*selects)(const AccuracyRecord&) = nullptr;
};

/// The gates of docs/accuracy.md, in the order printed.
[[nodiscard]] const std::vector<Gate>& gates();

/// A gate evaluated on the held-out gated rows it selects.
struct GateResult {
  const Gate* gate = nullptr;
  std::size_t rows = 0;
  std::size_t within = 0;
  double median_abs_error = 0;
  double worst_abs_error = 0;
  std::string worst_row;
  bool claimed = false;  ///< at least 5 rows: the claim is made (fewer: reported only)
  bool holds = false;    ///< the claim holds on these rows
};

[[nodiscard]] std::vector<GateResult> evaluate_gates(const std::vector<AccuracyRecord>& records);

/// Summary of a group: count, median and worst |relative error|, per split.
struct AccuracySummary {
  std::string dataset, engine, component;
  std::size_t held_out = 0;          ///< held-out gated rows
  double held_out_median = 0;
  double held_out_worst = 0;
  std::string worst_row;
  std::size_t calibration = 0;       ///< calibration gated rows
  double calibration_median = 0;
  std::size_t ungated = 0;           ///< rows not gated (each with its reason)
};

[[nodiscard]] std::vector<AccuracySummary> summarize(const std::vector<AccuracyRecord>& records);

/// Leave one source out, over every gated throughput row: the share within ±30% and the median
/// |error| when each source's rows are predicted by constants fitted without that source.
struct LeaveOneSourceOut {
  std::size_t rows = 0;
  std::size_t sources = 0;
  std::size_t within = 0;
  double median_abs_error = 0;
};

[[nodiscard]] LeaveOneSourceOut leave_one_source_out();

/// The generated blocks of README.md ("accuracy") and docs/accuracy.md ("accuracy-gates",
/// "accuracy-summary", "accuracy-constants"), without their markers.
[[nodiscard]] std::string readme_accuracy_block();
[[nodiscard]] std::string docs_gates_block();
[[nodiscard]] std::string docs_summary_block();
[[nodiscard]] std::string docs_constants_block();

/// The text between `<!-- name:begin -->` and `<!-- name:end -->` of `document` (empty when
/// absent), and `document` with that text replaced.
[[nodiscard]] std::string generated_block(const std::string& document, const std::string& name);
[[nodiscard]] std::string with_generated_block(const std::string& document,
                                               const std::string& name, const std::string& text);

}  // namespace vramcalc::test
