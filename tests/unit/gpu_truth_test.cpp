// The runtime overhead derived from the calibration runs of our own GPU measurements
// (tests/data/gpu_truth/transformers_h200.json, vramcalc/calibrated.hpp) against the runs it
// was not derived from.
#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_cli.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/estimate.hpp"

using nlohmann::json;

TEST_CASE("the runtime overhead holds for the held-out H200 runs within 3 percent") {
  // Driver-used memory minus PyTorch's peak reserved = what the process holds outside the
  // caching allocator (CUDA context, library handles, driver reserve).
  std::ifstream in(vramcalc::test::test_data_dir() + "/gpu_truth/transformers_h200.json");
  const json truth = json::parse(in);
  std::size_t held_out = 0;
  const auto overhead = static_cast<double>(vramcalc::k_runtime_overhead_bytes);
  for (const auto& row : truth["rows"]) {
    if (!row["error"].is_null() || row["split"] != "held_out") {
      continue;
    }
    ++held_out;
    const double measured = row["driver_used"].get<double>() - row["peak_reserved"].get<double>();
    INFO(row["model"] << " prompt " << row["prompt"] << " batch " << row["batch"]);
    CHECK(std::abs(measured - overhead) <= 0.03 * overhead);
  }
  CHECK(held_out >= 10);
}
