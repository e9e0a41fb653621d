// Constants calibrated on our own GPU measurements (tests/data/gpu_truth/transformers_h200.json).
#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_cli.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/estimate.hpp"

using nlohmann::json;

namespace {
json gpu_truth() {
  std::ifstream in(vramcalc::test::test_data_dir() + "/gpu_truth/transformers_h200.json");
  return json::parse(in);
}
}  // namespace

TEST_CASE("the runtime overhead constant is the median measured driver overhead") {
  // Driver-used memory minus PyTorch's peak reserved = what the process holds outside the
  // caching allocator (CUDA context, library handles, driver reserve).
  const json truth = gpu_truth();
  std::vector<std::uint64_t> overheads;
  for (const auto& row : truth["rows"]) {
    if (row["error"].is_null()) {
      overheads.push_back(row["driver_used"].get<std::uint64_t>() -
                          row["peak_reserved"].get<std::uint64_t>());
    }
  }
  REQUIRE(overheads.size() == 60);
  std::sort(overheads.begin(), overheads.end());
  const std::uint64_t median = (overheads[29] + overheads[30]) / 2;
  // The constant is the median rounded to whole MiB.
  CHECK((median + vramcalc::k_mib / 2) / vramcalc::k_mib * vramcalc::k_mib ==
        vramcalc::k_runtime_overhead_bytes);
  CHECK(overheads.front() >= 1300 * vramcalc::k_mib);
  CHECK(overheads.back() <= 1340 * vramcalc::k_mib);
}
