#pragma once
// The derivation of vramcalc's data-derived constants, from calibration rows only
// (docs/accuracy.md, "Held out by construction"): the speed model's constants by a robust
// least-squares fit of log error over the calibration rows of throughput.json; the runtime
// overhead and the allocator slack as medians over the calibration rows of the H200
// transformers runs. vramcalc_calibrate writes vramcalc/calibrated.hpp from it; the accuracy
// report uses the same fit for its leave-one-source-out error.

#include <cstdint>
#include <string>
#include <vector>

#include "throughput_rows.hpp"
#include "vramcalc/speed.hpp"

namespace vramcalc::test {

/// One constant and where it came from.
struct DerivedConstant {
  std::string name;    ///< the calibrated.hpp name, e.g. "k_eta_native"
  std::string type;    ///< "double", "std::uint64_t", "unsigned"
  double value = 0;
  std::string unit;    ///< for the comment: "share", "s", "MiB", "%"
  std::string basis;   ///< one line: how it was derived, from how many rows and sources
};

/// The speed constants that minimise the robust log error over `rows` (those gated), starting
/// from `start`; constants no row depends on keep their start value.
[[nodiscard]] SpeedConstants fit_speed_constants(const std::vector<const ThroughputRow*>& rows,
                                                 const SpeedConstants& start = {});

/// Every derived constant, from the calibration rows, rounded as written.
[[nodiscard]] std::vector<DerivedConstant> derived_constants();

/// The text of include/vramcalc/calibrated.hpp for `constants`.
[[nodiscard]] std::string calibrated_header(const std::vector<DerivedConstant>& constants);

/// Predicted tokens/s of a row under `constants` (0 when the step cannot be estimated).
[[nodiscard]] double predicted_tokens_per_s(const ThroughputRow& row, const SpeedConstants& k);

/// Leave one source out: each throughput row predicted by constants fitted on the calibration
/// rows of every other source. Relative errors, in the order of throughput_rows().
[[nodiscard]] std::vector<double> leave_one_source_out_errors();

}  // namespace vramcalc::test
