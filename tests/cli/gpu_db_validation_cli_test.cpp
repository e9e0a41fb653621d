// End-to-end: the GPU database validated field by field, cards too small to run anything,
// the merge at the sizes of issue 9 case 3, and the smaller items (conflicting solver flags,
// names that are not UTF-8, overflow messages).
#include <nlohmann/json.hpp>

#include "cap_inputs.hpp"
#include "catch.hpp"
#include "cli_checks.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

std::string db_file(const std::string& content) {
  const std::string dir = temp_dir();
  write_file(dir + "/db.json", content);
  return dir + "/db.json";
}

}  // namespace

TEST_CASE("gpu database: a card with almost no usable memory is an input error") {
  // Issue 9 case 4: usable_fraction 1e-300 gave "0 MiB usable ... FITS with 16.46 GB headroom".
  const std::string db =
      db_file(R"({"gpus": [{"id": "tiny", "memory_gb": 24, "usable_fraction": 1e-300}]})");
  check_input_error(run_cli({"--params", "7B", "--gpu", "tiny", "--gpu-db", db}),
                    "'usable_fraction' 1e-300 leaves 0 bytes usable, less than 64 MiB");
  // The same on a built-in card, and with usable_mib under 64.
  check_input_error(run_cli({"--params", "7B", "--gpu", "L4", "--gpu-db",
                             db_file(R"([{"id": "nvidia-l4", "usable_fraction": 1e-300}])")}),
                    "usable_fraction");
  check_input_error(run_cli({"gpus", "--gpu-db", db_file(R"([{"id": "x", "usable_mib": 63}])")}),
                    "'usable_mib' 63 leaves");
  // 64 MiB is enough to be a card.
  const auto r = run_cli({"--params", "7B", "--gpu", "x", "--gpu-db",
                          db_file(R"([{"id": "x", "usable_mib": 64}])")});
  CHECK(r.exit_code == 1);
}

TEST_CASE("gpu database: --vram below 64 MiB is an input error") {
  check_input_error(run_cli({"--params", "7B", "--vram", "1MB"}), "--vram is 1000000 bytes");
  check_input_error(run_cli({"--params", "7B", "--vram", "63MiB"}), "less than 64 MiB");
  CHECK(run_cli({"--params", "7B", "--vram", "64MiB"}).exit_code == 1);
}

TEST_CASE("gpu database: every field is validated and the message names it") {
  // Smaller item: usable_mib above memory_gb, and schema_version 99, were accepted.
  check_input_error(run_cli({"gpus", "--gpu-db",
                             db_file(R"([{"id": "x", "memory_gb": 24, "usable_mib": 30000}])")}),
                    "is more than the card's memory ('memory_gb': 24576 MiB)");
  check_input_error(run_cli({"gpus", "--gpu-db",
                             db_file(R"([{"id": "nvidia-l4", "usable_mib": 30000}])")}),
                    "'usable_mib' 30000");
  check_input_error(
      run_cli({"gpus", "--gpu-db", db_file(R"({"schema_version": 99, "gpus": []})")}),
      "'schema_version' 99 is not a version this vramcalc reads");
  check_input_error(
      run_cli({"gpus", "--gpu-db", db_file(R"({"schema_version": "1", "gpus": []})")}),
      "schema_version");
  check_input_error(run_cli({"gpus", "--gpu-db", db_file(R"({"gpu": [], "gpus": []})")}),
                    "unknown top-level key 'gpu'");
  check_input_error(
      run_cli({"gpus", "--gpu-db", db_file(R"([{"id": "x", "memory_gb": 8, "usable_mb": 100}])")}),
      "unknown key 'usable_mb' (did you mean 'usable_mib'?)");
  for (const char* field : {"bandwidth_gb_s", "fp16_tflops", "interconnect_gb_s"}) {
    INFO(field);
    check_input_error(run_cli({"gpus", "--gpu-db",
                               db_file(std::string(R"([{"id": "x", "memory_gb": 8, ")") + field +
                                       R"(": 0}])")}),
                      std::string("'") + field + "' must be positive");
  }
  check_input_error(
      run_cli({"gpus", "--gpu-db",
               db_file(R"([{"id": "x", "memory_gb": 8, "name": ")" + std::string(300, 'n') +
                       R"("}])")}),
      "'name' is 300 bytes, over the limit of 256");
  check_input_error(
      run_cli({"gpus", "--gpu-db", db_file(R"([{"id": "x", "memory_gb": 8, "ecc_reserve": 1}])")}),
      "'ecc_reserve' must be true or false");
}

TEST_CASE("gpu database: the merge at the issue's sizes") {
  // Issue 9 case 3: 16k / 32k / 64k / 100k entries took 1.2 / 4.3 / 11 / 23 s (quadratic
  // merge); 1,000,000 entries (31 MB) would have taken 40 minutes. Merged by hashed id now
  // (the time is measured in bench/caps_bench.cpp); over the caps, refused at once.
  const std::string db = db_file(gpu_db_with_entries(16'000));
  const auto r = run_cli({"--params", "7B", "--gpu", "card-15999", "--gpu-db", db});
  CHECK(r.exit_code == 0);
  for (const std::size_t count : {std::size_t{32'000}, std::size_t{64'000}, std::size_t{100'000}}) {
    INFO(count);
    check_input_error(run_cli({"gpus", "--gpu-db", db_file(gpu_db_with_entries(count))}),
                      std::to_string(count) + " entries, over the limit of 16384");
  }
  check_input_error(run_cli({"gpus", "--gpu-db", db_file(gpu_db_with_entries(1'000'000))}),
                    "is larger than 4 MiB");
}

TEST_CASE("solver flags: --max-context with --max-batch is a usage error") {
  // Smaller item: the two together silently answered each at the other's given value.
  check_input_error(run_cli({"--params", "7B", "--gpu", "L4", "--max-context", "--max-batch"}),
                    "--max-context and --max-batch cannot be asked together");
}

TEST_CASE("names: a GPU name that is not UTF-8 or has no letters says so") {
  // Smaller item: a non-UTF-8 --gpu said "is empty".
  check_input_error(run_cli({"--params", "7B", "--gpu", "\xff\xfe"}), "is not valid UTF-8");
  check_input_error(run_cli({"--params", "7B", "--gpu", "---"}), "has no letters or digits");
  check_input_error(run_cli({"--params", "7B", "--gpu", ""}), "GPU name is empty");
  // A name of 100 kB (near the longest argument Linux passes) is looked up at once.
  CliSetup quick;
  quick.timeout_s = 30;
  check_input_error(run_cli_with({"--params", "7B", "--gpu", std::string(100'000, 'x')}, quick),
                    "unknown GPU");
}

TEST_CASE("overflow: messages name what overflows in words") {
  // Smaller item: "act does not fit in 64 bits" named an internal variable.
  const auto r = run_cli({"--engine", "transformers", "--params", "70B", "--context",
                          "100000000", "--batch", "1000000"});
  check_input_error(r, "too large to compute: the prefill activation bytes would exceed 2^64");
  const auto band = run_cli({"--params", "7B", "--context", "100000000", "--batch", "1000000"});
  check_input_error(band, "would exceed 2^64");
  CHECK(band.err.find("band does not") == std::string::npos);
}
