// End-to-end: the whole deployment — projectors, draft models, LoRA adapters, embedding
// models and unified memory — as components, placed, in text and JSON, and re-runnable.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "gguf_writer.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

json run_json(std::vector<std::string> args, int exit_code = 0) {
  args.push_back("--format");
  args.push_back("json");
  const auto r = run_cli(args);
  INFO(r.err);
  REQUIRE(r.exit_code == exit_code);
  return json::parse(r.out);
}

// The answer's own argv, run again: same verdict and the same attachments.
void check_reruns(const json& doc) {
  std::vector<std::string> argv = doc["plan"]["argv"].get<std::vector<std::string>>();
  argv.push_back("--format");
  argv.push_back("json");
  const auto again = run_cli(argv);
  INFO(again.err);
  const json second = json::parse(again.out);
  CHECK(second["fits"] == doc["fits"]);
  CHECK(second["memory"]["total_bytes"] == doc["memory"]["total_bytes"]);
  CHECK(second["memory"]["attachments"] == doc["memory"]["attachments"]);
}

const std::string k_config = std::string(VRAMCALC_TEST_DATA_DIR) + "/configs/gemma-3-12b-it.json";

std::string write_mmproj(const TempDir& dir) {
  GgufFixture f;
  f.metadata = {kv_str("general.architecture", "clip"),
                kv_u32("clip.vision.embedding_length", 1152),
                kv_u32("clip.vision.feed_forward_length", 4304),
                kv_u32("clip.vision.attention.head_count", 16),
                kv_u32("clip.vision.block_count", 27),
                kv_u32("clip.vision.patch_size", 14),
                kv_u32("clip.vision.image_size", 896)};
  f.tensors = {{"v.patch_embd.weight", {14, 14, 3, 1152}, k_ggml_f16, {}},
               {"mm.input_projection.weight", {1152, 3840}, k_ggml_f16, {}}};
  const std::string path = dir.file("mmproj-gemma3.gguf");
  write_gguf(path, f);
  return path;
}

}  // namespace

TEST_CASE("cli: --mmproj places a GGUF projector on the main GPU with its compute") {
  TempDir dir;
  const std::string mmproj = write_mmproj(dir);
  const json doc = run_json({"--model", "gemma-3-12b", "--dtype", "q4_k_m", "--engine",
                             "llama.cpp", "--gpu", "4090", "--mmproj", mmproj});
  const json& a = doc["memory"]["attachments"];
  REQUIRE(a.size() == 1);
  CHECK(a[0]["kind"] == "projector");
  CHECK(a[0]["weights"]["bytes"] == 2ULL * (14 * 14 * 3 * 1152 + 1152 * 3840));
  CHECK(a[0]["weights"]["provenance"] == "exact");
  CHECK(a[0]["compute"]["bytes"] == 127'139'840ULL);  // 4096 patches, flash attention
  CHECK(a[0]["devices"] == json::array({"rtx-4090"}));
  // The run line loads it; the answer re-runs as it says.
  CHECK(doc["plan"]["engine_flags"].get<std::string>().find("--mmproj " + mmproj) !=
        std::string::npos);
  check_reruns(doc);
  const json bigger = run_json({"--model", "gemma-3-12b", "--dtype", "q4_k_m", "--engine",
                                "llama.cpp", "--gpu", "4090", "--mmproj", mmproj,
                                "--image-tokens", "8192"});
  CHECK(bigger["memory"]["attachments"][0]["compute"]["bytes"] == 2 * 127'139'840ULL);
  const auto text = run_cli({"--model", "gemma-3-12b", "--dtype", "q4_k_m", "--engine",
                             "llama.cpp", "--gpu", "4090", "--mmproj", mmproj});
  CHECK(text.out.find("projector") != std::string::npos);
}

TEST_CASE("cli: a Hub-style multimodal config.json places its vision encoder") {
  const json doc =
      run_json({"--config", k_config, "--engine", "vllm", "--gpu", "L40S"});
  const json& a = doc["memory"]["attachments"];
  REQUIRE(a.size() == 1);
  CHECK(a[0]["kind"] == "projector");
  CHECK(a[0]["weights"]["bytes"] == 2ULL * 421'293'552);  // SigLIP + projection, 16-bit
  CHECK(a[0]["weights"]["provenance"] == "derived");
  CHECK(doc["memory"]["weights_bytes"].get<std::uint64_t>() >
        doc["memory"]["components"]["weights"]["bytes"].get<std::uint64_t>());
  check_reruns(doc);
  // --text-only leaves it out, and says so when re-run.
  const json text_only =
      run_json({"--config", k_config, "--engine", "vllm", "--gpu", "L40S", "--text-only"});
  CHECK(text_only["memory"]["attachments"].empty());
  check_reruns(text_only);
}

TEST_CASE("cli: a draft model under llama.cpp and vLLM") {
  const json llama = run_json({"--model", "llama-3.1-8b", "--dtype", "q4_k_m", "--engine",
                               "llama.cpp", "--gpu", "4090", "--draft", "llama-3.2-1b"});
  const json& a = llama["memory"]["attachments"];
  REQUIRE(a.size() == 1);
  CHECK(a[0]["kind"] == "draft");
  CHECK(a[0]["weights"]["bytes"] == 2'471'628'800ULL);
  CHECK(a[0]["kv_cache"]["bytes"] == 32'768ULL * 4096);
  CHECK(llama["plan"]["engine_flags"].get<std::string>().find("-md meta-llama/Llama-3.2-1B") !=
        std::string::npos);
  check_reruns(llama);
  const json vllm = run_json({"--model", "llama-3.1-70b", "--engine", "vllm", "--gpu", "h100",
                              "--gpus", "4", "--draft", "llama-3.2-1b"});
  const json& v = vllm["memory"]["attachments"];
  REQUIRE(v.size() == 1);
  CHECK(v[0]["pool_kv_bytes_per_token"] == 32'768);
  CHECK(v[0]["devices"].size() == 4);  // shared by the tensor-parallel ranks
  CHECK(vllm["plan"]["engine_flags"].get<std::string>().find("--speculative-config") !=
        std::string::npos);
  check_reruns(vllm);
  const auto unknown = run_cli({"--model", "llama-3.1-8b", "--gpu", "L4", "--draft", "lama-3.2-1b"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("did you mean") != std::string::npos);
}

TEST_CASE("cli: vLLM LoRA adapters reserve --max-loras x --max-lora-rank") {
  const json doc = run_json({"--model", "llama-3.1-8b", "--engine", "vllm", "--gpu", "L4",
                             "--max-loras", "4", "--max-lora-rank", "64"});
  const json& a = doc["memory"]["attachments"];
  REQUIRE(a.size() == 1);
  CHECK(a[0]["kind"] == "lora");
  CHECK(a[0]["weights"]["bytes"] == 1'342'177'280ULL);
  const std::string run = doc["plan"]["engine_flags"];
  CHECK(run.find("--enable-lora --max-loras 4 --max-lora-rank 64") != std::string::npos);
  check_reruns(doc);
  // The pool is smaller by what the adapters take.
  const json plain = run_json({"--model", "llama-3.1-8b", "--engine", "vllm", "--gpu", "L4"});
  CHECK(plain["kv_pool"]["tokens"].get<std::uint64_t>() >
        doc["kv_pool"]["tokens"].get<std::uint64_t>());
}

TEST_CASE("cli: an embedding model keeps no KV cache") {
  const json doc = run_json({"--model", "bge-large-en-v1.5", "--gpu", "L4", "--context", "512"});
  CHECK(doc["memory"]["kv_cache_bytes"] == 0);
  CHECK(doc["fits"] == true);
}

TEST_CASE("cli: unified memory answers differently from a discrete card of the same size") {
  // Llama-3.1-70B at q6_k (~59 GB) on a 64 GB Mac: macOS gives the GPU 48 GiB by default.
  const std::vector<std::string> model = {"--model", "llama-3.1-70b", "--dtype", "q6_k",
                                          "--engine", "llama.cpp"};
  std::vector<std::string> mac = model;
  mac.insert(mac.end(), {"--gpu", "apple-m2-max-64gb"});
  std::vector<std::string> discrete = model;
  discrete.insert(discrete.end(), {"--vram", "64GiB"});
  const auto on_mac = run_cli(mac);
  const auto on_card = run_cli(discrete);
  CHECK(on_mac.exit_code == 1);
  CHECK(on_card.exit_code == 0);
  CHECK(on_mac.out.find("49152 MiB usable") != std::string::npos);
  CHECK(on_mac.out.find("unified memory") != std::string::npos);
  CHECK(on_mac.out.find("iogpu.wired_limit_mb") != std::string::npos);
  CHECK(on_card.out.find("65536 MiB usable each (given)") != std::string::npos);
  // Raised, it fits; the answer names the raised limit and re-runs with it.
  std::vector<std::string> raised = mac;
  raised.insert(raised.end(), {"--unified-limit", "58GiB"});
  const json doc = run_json(raised);
  CHECK(doc["fits"] == true);
  check_reruns(doc);
  // The CPU's share is what the GPU does not use: --ram cannot add to it.
  std::vector<std::string> offload = mac;
  offload.insert(offload.end(), {"--ram", "64GB", "--format", "json"});
  const json capped = json::parse(run_cli(offload).out);
  for (const auto& device : capped["plan"]["devices"]) {
    if (device["kind"] == "cpu") {
      CHECK(device["capacity_bytes"] == 16ULL << 30);
    }
  }
}

TEST_CASE("cli: bad attachment flags are one error line and exit 2") {
  const struct {
    std::vector<std::string> args;
    const char* needle;
  } cases[] = {
      {{"--params", "7B", "--image-tokens", "100"}, "--image-tokens sizes a projector"},
      {{"--params", "7B", "--draft-dtype", "fp16"}, "--draft-dtype needs --draft"},
      {{"--params", "7B", "--gpu", "L4", "--unified-limit", "16GB"}, "unified-memory cards only"},
      {{"--params", "7B", "--gpu", "apple-m2-max-64gb", "--unified-limit", "80GB"},
       "more than the 64 GiB"},
      {{"--params", "7B", "--lora", "0"}, "invalid --lora rank"},
      {{"--params", "7B", "--mmproj", "/nonexistent/mmproj.gguf"}, "mmproj.gguf"},
      {{"--params", "7B", "--draft", "llama-3.2-1b", "--draft-dtype", "q4km"}, "did you mean"},
  };
  for (const auto& c : cases) {
    INFO(c.needle);
    const auto r = run_cli(c.args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(c.needle) != std::string::npos);
    CHECK(r.err.find("hint:") != std::string::npos);
  }
}
