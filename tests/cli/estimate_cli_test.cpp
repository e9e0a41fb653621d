// End-to-end: the vramcalc binary, as users and scripts run it.
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using vramcalc::test::run_cli;

namespace {
// One line on stderr, starting "vramcalc: error:", a hint line, nothing on stdout.
void check_usage_error(const std::vector<std::string>& args, const std::string& needle) {
  const auto r = run_cli(args);
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("vramcalc: error: ", 0) == 0);
  CHECK(r.err.find(needle) != std::string::npos);
  CHECK(r.err.find("hint:") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
}
}  // namespace

TEST_CASE("cli: 7B fp16 fits an L4 and JSON weights are 14e9 bytes") {
  const auto r = run_cli({"--params", "7B", "--dtype", "fp16", "--gpu", "L4", "--format", "json"});
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  CHECK(doc["schema_version"] == 2);
  CHECK(doc["memory"]["weights_bytes"] == 14'000'000'000ULL);
  CHECK(doc["fits"] == true);
  CHECK(doc["headroom_bytes"].get<std::int64_t>() > 0);
  CHECK(doc["model"]["params"] == 7'000'000'000ULL);
  CHECK(doc["model"]["assumed_shape"]["reference_model"] == "Llama-3.1-8B");
  CHECK(doc["hardware"]["gpus"][0]["id"] == "nvidia-l4");
  CHECK(doc["hardware"]["gpus"][0]["usable_bytes"] == 23034ULL * 1024 * 1024);
  CHECK(doc["hardware"]["gpus"][0]["count"] == 1);
  CHECK(doc["recommendations"].empty());
  const auto& m = doc["memory"];
  CHECK(m["total_bytes"] == m["weights_bytes"].get<std::uint64_t>() +
                                m["kv_cache_bytes"].get<std::uint64_t>() +
                                m["activations_bytes"].get<std::uint64_t>() +
                                m["overhead_bytes"].get<std::uint64_t>() +
                                m["other_bytes"].get<std::uint64_t>());
  // One card: the deployment is that card (and no host buffers under the generic profile).
  CHECK(m["total_bytes"] == doc["plan"]["devices"][0]["used_bytes"]);
  CHECK(doc["headroom_bytes"] == doc["plan"]["devices"][0]["headroom_bytes"]);
}

TEST_CASE("cli: JSON keeps a stable key order") {
  const auto r = run_cli({"--params", "7B", "--gpu", "L4", "--format", "json"});
  const auto pos = [&](const char* key) { return r.out.find(std::string("\"") + key + "\""); };
  CHECK(pos("schema_version") < pos("model"));
  CHECK(pos("model") < pos("memory"));
  CHECK(pos("memory") < pos("hardware"));
  CHECK(pos("hardware") < pos("fits"));
  CHECK(pos("fits") < pos("recommendations"));
  CHECK(run_cli({"--params", "7B", "--gpu", "L4", "--format", "json"}).out == r.out);
}

TEST_CASE("cli: 7B fp32 on an L4 does not fit and with all three recommendations") {
  const auto r = run_cli({"--params", "7B", "--dtype", "fp32", "--gpu", "L4", "--format", "json"});
  CHECK(r.exit_code == 1);
  const json doc = json::parse(r.out);
  CHECK(doc["fits"] == false);
  CHECK(doc["headroom_bytes"].get<std::int64_t>() < 0);
  const auto& recs = doc["recommendations"];
  REQUIRE(recs.size() == 3);
  CHECK(recs[0]["kind"] == "quantize");
  CHECK((recs[0]["plan"]["dtype"] == "fp16" || recs[0]["plan"]["dtype"] == "bf16"));
  CHECK(recs[1]["kind"] == "offload");
  CHECK(recs[1]["plan"]["gpu_layers"].get<int>() > 0);
  CHECK(recs[1]["plan"]["cpu_layers"].get<int>() > 0);
  CHECK(recs[1]["plan"]["host_bytes"].get<std::uint64_t>() > 0);
  CHECK(recs[2]["kind"] == "more_gpus");
  CHECK(recs[2]["plan"]["cards"] == 2);
  for (const auto& device : recs[2]["plan"]["devices"]) {
    if (device["kind"] == "gpu") {
      CHECK(device["used_bytes"].get<std::uint64_t>() <= 23034ULL * 1024 * 1024);
    }
  }
  for (const auto& rec : recs) {
    CHECK(rec["plan"]["fits"] == true);
    CHECK(rec["argv"] == rec["plan"]["argv"]);
  }
  const auto text = run_cli({"--params", "7B", "--dtype", "fp32", "--gpu", "L4"});
  CHECK(text.exit_code == 1);
  CHECK(text.out.find("DOES NOT FIT") != std::string::npos);
  CHECK(text.out.find("quantize to fp16") != std::string::npos);
  CHECK(text.out.find("offload to CPU") != std::string::npos);
}

TEST_CASE("cli: 70B fp16 needs two A100-80GB") {
  const auto one = run_cli({"--params", "70B", "--dtype", "fp16", "--gpu", "A100-80GB", "--format",
                            "json"});
  CHECK(one.exit_code == 1);
  const json doc = json::parse(one.out);
  bool found = false;
  for (const auto& rec : doc["recommendations"]) {
    if (rec["kind"] == "more_gpus") {
      found = true;
      CHECK(rec["plan"]["cards"] == 2);
    }
  }
  CHECK(found);
  const auto two = run_cli({"--params", "70B", "--dtype", "fp16", "--gpu", "A100-80GB", "--gpus",
                            "2", "--format", "json"});
  CHECK(two.exit_code == 0);
  CHECK(json::parse(two.out)["fits"] == true);
  CHECK(json::parse(two.out)["hardware"]["gpus"][0]["count"] == 2);
}

TEST_CASE("cli: without hardware there is no verdict") {
  const auto r = run_cli({"--params", "7B", "--format", "json"});
  CHECK(r.exit_code == 0);
  const json doc = json::parse(r.out);
  CHECK(doc["fits"].is_null());
  CHECK(doc["headroom_bytes"].is_null());
  CHECK(doc["hardware"]["gpus"].empty());
}

TEST_CASE("cli: every bad input is one error line with a hint and exit 2 and empty stdout") {
  check_usage_error({"--params", "7X"}, "unknown unit 'X'");
  check_usage_error({"--params", "-1B"}, "positive");
  check_usage_error({"--params", "0"}, "greater than zero");
  check_usage_error({"--params", "7B", "--dtype", "fp13"}, "did you mean 'fp16'?");
  check_usage_error({"--params", "7B", "--gpu", "L5"}, "did you mean 'l4'?");
  check_usage_error({"--params", "7B", "--context", "0"}, "--context");
  check_usage_error({"--params", "7B", "--batch", "abc"}, "--batch 'abc'");
  check_usage_error({"--params", "B"}, "no number");
  check_usage_error({"--params", ""}, "empty");
  check_usage_error({"--params", "2e15"}, "10^15");
  check_usage_error({"--params", "inf"}, "--params");
  check_usage_error({"--params", "7B", "--kv-dtype", "q9_0"}, "--kv-dtype");
  check_usage_error({"--params", "7B", "--gpu", "A100"}, "ambiguous");
  check_usage_error({"--params", "7B", "--gpu", "L4", "--gpus", "3", "--parallel-mode", "tp"},
                    "divides the heads");
  check_usage_error({"--params", "7B", "--gpu", "L4", "--gpus", "0"}, "--gpus");
  check_usage_error({"--params", "7B", "--gpus", "2"}, "no card is named");
  check_usage_error({"--params", "7B", "--vram", "24"}, "needs a unit");
  check_usage_error({"--params", "7B", "--vram", "24GB", "--gpu", "L4"}, "--vram");
  check_usage_error({"--params", "7B", "--overhead", "lots"}, "--overhead");
  check_usage_error({"--params", "7B", "--ram", "-4GB"}, "--ram");
  check_usage_error({"--params", "7B", "--format", "yaml"}, "--format");
  check_usage_error({"--params", "7B", "--color", "sometimes"}, "--color");
  check_usage_error({"--params", "7B", "--kv-heads", "5"}, "kv-heads");
  check_usage_error({"--params", "7B", "--layers", "x"}, "--layers");
  check_usage_error({"--params", "7B", "--hidden", "4100"}, "not divisible");
  check_usage_error({"--prams", "7B"}, "did you mean '--params'?");
  check_usage_error({}, "no model given");
  check_usage_error({"--params"}, "--params");
  check_usage_error({"--params", "7B", "stray"}, "stray");
  check_usage_error({"--params", "7B", "--gpu", "L4", "--gpu-db", "/nonexistent/x.json"},
                    "cannot read");
}

TEST_CASE("cli: --vram stands for any card and sizes are decimal or binary as written") {
  const auto gb = run_cli({"--params", "7B", "--vram", "16GB", "--format", "json"});
  CHECK(json::parse(gb.out)["hardware"]["gpus"][0]["usable_bytes"] == 16'000'000'000ULL);
  CHECK(gb.exit_code == 1);  // 16.46 GB needed
  const auto gib = run_cli({"--params", "7B", "--vram", "16GiB", "--format", "json"});
  CHECK(json::parse(gib.out)["hardware"]["gpus"][0]["usable_bytes"] == 17'179'869'184ULL);
  CHECK(gib.exit_code == 0);
}

TEST_CASE("cli: shape overrides change the KV cache and not the weights") {
  const auto base = json::parse(run_cli({"--params", "7B", "--format", "json"}).out);
  const auto mha = json::parse(run_cli({"--params", "7B", "--kv-heads", "32", "--format", "json"}).out);
  CHECK(mha["memory"]["weights_bytes"] == base["memory"]["weights_bytes"]);
  CHECK(mha["memory"]["kv_cache_bytes"].get<std::uint64_t>() ==
        4 * base["memory"]["kv_cache_bytes"].get<std::uint64_t>());
  CHECK(mha["model"]["assumed_shape"]["overridden"][0] == "kv_heads");
}

TEST_CASE("cli: context and batch scale the KV cache and 8k means 8192") {
  const auto r = json::parse(
      run_cli({"--params", "7B", "--context", "8k", "--batch", "2", "--format", "json"}).out);
  CHECK(r["workload"]["context"] == 8192);
  CHECK(r["workload"]["batch"] == 2);
  CHECK(r["memory"]["kv_cache_bytes"] == 2ULL * 32 * 8 * 128 * 8192 * 2 * 2);
}

TEST_CASE("cli: --ladder lists four precisions with fits") {
  const auto r = run_cli({"--params", "7B", "--gpu", "L4", "--ladder", "--format", "json"});
  const json doc = json::parse(r.out);
  REQUIRE(doc["ladder"].size() == 4);
  CHECK(doc["ladder"][0]["dtype"] == "fp32");
  CHECK(doc["ladder"][0]["weights_bytes"] == 28'000'000'000ULL);
  CHECK(doc["ladder"][0]["fits"] == false);
  CHECK(doc["ladder"][1]["fits"] == true);
  CHECK(doc["ladder"][2]["dtype"] == "int8");
  CHECK(doc["ladder"][3]["dtype"] == "int4");
  const auto text = run_cli({"--params", "7B", "--gpu", "L4", "--ladder"});
  CHECK(text.out.find("Precision ladder") != std::string::npos);
}

TEST_CASE("cli: text report shows inputs and GB and GiB and usage bar and verdict") {
  const auto r = run_cli({"--params", "7B", "--dtype", "fp16", "--gpu", "L4"});
  CHECK(r.exit_code == 0);
  for (const char* needle : {"7,000,000,000", "assumed from Llama-3.1-8B", "GB", "GiB", "weights",
                             "KV cache", "activations", "runtime overhead", "total", "Usage",
                             "FITS", "NVIDIA L4"}) {
    INFO(needle);
    CHECK(r.out.find(needle) != std::string::npos);
  }
  CHECK(r.err.empty());
}

TEST_CASE("cli: colour only when asked or on a terminal and NO_COLOR wins") {
  const std::vector<std::string> args = {"--params", "7B", "--gpu", "L4"};
  CHECK(run_cli(args).out.find('\x1b') == std::string::npos);  // not a terminal
  auto always = args;
  always.insert(always.end(), {"--color", "always"});
  CHECK(run_cli(always).out.find('\x1b') != std::string::npos);
  CHECK(run_cli(args, {{"FORCE_COLOR", "1"}}).out.find('\x1b') != std::string::npos);
  CHECK(run_cli(args, {{"FORCE_COLOR", "1"}, {"NO_COLOR", "1"}}).out.find('\x1b') ==
        std::string::npos);
  auto json_always = always;
  json_always.insert(json_always.end(), {"--format", "json"});
  CHECK(run_cli(json_always).out.find('\x1b') == std::string::npos);
}

TEST_CASE("cli: --help and --version exit 0 and list every flag group") {
  const auto help = run_cli({"--help"});
  CHECK(help.exit_code == 0);
  for (const char* flag : {"--params", "--dtype", "--kv-dtype", "--context", "--batch", "--gpu",
                           "--gpus", "--vram", "--ram", "--overhead", "--ladder", "--format",
                           "--color", "--gpu-db", "--layers", "--hidden", "--heads", "--kv-heads",
                           "--head-dim", "--vocab", "Model", "Precision", "Workload", "Hardware",
                           "Output", "Examples"}) {
    INFO(flag);
    CHECK(help.out.find(flag) != std::string::npos);
  }
  const auto version = run_cli({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("vramcalc ", 0) == 0);
}
