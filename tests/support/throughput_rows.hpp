#pragma once
// Measured decode throughput (tests/data/validation/throughput.json), each row turned into the
// deployment it ran (model, precision, engine, cards or CPU, split) and planned by the one
// planner: the speed model's input for the row is the plan's. Shared by the accuracy harness
// and the calibration tool (vramcalc_calibrate).

#include <string>
#include <vector>

#include "vramcalc/speed.hpp"

namespace vramcalc::test {

struct ThroughputRow {
  std::string id;
  std::string source;
  std::string engine;        ///< engine family as the row names it ("llama.cpp", "gpt-fast")
  std::string description;   ///< device, model and precision, for the report
  bool held_out = false;     ///< the SHA-1 of the source starts with 0-4
  bool gated = true;         ///< the model covers it; false: `reason` says why not
  std::string reason;
  SpeedInput input;          ///< the plan's speed input (engine family and launch as the row ran)
  double measured = 0;       ///< tokens/s
};

/// Every row of throughput.json, planned (cached: built once per process).
[[nodiscard]] const std::vector<ThroughputRow>& throughput_rows();

}  // namespace vramcalc::test
