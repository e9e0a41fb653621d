// End-to-end: model sources (--model, --config) and `vramcalc models`.
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {
json run_json(std::vector<std::string> args) {
  args.insert(args.end(), {"--format", "json"});
  const auto r = run_cli(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}
std::string config(const char* name) {
  return test_data_dir() + "/configs/" + name;
}
}  // namespace

TEST_CASE("cli: --config gives each released checkpoint's exact parameter count and bf16 is x2") {
  // Released checkpoints' safetensors totals / bytes per parameter, per Hugging Face
  // repository: tests/data/configs/README.md.
  const std::pair<const char*, std::uint64_t> expected[] = {
      {"llama-3.1-8b.json", 8'030'261'248ULL},  {"mistral-7b-v0.1.json", 7'241'732'096ULL},
      {"qwen2.5-7b.json", 7'615'616'512ULL},    {"gemma-2-9b.json", 9'241'705'984ULL},
      {"mixtral-8x7b.json", 46'702'792'704ULL}, {"deepseek-v3.json", 671'026'419'200ULL},
      {"llama-2-7b.json", 6'738'415'616ULL},
  };
  for (const auto& [file, params] : expected) {
    INFO(file);
    const json doc = run_json({"--config", config(file), "--dtype", "bf16"});
    CHECK(doc["model"]["params"] == params);
    CHECK(doc["model"]["source"] == "config");
    CHECK(doc["memory"]["weights_bytes"] == params * 2);
  }
}

TEST_CASE("cli: KV cache per token at fp16 follows each attention kind") {
  // One token: Llama-3.1-8B 32 x 8 x 128 x 2 x 2 = 131,072; Llama-2-7B (MHA) 524,288;
  // DeepSeek-V3 (MLA latent 512 + 64) 61 x 576 x 2 = 70,272.
  CHECK(run_json({"--config", config("llama-3.1-8b.json"), "--context", "1"})["memory"]
                ["kv_cache_bytes"] == 131'072);
  CHECK(run_json({"--config", config("llama-2-7b.json"), "--context", "1"})["memory"]
                ["kv_cache_bytes"] == 524'288);
  CHECK(run_json({"--config", config("deepseek-v3.json"), "--context", "1"})["memory"]
                ["kv_cache_bytes"] == 70'272);
  // Gemma-2-9B at 32k: 21 global layers keep 32,768 tokens, 21 sliding layers 4,096;
  // 8 kv heads x 256 x 2 x 2 = 8,192 bytes per token per layer.
  CHECK(run_json({"--config", config("gemma-2-9b.json"), "--context", "32k"})["memory"]
                ["kv_cache_bytes"] == 21ULL * 8192 * (32768 + 4096));
}

TEST_CASE("cli: --config accepts the folder holding config.json") {
  const std::string dir = temp_dir();
  std::ifstream in(config("llama-3.1-8b.json"));
  std::stringstream text;
  text << in.rdbuf();
  write_file(dir + "/config.json", text.str());
  CHECK(run_json({"--config", dir})["model"]["params"] == 8'030'261'248ULL);
}

TEST_CASE("cli: --model finds catalog entries forgivingly and models lists them") {
  for (const char* name : {"llama-3.1-8b", "Llama-3.1-8B", "meta-llama/Llama-3.1-8B",
                           "llama3.1-8b", "Llama-3.1-8B-Instruct"}) {
    INFO(name);
    const json doc = run_json({"--model", name});
    CHECK(doc["model"]["params"] == 8'030'261'248ULL);
    CHECK(doc["model"]["source"] == "catalog");
  }
  const json listing = run_json({"models"});
  CHECK(listing["models"].size() >= 40);
  for (const auto& entry : listing["models"]) {
    CHECK_FALSE(entry["sources"].empty());
  }
  CHECK(run_cli({"models"}).out.find("llama-3.1-8b") != std::string::npos);
}

TEST_CASE("cli: MoE and quantized checkpoints from the catalog") {
  const json mixtral = run_json({"--model", "mixtral-8x7b"});
  CHECK(mixtral["model"]["params"] == 46'702'792'704ULL);
  CHECK(mixtral["model"]["active_params"] == 12'879'925'248ULL);
  // DeepSeek-V3 ships FP8 with 128x128 block scales: about one byte per weight.
  const json v3 = run_json({"--model", "deepseek-v3"});
  CHECK(v3["precision"]["dtype"] == "fp8-block");
  CHECK(v3["precision"]["bits_per_weight"].get<double>() < 8.2);
}

TEST_CASE("cli: bad model sources are exit 2 with a precise message") {
  const auto unknown = run_cli({"--model", "llama-3.1-9b"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.out.empty());
  CHECK(unknown.err.find("did you mean") != std::string::npos);
  const auto two = run_cli({"--model", "llama-3.1-8b", "--params", "7B"});
  CHECK(two.exit_code == 2);
  CHECK(two.err.find("more than one model") != std::string::npos);
  const auto overrides = run_cli({"--model", "llama-3.1-8b", "--layers", "4"});
  CHECK(overrides.exit_code == 2);
  CHECK(overrides.err.find("apply to --params") != std::string::npos);
  const auto missing = run_cli({"--config", "/nonexistent/config.json"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("/nonexistent/config.json") != std::string::npos);
  const std::string dir = temp_dir();
  write_file(dir + "/bad.json", R"({"model_type": "llama", "hidden_size": "big"})");
  const auto bad = run_cli({"--config", dir + "/bad.json"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("hidden_size") != std::string::npos);
}

TEST_CASE("cli: a context beyond the trained length is a warning and not an error") {
  const auto r = run_cli({"--model", "llama-2-7b", "--context", "8k", "--format", "json"});
  CHECK(r.exit_code == 0);
  const json doc = json::parse(r.out);
  bool warned = false;
  for (const auto& note : doc["notes"]) {
    warned = warned || note.get<std::string>().find("beyond the model's trained") != std::string::npos;
  }
  CHECK(warned);
}
