// End-to-end regressions of issue 8: answers that contradicted each other, each pinned with the
// command that showed it. Every answer is a plan of the one planner and re-runs as it says.
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

json run_json(std::vector<std::string> args, int expected_exit) {
  args.insert(args.end(), {"--format", "json"});
  const auto r = run_cli(args);
  INFO(r.err);
  REQUIRE(r.exit_code == expected_exit);
  return json::parse(r.out);
}

std::vector<std::string> argv_of(const json& answer) {
  return answer["argv"].get<std::vector<std::string>>();
}

std::uint64_t sum_of(const json& plan, const char* field) {
  std::uint64_t sum = 0;
  for (const auto& d : plan["devices"]) {
    sum += d[field].get<std::uint64_t>();
  }
  return sum;
}

}  // namespace

TEST_CASE("regression: vLLM pipeline stages each size their own pool and nothing false is recommended") {
  // Was: 70 GB of KV per card, "short by 114 GB" and "quantize to fp16" for an fp16 model.
  const json doc = run_json({"--params", "70B", "--gpu", "A100-80GB", "--gpus", "2",
                             "--parallel-mode", "pp", "--engine", "vllm"},
                            0);
  CHECK(doc["fits"] == true);
  CHECK(doc["recommendations"].empty());
  CHECK(doc["plan"]["strategy"] == "pipeline_parallel");
  // Two stages of 40 layers: each holds half the weights and a pool of its own.
  const json& devices = doc["plan"]["devices"];
  CHECK(devices[0]["weights_bytes"].get<std::uint64_t>() < 71'000'000'000ULL);
  CHECK(devices[0]["kv_cache_bytes"].get<std::uint64_t>() < 10'000'000'000ULL);
  // The top level and the plan agree: the same pool, the whole deployment in memory.
  CHECK(doc["kv_pool"] == doc["plan"]["kv_pool"]);
  CHECK(doc["memory"]["total_bytes"] == doc["plan"]["total_bytes"]);
  CHECK(doc["memory"]["kv_cache_bytes"] == sum_of(doc["plan"], "kv_cache_bytes"));
  // The tensor-parallel alternative is planned as vLLM would run it: it fits too.
  REQUIRE(doc["plan"]["alternatives"].size() == 1);
  CHECK(doc["plan"]["alternatives"][0]["strategy"] == "tensor_parallel");
  CHECK(doc["plan"]["alternatives"][0]["fits"] == true);
}

TEST_CASE("regression: the top-level KV pool is the plan's on several cards") {
  // Was: Qwen2.5-32B nf4 on 2 x RTX 5090 with 22,864 pool tokens and "max concurrency 0.46x"
  // at the top level, 124,576 in the plan, verdict FITS.
  const json doc = run_json({"--model", "qwen2.5-32b", "--dtype", "nf4", "--gpu", "5090", "--gpus",
                             "2", "--engine", "vllm", "--context", "32k"},
                            0);
  CHECK(doc["kv_pool"]["tokens"] == doc["plan"]["kv_pool"]["tokens"]);
  CHECK(doc["kv_pool"]["max_concurrency"].get<double>() >= 1.0);
  CHECK(doc["kv_pool"]["tokens"].get<std::uint64_t>() >=
        doc["kv_pool"]["tokens_needed"].get<std::uint64_t>());
  CHECK(doc["fits"] == true);
}

TEST_CASE("regression: --min-gpus answers a count --gpus accepts and says how") {
  // Was: 7 cards, while the same output recommended 8 and --gpus 7 exited 2 (7 does not
  // divide 64 heads).
  const json doc = run_json({"--params", "70B", "--gpu", "4090", "--min-gpus"}, 0);
  const json& answer = doc["solve"]["min_gpus"];
  const auto n = answer["value"].get<std::uint32_t>();
  CHECK(n == 7);
  CHECK(answer["plan"]["strategy"] == "pipeline_parallel");
  const auto args = argv_of(answer);
  CHECK(std::find(args.begin(), args.end(), "--pp") != args.end());
  // The recommendation of more cards is the same count.
  bool more = false;
  for (const auto& rec : doc["recommendations"]) {
    if (rec["kind"] == "more_gpus") {
      more = true;
      CHECK(rec["plan"]["cards"] == n);
    }
  }
  CHECK(more);
  // --gpus 7 is accepted (pipeline stages) and fits; 6 cards do not.
  CHECK(run_cli(args).exit_code == 0);
  CHECK(run_cli({"--params", "70B", "--gpu", "4090", "--gpus", "7"}).exit_code == 0);
  CHECK(run_cli({"--params", "70B", "--gpu", "4090", "--gpus", "6"}).exit_code == 1);
}

TEST_CASE("regression: fits is false exactly when headroom is negative") {
  // Was: fits false with headroom_bytes +16190406656 (headroom summed over the cards while
  // the pool could not hold 16 sequences of 8k).
  const json doc = run_json({"--model", "llama-3.1-70b", "--gpu", "A100-80GB", "--gpus", "2",
                             "--context", "8k", "--batch", "16", "--engine", "vllm"},
                            1);
  CHECK(doc["fits"] == false);
  CHECK(doc["headroom_bytes"].get<std::int64_t>() < 0);
  CHECK(doc["plan"]["kv_pool"]["tokens"].get<std::uint64_t>() <
        doc["plan"]["kv_pool"]["tokens_needed"].get<std::uint64_t>());
}

TEST_CASE("regression: llama.cpp on several cards is a layer split with a compute buffer each") {
  // Was: modelled as tensor parallel (and its speed) but printed -sm layer.
  const json doc = run_json({"--model", "llama-3-8b", "--dtype", "q4_k_m", "--gpu", "3090",
                             "--gpus", "4", "--engine", "llama.cpp"},
                            0);
  const json& plan = doc["plan"];
  CHECK(plan["strategy"] == "layer_split");
  CHECK(plan["tensor_parallel"] == 1);
  CHECK(plan["pipeline_parallel"] == 4);
  int layers = 0;
  for (const auto& d : plan["devices"]) {
    if (d["kind"] == "gpu") {
      CHECK(d["activations_bytes"].get<std::uint64_t>() > 0);
      layers += d["layers"].get<int>();
    }
  }
  CHECK(layers == 32);
  CHECK(doc["engine_flags"].get<std::string>().find("-sm layer --tensor-split 8,8,8,8") !=
        std::string::npos);
  // Tensor parallelism is not what llama.cpp does: asking for it is refused.
  CHECK(run_cli({"--model", "llama-3-8b", "--gpu", "3090", "--gpus", "4", "--engine", "llama.cpp",
                 "--parallel-mode", "tp"})
            .exit_code == 2);
}

TEST_CASE("regression: the largest context stops at the trained length under vLLM") {
  // Was: 454,240 tokens for Llama-3.1-8B (trained 131,072), which vLLM refuses.
  const json doc = run_json({"--model", "llama-3.1-8b", "--gpu", "A100-80GB", "--engine", "vllm",
                             "--max-context"},
                            0);
  const json& answer = doc["solve"]["max_context"];
  CHECK(answer["value"] == 131072);
  CHECK(answer["capped_at_trained_context"] == true);
  CHECK(answer["next"].is_null());
  // Beyond it, vLLM refuses to start: so does vramcalc, with the override as the hint.
  const auto beyond = run_cli({"--model", "llama-3.1-8b", "--gpu", "A100-80GB", "--engine", "vllm",
                               "--context", "131073"});
  CHECK(beyond.exit_code == 2);
  CHECK(beyond.err.find("--allow-long-context") != std::string::npos);
  const json allowed = run_json({"--model", "llama-3.1-8b", "--gpu", "A100-80GB", "--engine",
                                 "vllm", "--context", "131073", "--allow-long-context"},
                                0);
  CHECK(allowed["engine_flags"].get<std::string>().rfind("VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 ", 0) ==
        0);
  // Other engines only note it.
  const auto generic = run_cli({"--model", "llama-3.1-8b", "--gpu", "A100-80GB", "--context", "200k"});
  CHECK(generic.exit_code == 0);
  CHECK(generic.out.find("beyond the model's trained 131072 tokens") != std::string::npos);
}

TEST_CASE("regression: vLLM loads an fp32 config in 16 bits") {
  // Gemma-2-9B's config.json says torch_dtype float32; vLLM's dtype=auto runs it in bf16.
  const std::string config = test_data_dir() + "/configs/gemma-2-9b.json";
  const json vllm = run_json({"--config", config, "--engine", "vllm", "--gpu", "A100-80GB"}, 0);
  CHECK(vllm["precision"]["dtype"] == "bf16");
  CHECK(vllm["precision"]["bits_per_weight"] == 16.0);
  const json generic = run_json({"--config", config, "--gpu", "A100-80GB"}, 0);
  CHECK(generic["precision"]["dtype"] == "fp32");
}

TEST_CASE("regression: run lines name what the engine takes") {
  // Was: "vllm serve llama-3.1-70b" (the catalog id), a config.json path as the model, and
  // SGLang pipeline plans printing --tp 1.
  const json catalog = run_json({"--model", "llama-3.1-70b", "--gpu", "A100-80GB", "--gpus", "2",
                                 "--engine", "vllm"},
                                0);
  CHECK(catalog["engine_flags"].get<std::string>().rfind("vllm serve meta-llama/Llama-3.1-70B ",
                                                         0) == 0);
  const std::string dir = test_data_dir() + "/configs";
  const json config = run_json({"--config", dir + "/llama-3.1-8b.json", "--gpu", "A100-80GB",
                                "--engine", "vllm"},
                               0);
  CHECK(config["engine_flags"].get<std::string>().rfind("vllm serve " + dir + " ", 0) == 0);
  const json sglang = run_json({"--params", "70B", "--gpu", "A100-80GB", "--gpus", "2",
                                "--parallel-mode", "pp", "--engine", "sglang"},
                               0);
  const std::string flags = sglang["engine_flags"];
  CHECK(flags.find("--tp-size 1 --pp-size 2") != std::string::npos);
}

TEST_CASE("regression: mixed cards are all named") {
  const auto text = run_cli({"--params", "13B", "--gpu", "4090", "--gpu", "3090"});
  CHECK(text.out.find("GeForce RTX 4090") != std::string::npos);
  CHECK(text.out.find("1 x GeForce RTX 3090") != std::string::npos);
  const json doc = run_json({"--params", "13B", "--gpu", "4090", "--gpu", "3090"}, 0);
  REQUIRE(doc["hardware"]["gpus"].size() == 2);
  CHECK(doc["hardware"]["gpus"][1]["id"] == "rtx-3090");
  // A pool engine does not model mixed cards: refused, not misplanned.
  CHECK(run_cli({"--params", "13B", "--gpu", "4090", "--gpu", "3090", "--engine", "vllm"})
            .exit_code == 2);
}

TEST_CASE("regression: an unknown speed is null and never 0") {
  const json custom = run_json({"--params", "7B", "--vram", "24GB"}, 0);
  CHECK(custom["speed"].is_null());
  CHECK(custom["plan"]["speed"].is_null());
  CHECK(custom["plan"]["slowdown"].is_null());
  const auto text = run_cli({"--params", "7B", "--vram", "24GB"});
  CHECK(text.out.find("speed: unknown") != std::string::npos);
  CHECK(text.out.find("0.0 tokens/s") == std::string::npos);
  // The H200 NVL had bandwidth 0 in the database: now its figure.
  const json nvl = run_json({"--params", "7B", "--gpu", "h200-nvl"}, 0);
  CHECK(nvl["speed"]["decode_tokens_per_s"].get<double>() > 0);
}

TEST_CASE("regression: memory is the whole deployment for every engine") {
  // Was: per card for vLLM and the whole model for the others.
  for (const char* engine : {"generic", "vllm", "llama.cpp", "sglang", "transformers"}) {
    INFO(engine);
    const json doc = run_json({"--params", "70B", "--dtype", "fp16", "--gpu", "A100-80GB", "--gpus",
                               "2", "--engine", engine},
                              0);
    const json& m = doc["memory"];
    CHECK(m["total_bytes"] == doc["plan"]["total_bytes"]);
    CHECK(m["weights_bytes"] == sum_of(doc["plan"], "weights_bytes"));
    CHECK(m["weights_bytes"].get<std::uint64_t>() >= 140'000'000'000ULL);
    CHECK(doc["precision"]["bits_per_weight"] == 16.0);
  }
}

TEST_CASE("regression: recommendations combine precision and cards") {
  // Was: only "8 x 4090 at fp16", though int4 on two cards fits.
  const json doc = run_json({"--params", "70B", "--gpu", "4090"}, 1);
  bool combined = false;
  for (const auto& rec : doc["recommendations"]) {
    CHECK(rec["plan"]["fits"] == true);
    CHECK(run_cli(argv_of(rec)).exit_code == 0);  // each re-runs and fits
    if (rec["kind"] == "quantize_more_gpus") {
      combined = true;
      CHECK(rec["plan"]["dtype"] == "int4");
      CHECK(rec["plan"]["cards"] == 2);
    }
  }
  CHECK(combined);
}

TEST_CASE("a margin is kept free on every card for verdicts and solvers") {
  const std::vector<std::string> base = {"--model", "llama-3.1-8b", "--gpu", "L4", "--engine",
                                         "llama.cpp", "--margin", "10%"};
  auto args = base;
  args.push_back("--max-context");
  const json doc = run_json(args, 0);
  CHECK(doc["hardware"]["margin"]["percent"] == 10.0);
  const json& device = doc["solve"]["max_context"]["plan"]["devices"][0];
  CHECK(device["margin_bytes"] == 23034ULL * 1024 * 1024 / 10);
  CHECK(device["used_bytes"].get<std::uint64_t>() + device["margin_bytes"].get<std::uint64_t>() <=
        device["capacity_bytes"].get<std::uint64_t>());
  const auto c = doc["solve"]["max_context"]["value"].get<std::uint64_t>();
  // Without the margin the card holds more.
  const json plain = run_json({"--model", "llama-3.1-8b", "--gpu", "L4", "--engine", "llama.cpp",
                               "--max-context"},
                              0);
  CHECK(plain["solve"]["max_context"]["value"].get<std::uint64_t>() > c);
  // The answer re-runs with its margin: c fits, c + 1 does not.
  CHECK(run_cli(argv_of(doc["solve"]["max_context"])).exit_code == 0);
  auto above = base;
  above.insert(above.end(), {"--context", std::to_string(c + 1)});
  CHECK(run_cli(above).exit_code == 1);
  // Bad margins, and margins where the engine takes a fraction instead.
  CHECK(run_cli({"--params", "7B", "--gpu", "L4", "--margin", "100%"}).exit_code == 2);
  CHECK(run_cli({"--params", "7B", "--gpu", "L4", "--margin", "lots"}).exit_code == 2);
  const auto vllm = run_cli({"--params", "7B", "--gpu", "L4", "--engine", "vllm", "--margin", "1GiB"});
  CHECK(vllm.exit_code == 2);
  CHECK(vllm.err.find("--gpu-memory-utilization") != std::string::npos);
}
