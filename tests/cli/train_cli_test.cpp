// End-to-end: the train subcommand — full, LoRA and QLoRA answers with their components,
// verdict and recommendations; JSON; answers that re-run from their arguments; refusals.
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

json train_json(std::vector<std::string> args, int expected_exit) {
  args.insert(args.begin(), "train");
  args.insert(args.end(), {"--format", "json"});
  const auto r = run_cli(args);
  INFO(r.err);
  REQUIRE(r.exit_code == expected_exit);
  return json::parse(r.out);
}

std::uint64_t component_sum(const json& components) {
  std::uint64_t sum = 0;
  for (const auto& [key, value] : components.items()) {
    if (key != "total_bytes") {
      sum += value.get<std::uint64_t>();
    }
  }
  return sum;
}

// An error: exit 2, nothing on stdout, one error line and a hint line.
std::string refusal(const std::vector<std::string>& args) {
  const auto r = run_cli(args);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("vramcalc: error: ", 0) == 0);
  CHECK(r.err.find("\n  hint: ") != std::string::npos);
  return r.err;
}

}  // namespace

TEST_CASE("train QLoRA of Llama 3.1 8B on a 4090 fits with per-component figures") {
  const json doc = train_json({"--model", "llama-3.1-8b", "--method", "qlora", "--gpu", "4090"}, 0);
  CHECK(doc["command"] == "train");
  CHECK(doc["fits"] == true);
  CHECK(doc["headroom_bytes"].get<std::int64_t>() >= 0);
  const json& train = doc["train"];
  CHECK(train["method"] == "qlora");
  CHECK(train["dtype"] == "nf4");
  CHECK(train["trainable_params"] == 41'943'040);
  for (const char* key : {"base_weights_bytes", "trainable_params_bytes", "gradients_bytes",
                          "optimizer_states_bytes", "master_weights_bytes", "activations_bytes",
                          "logits_bytes", "buffers_bytes", "fragmentation_bytes",
                          "cuda_context_bytes", "total_bytes"}) {
    CHECK(train["components"].contains(key));
  }
  CHECK(component_sum(train["components"]) == train["per_gpu_bytes"].get<std::uint64_t>());
  CHECK(train["components"]["total_bytes"] == train["per_gpu_bytes"]);
  CHECK(train["host_bytes"] == 0);
  CHECK(train["argv"].front() == "train");
  CHECK(doc["recommendations"].empty());
}

TEST_CASE("train full fine-tuning of Llama 3.1 8B on a 4090 does not fit and recommends plans that do") {
  const json doc = train_json({"--model", "llama-3.1-8b", "--gpu", "4090"}, 1);
  CHECK(doc["fits"] == false);
  CHECK(doc["headroom_bytes"].get<std::int64_t>() < 0);
  // 16 bytes per parameter of model states alone: 2 + 2 + 4 + 8 (ZeRO paper's mixed precision).
  const json& states = doc["train"]["model_states"];
  CHECK(states["parameters_bytes"].get<std::uint64_t>() == 2ULL * 8'030'261'248ULL);
  CHECK(states["optimizer_bytes"].get<std::uint64_t>() == 12ULL * 8'030'261'248ULL);
  REQUIRE_FALSE(doc["recommendations"].empty());
  for (const auto& rec : doc["recommendations"]) {
    CHECK(rec["plan"]["fits"] == true);
    // Each recommendation re-runs to the same verdict and figures.
    std::vector<std::string> argv = rec["argv"].get<std::vector<std::string>>();
    argv.insert(argv.end(), {"--format", "json"});
    const auto again = run_cli(argv);
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    const json rerun = json::parse(again.out);
    CHECK(rerun["fits"] == true);
    CHECK(rerun["train"]["per_gpu_bytes"] == rec["plan"]["per_gpu_bytes"]);
    CHECK(rerun["headroom_bytes"] == rec["plan"]["headroom_bytes"]);
  }
}

TEST_CASE("train LoRA of Llama 3.1 8B answers with components and its text verdict matches") {
  const json doc = train_json({"--model", "llama-3.1-8b", "--method", "lora", "--gpu", "4090",
                               "--grad-checkpointing", "full"},
                              0);
  CHECK(doc["train"]["lora"]["rank"] == 16);
  CHECK(doc["train"]["lora"]["alpha"] == 32);
  CHECK(doc["train"]["components"]["trainable_params_bytes"] == 2 * 41'943'040);
  const auto text = run_cli({"train", "--model", "llama-3.1-8b", "--method", "lora", "--gpu",
                             "4090", "--grad-checkpointing", "full"},
                            {{"NO_COLOR", "1"}});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("Verdict FITS") != std::string::npos);
  CHECK(text.out.find("base weights") != std::string::npos);
  CHECK(text.out.find("\x1b[") == std::string::npos);
  CHECK(text.out.find("TRL + PEFT") != std::string::npos);
}

TEST_CASE("train ZeRO-3 with optimizer offload on one GPU is ZeRO-Infinity and counts host RAM") {
  const json doc = train_json({"--model", "llama-3.1-8b", "--gpu", "4090", "--parallelism",
                               "zero3", "--offload-params", "--grad-checkpointing", "full",
                               "--ram", "256GB"},
                              0);
  CHECK(doc["train"]["host_bytes"].get<std::uint64_t>() > 0);
  CHECK(doc["train"]["devices"].size() == 2);
  CHECK(doc["train"]["devices"][1]["kind"] == "cpu");
  // Not enough host RAM: the host decides the verdict.
  const json short_ram = train_json({"--model", "llama-3.1-8b", "--gpu", "4090", "--parallelism",
                                     "zero3", "--offload-params", "--grad-checkpointing", "full",
                                     "--ram", "16GB"},
                                    1);
  CHECK(short_ram["train"]["devices"][1]["fits"] == false);
}

TEST_CASE("train solvers answer a value that fits and re-runs") {
  const json doc = train_json({"--model", "llama-3.1-8b", "--method", "qlora", "--gpu", "4090",
                               "--max-micro-batch", "--max-seq-len"},
                              0);
  for (const char* key : {"max_micro_batch", "max_seq_len"}) {
    const json& answer = doc["solve"][key];
    REQUIRE(answer.is_object());
    CHECK(answer["plan"]["fits"] == true);
    if (!answer["next"].is_null()) {
      CHECK(answer["next"]["fits"] == false);
    }
  }
}

TEST_CASE("train refuses a LoRA rank of 0") {
  const std::string err = refusal({"train", "--model", "llama-3.1-8b", "--method", "lora",
                                   "--lora-rank", "0"});
  CHECK(err.find("--lora-rank") != std::string::npos);
}

TEST_CASE("train refuses a LoRA rank above the hidden size") {
  const std::string err = refusal({"train", "--model", "llama-3.1-8b", "--method", "lora",
                                   "--lora-rank", "5000"});
  CHECK(err.find("hidden size 4096") != std::string::npos);
}

TEST_CASE("train refuses LoRA on modules the model does not have") {
  const std::string err = refusal({"train", "--model", "gpt2", "--method", "lora",
                                   "--lora-targets", "q_proj,v_proj"});
  CHECK(err.find("'q_proj' is not a module of this model") != std::string::npos);
  CHECK(err.find("qkv_proj") != std::string::npos);
}

TEST_CASE("train refuses a micro-batch of 0") {
  const std::string err = refusal({"train", "--model", "llama-3.1-8b", "--micro-batch", "0"});
  CHECK(err.find("--micro-batch") != std::string::npos);
}

TEST_CASE("train refuses an unknown optimizer with did you mean") {
  const std::string err =
      refusal({"train", "--model", "llama-3.1-8b", "--optimizer", "adamw8bitt"});
  CHECK(err.find("unknown --optimizer 'adamw8bitt'") != std::string::npos);
  CHECK(err.find("did you mean 'adamw8bit'") != std::string::npos);
}

TEST_CASE("train refuses --context and --batch with the training flags in the hint") {
  const std::string context = refusal({"train", "--model", "llama-3.1-8b", "--context", "8k"});
  CHECK(context.find("--seq-len") != std::string::npos);
  const std::string batch = refusal({"train", "--model", "llama-3.1-8b", "--batch", "4"});
  CHECK(batch.find("--micro-batch") != std::string::npos);
}

TEST_CASE("train refuses offload without ZeRO or FSDP") {
  const std::string err =
      refusal({"train", "--model", "llama-3.1-8b", "--gpu", "4090", "--offload-optimizer"});
  CHECK(err.find("--parallelism zero2") != std::string::npos);
}
