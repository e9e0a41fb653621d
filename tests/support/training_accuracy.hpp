#pragma once
// The training accuracy harness: `vramcalc train` against the published peaks of training and
// fine-tuning runs kept in tests/data/validation/training.json. Each row is brought to the
// counter its source reports (torch allocated or peak active, reserved, or the driver's figure)
// before it is compared. Held out by issue 10's rule: a row whose source string has a SHA-1
// starting with 0-4; the fragmentation constant comes from calibration rows only, the gates and
// claimed figures from held-out rows.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vramcalc::test {

/// One published row and vramcalc's figure for it.
struct TrainingRecord {
  std::string row;
  std::string source;
  bool held_out = false;       ///< by the SHA-1 rule
  std::string kind;            ///< "measured" or "estimate"
  std::string outcome;         ///< "ran", "oom", ...
  std::string counter;         ///< allocated, active, reserved, torch (one of those three,
                               ///< unnamed), driver, model_states
  bool expressible = false;    ///< a query expresses the row and vramcalc answers it
  bool gated = false;          ///< held to the accuracy gate
  std::string reason;          ///< why not gated (empty when gated)
  double predicted = 0;        ///< bytes, at the row's counter
  double measured = 0;         ///< bytes (a range: its nearest end)
  std::optional<std::pair<double, double>> range;  ///< a published range
  /// Counter "torch" (the source names none of torch's counters): allocated to reserved.
  std::optional<std::pair<double, double>> prediction_range;
  double transient = 0;        ///< the plan's transient allocations (fragmentation's base)
  double allocated = 0;        ///< the plan's live-tensor figure (allocated counter)
  bool fits = false;           ///< the plan's verdict on the row's card
  std::uint64_t trainable_predicted = 0;
  std::uint64_t trainable_stated = 0;  ///< 0 when the source does not state it

  /// (predicted - measured) / measured; 0 inside a published range.
  [[nodiscard]] double relative_error() const;
};

/// Every row of tests/data/validation/training.json.
[[nodiscard]] std::vector<TrainingRecord> training_records();

/// The first hex digit of SHA-1(text) is 0-4.
[[nodiscard]] bool held_out_by_rule(const std::string& text);

/// Gate figures over the gated measured rows of one split.
struct TrainingGate {
  std::size_t rows = 0;
  double median_abs_error = 0;
  double share_within_25 = 0;  ///< share of rows within +-25%
  double worst_abs_error = 0;
  std::string worst_row;
};

[[nodiscard]] TrainingGate training_gate(const std::vector<TrainingRecord>& records,
                                         bool held_out);

/// The fragmentation share the calibration rows imply: the median, over calibration rows that
/// report torch's reserved memory, of (reserved - allocated predicted) / allocated predicted.
[[nodiscard]] double calibrated_fragmentation(const std::vector<TrainingRecord>& records);

/// The report vramcalc_accuracy prints: gates per split, OOM verdicts, peers, and (with
/// `rows`) every row.
[[nodiscard]] std::string training_accuracy_report(const std::vector<TrainingRecord>& records,
                                                   bool rows);

}  // namespace vramcalc::test
