// End-to-end: the names people type (issue 13) — format names with any group size or bits,
// "did you mean", the engines' own flag spellings with the engines' meanings, the catalog's
// filters and the reverse question `vramcalc models --fits-on`.
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using vramcalc::test::run_cli;

namespace {

json run_json(std::vector<std::string> args) {
  args.insert(args.end(), {"--format", "json"});
  const auto r = run_cli(args);
  INFO(r.err);
  REQUIRE(r.exit_code <= 1);
  return json::parse(r.out);
}

// The figures a spelling must not change.
void check_same_plan(const std::vector<std::string>& engine_spelling,
                     const std::vector<std::string>& ours) {
  const json a = run_json(engine_spelling);
  const json b = run_json(ours);
  CHECK(a["memory"] == b["memory"]);
  CHECK(a["precision"] == b["precision"]);
  CHECK(a["workload"] == b["workload"]);
  CHECK(a["plan"]["tensor_parallel"] == b["plan"]["tensor_parallel"]);
  CHECK(a["plan"]["pipeline_parallel"] == b["plan"]["pipeline_parallel"]);
  CHECK(a["fits"] == b["fits"]);
}

}  // namespace

TEST_CASE("cli: format names with any group size and bits are accepted and sized") {
  const json g64 = run_json({"--model", "llama-3.1-8b", "--dtype", "gptq-int4-g64"});
  CHECK(g64["precision"]["dtype"] == "gptq-int4-g64");
  const json g128 = run_json({"--model", "llama-3.1-8b", "--dtype", "gptq-int4-g128-act-order"});
  CHECK(g128["precision"]["dtype"] == "gptq-int4-g128");
  // Smaller groups cost more scales.
  CHECK(g64["memory"]["weights_bytes"].get<std::uint64_t>() >
        g128["memory"]["weights_bytes"].get<std::uint64_t>());
  for (const char* name : {"q4_k_l", "q3_k_xl", "q6_k_l", "ud-q4_k_xl", "exl2-4.0", "exl3-3.5",
                           "autoround-int4", "hqq-int4", "torchao-int4", "torchao-int8",
                           "bnb-int8-t6.0", "awq-int4-g64"}) {
    INFO(name);
    const auto r = run_cli({"--model", "llama-3.1-8b", "--dtype", name});
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("cli: a near miss of a format name suggests an accepted one") {
  for (const auto& [typed, suggested] :
       {std::pair<const char*, const char*>{"q4km", "q4_k_m"}, {"q8", "q8_0"}}) {
    const auto r = run_cli({"--params", "7B", "--dtype", typed});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(std::string("did you mean '") + suggested + "'?") != std::string::npos);
    CHECK(run_cli({"--params", "7B", "--dtype", suggested}).exit_code == 0);
  }
}

TEST_CASE("cli: vLLM spellings mean what --kv-dtype --tp --pp mean") {
  const std::vector<std::string> base = {"--model", "llama-3.1-8b", "--engine", "vllm",
                                         "--gpu", "L4"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  check_same_plan(with({"--kv-cache-dtype", "fp8"}), with({"--kv-dtype", "fp8"}));
  check_same_plan(with({"--kv-cache-dtype", "auto"}), with({}));
  check_same_plan(with({"--gpus", "2", "--tensor-parallel-size", "2"}),
                  with({"--gpus", "2", "--tp", "2"}));
  check_same_plan(with({"--gpus", "2", "-tp", "2"}), with({"--gpus", "2", "--tp", "2"}));
  check_same_plan(with({"--gpus", "2", "--pipeline-parallel-size", "2"}),
                  with({"--gpus", "2", "--pp", "2"}));
  check_same_plan(with({"--max-model-len", "16k", "--kv-cache-dtype", "fp8"}),
                  with({"--context", "16k", "--kv-dtype", "fp8"}));
}

TEST_CASE("cli: llama.cpp spellings: K and V cache types apart and ctx-size shared by the sequences") {
  const std::vector<std::string> base = {"--model", "llama-3.1-8b", "--engine", "llama.cpp",
                                         "--dtype", "q4_k_m", "--gpu", "4090"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  check_same_plan(with({"--context", "8k", "--cache-type-k", "q8_0", "--cache-type-v", "f16"}),
                  with({"--context", "8k", "--kv-dtype", "q8_0,f16"}));
  check_same_plan(with({"--context", "8k", "-ctk", "q8_0", "-ctv", "q4_0"}),
                  with({"--context", "8k", "--kv-dtype", "q8_0,q4_0"}));
  // llama.cpp's -c is the context of all -np sequences together: 16384 / 4 = 4096 each.
  check_same_plan(with({"--ctx-size", "16384", "--parallel", "4"}),
                  with({"--context", "4096", "--batch", "4"}));
  check_same_plan(with({"-c", "16384", "-np", "4"}), with({"--context", "4096", "--batch", "4"}));
  const json shared = run_json(with({"-c", "16384", "-np", "4"}));
  CHECK(shared["workload"]["context"] == 4096);
  bool noted = false;
  for (const auto& note : shared["notes"]) {
    noted = noted || note.get<std::string>().find("4096 tokens each") != std::string::npos;
  }
  CHECK(noted);
  const auto both = run_cli(with({"--ctx-size", "8k", "--context", "4k"}));
  CHECK(both.exit_code == 2);
  CHECK(both.err.find("--ctx-size and --context") != std::string::npos);
}

TEST_CASE("cli: a bare --params 7 is seven parameters and says did you mean 7B") {
  const auto r = run_cli({"--params", "7"});
  INFO(r.err);
  CHECK(r.out.find("did you mean --params 7B?") != std::string::npos);
  CHECK(run_cli({"--params", "7B"}).out.find("did you mean") == std::string::npos);
}

TEST_CASE("cli: models lists at least 150 and filters by family and parameters and memory") {
  const json all = run_json({"models"});
  CHECK(all["models"].size() >= 150);
  const json qwen = run_json({"models", "--family", "qwen"});
  REQUIRE_FALSE(qwen["models"].empty());
  for (const auto& m : qwen["models"]) {
    // The Qwen architectures (qwen2, qwen3, ...) or a Qwen name (the R1 distills are qwen2).
    CHECK((m["id"].get<std::string>().rfind("qwen", 0) == 0 ||
           m["architecture"].get<std::string>().rfind("qwen", 0) == 0));
  }
  const json mid = run_json({"models", "--min-params", "7B", "--max-params", "8.1B"});
  REQUIRE_FALSE(mid["models"].empty());
  for (const auto& m : mid["models"]) {
    CHECK(m["params"].get<std::uint64_t>() >= 7'000'000'000ULL);
    CHECK(m["params"].get<std::uint64_t>() <= 8'100'000'000ULL);
  }
  const json small = run_json({"models", "--max-memory", "1GB"});
  REQUIRE_FALSE(small["models"].empty());
  for (const auto& m : small["models"]) {
    CHECK(m["weights_bytes"].get<std::uint64_t>() <= 1'000'000'000ULL);
  }
  // Encoders keep no KV cache.
  const json bge = run_json({"models", "--family", "bge"});
  REQUIRE_FALSE(bge["models"].empty());
  for (const auto& m : bge["models"]) {
    CHECK(m["attention"] == "none (no KV)");
  }
  const auto wrong = run_cli({"models", "--gpus", "2"});
  CHECK(wrong.exit_code == 2);
}

TEST_CASE("cli: models --fits-on answers with plans that re-run to a fit") {
  const json doc = run_json({"models", "--fits-on", "4090", "--context", "8k", "--engine", "vllm",
                             "--family", "llama"});
  CHECK(doc["fits_on"]["gpu"] == "rtx-4090");
  const auto& rows = doc["models"];
  REQUIRE_FALSE(rows.empty());
  bool saw_8b = false;
  for (const auto& row : rows) {
    INFO(row["id"]);
    CHECK(row["fits"] == true);
    std::vector<std::string> argv = row["argv"].get<std::vector<std::string>>();
    argv.insert(argv.end(), {"--format", "json"});
    const auto rerun = run_cli(argv);
    INFO(rerun.err);
    REQUIRE(rerun.exit_code == 0);
    const json again = json::parse(rerun.out);
    CHECK(again["fits"] == true);
    CHECK(again["precision"]["dtype"] == row["dtype"]);
    CHECK(again["memory"]["total_bytes"] == row["total_bytes"]);
    if (row["id"] == "llama-3.1-8b") {
      saw_8b = true;
      CHECK(row["dtype"] == "bf16");  // its own precision fits a 24 GB card at 8k under vLLM
    }
    CHECK(row["id"] != "llama-3.1-405b");
  }
  CHECK(saw_8b);
  // The 70B models fit only below 16 bits, if at all.
  for (const auto& row : rows) {
    if (row["id"] == "llama-3.1-70b") {
      CHECK(row["dtype"] != "bf16");
    }
  }
  const auto text = run_cli({"models", "--fits-on", "L4", "--family", "bge"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("bge-m3") != std::string::npos);
  CHECK(text.out.find("vramcalc --model bge-m3") != std::string::npos);
}
