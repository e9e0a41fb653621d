// End-to-end: the host CPU as a device (--cpu-only, --cpu, --cpu-bandwidth), llama.cpp's own
// splits (--n-gpu-layers, --n-cpu-moe, --no-kv-offload) and its batch sizes (--n-batch): each
// planned by the planner, printed as llama.cpp names it, and re-run from its argv.
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

json run_json(std::vector<std::string> args, int expected_exit = 0) {
  args.insert(args.end(), {"--format", "json"});
  const auto r = run_cli(args);
  INFO(r.err);
  REQUIRE(r.exit_code == expected_exit);
  return json::parse(r.out);
}

const json* device_of(const json& plan, const char* kind) {
  for (const auto& d : plan["devices"]) {
    if (d["kind"] == kind) {
      return &d;
    }
  }
  return nullptr;
}

std::vector<std::string> argv_of(const json& plan) {
  return plan["argv"].get<std::vector<std::string>>();
}

}  // namespace

TEST_CASE("cpu only: every layer in RAM with a verdict against --ram and a speed from the CPU") {
  const json doc = run_json({"--model", "llama-3.1-8b", "--dtype", "q4_k_m", "--engine",
                             "llama.cpp", "--cpu-only", "--ram", "32GB", "--cpu", "epyc-9654"});
  CHECK(doc["fits"] == true);
  const json& plan = doc["plan"];
  CHECK(plan["strategy"] == "cpu_only");
  CHECK(plan["gpu_layers"] == 0);
  CHECK(plan["cpu_layers"] == 32);
  REQUIRE(plan["devices"].size() == 1);
  CHECK(plan["devices"][0]["kind"] == "cpu");
  CHECK(plan["devices"][0]["capacity_bytes"] == 32'000'000'000ULL);
  // No GPU runtime in RAM: no CUDA context.
  CHECK(plan["devices"][0]["overhead_bytes"] == 0);
  CHECK(doc["hardware"]["cpu_only"] == true);
  CHECK(doc["hardware"]["cpu"]["id"] == "amd-epyc-9654");
  // 12 channels of DDR5-4800: 460.8 GB/s.
  CHECK(doc["hardware"]["cpu"]["bandwidth_gb_s"].get<double>() == Approx(460.8));
  REQUIRE(doc["speed"].is_object());
  // About 4.9 GB read per token at 460.8 GB/s: a ceiling near 94 tokens/s.
  CHECK(doc["speed"]["decode_tokens_per_s"].get<double>() == Approx(460.8 / 4.9).epsilon(0.05));
  CHECK(doc["speed"]["expected_decode_tokens_per_s"].get<double>() <
        doc["speed"]["decode_tokens_per_s"].get<double>());
  CHECK(plan["engine_flags"].get<std::string>().find("-ngl 0 ") != std::string::npos);
  const json again = run_json(argv_of(plan));
  CHECK(again["plan"]["total_bytes"] == plan["total_bytes"]);
  CHECK(again["hardware"]["cpu"]["id"] == "amd-epyc-9654");
}

TEST_CASE("cpu only without --ram: the plan and its speed without a verdict") {
  const json doc = run_json({"--model", "llama-3.2-1b", "--engine", "llama.cpp", "--cpu-only",
                             "--cpu-bandwidth", "89.6"});
  CHECK(doc["fits"].is_null());
  CHECK(doc["plan"]["strategy"] == "cpu_only");
  CHECK(doc["hardware"]["cpu"]["bandwidth_gb_s"].get<double>() == Approx(89.6));
  CHECK(doc["speed"]["expected_decode_tokens_per_s"].get<double>() > 0);
}

TEST_CASE("cpu only refuses a card and a GPU-only engine") {
  auto r = run_cli({"--params", "7B", "--cpu-only", "--gpu", "L4"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("vramcalc: error:") == 0);
  r = run_cli({"--params", "7B", "--cpu-only", "--engine", "vllm"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("GPUs only") != std::string::npos);
}

TEST_CASE("an unknown cpu name is an error with a suggestion") {
  const auto r = run_cli({"--params", "7B", "--cpu-only", "--cpu", "epyc-965"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("did you mean 'epyc-9654'") != std::string::npos);
  CHECK(run_cli({"--params", "7B", "--cpu-only", "--cpu-bandwidth", "0"}).exit_code == 2);
  CHECK(run_cli({"--params", "7B", "--cpu-only", "--cpu", "7950x", "--cpu-bandwidth", "80"})
            .exit_code == 2);
}

TEST_CASE("n gpu layers below the layer count keeps those layers and the output on the CPU") {
  // Llama-3.1-8B has 32 layers: -ngl 20 puts layers 12-31 on the GPU, 0-11 and the output
  // layer in RAM (llama.cpp offloads the output only when -ngl exceeds the layer count).
  const json doc = run_json({"--model", "llama-3.1-8b", "--dtype", "q4_k_m", "--engine",
                             "llama.cpp", "--gpu", "4090", "--n-gpu-layers", "20"});
  const json& plan = doc["plan"];
  CHECK(plan["strategy"] == "offload");
  CHECK(plan["gpu_layers"] == 20);
  CHECK(plan["cpu_layers"] == 12);
  CHECK(plan["output_on_gpu"] == false);
  const json* gpu = device_of(plan, "gpu");
  REQUIRE(gpu != nullptr);
  CHECK((*gpu)["first_layer"] == 12);
  CHECK((*gpu)["layers"] == 20);
  CHECK(plan["engine_flags"].get<std::string>().find("-ngl 20 ") != std::string::npos);
  const json again = run_json(argv_of(plan));
  CHECK(again["plan"]["total_bytes"] == plan["total_bytes"]);
  CHECK(again["plan"]["gpu_layers"] == 20);
}

TEST_CASE("n gpu layers above the layer count puts every layer and the output on the GPU") {
  const json all = run_json({"--model", "llama-3.1-8b", "--dtype", "q4_k_m", "--engine",
                             "llama.cpp", "--gpu", "4090", "--n-gpu-layers", "99"});
  CHECK(all["plan"]["gpu_layers"] == 32);
  CHECK(all["plan"]["output_on_gpu"] == true);
  CHECK(all["plan"]["engine_flags"].get<std::string>().find("-ngl 33 ") != std::string::npos);
  // -ngl 32: every layer on the GPU but the output on the CPU, which then reads the 128256 x
  // 4096 head every token: slower than -ngl 33 (llama.cpp #11752: 71.6 -> 34.7 t/s).
  const json head = run_json({"--model", "llama-3.1-8b", "--dtype", "q4_k_m", "--engine",
                              "llama.cpp", "--gpu", "4090", "--n-gpu-layers", "32"});
  CHECK(head["plan"]["output_on_gpu"] == false);
  CHECK(head["plan"]["gpu_bytes"].get<std::uint64_t>() < all["plan"]["gpu_bytes"].get<std::uint64_t>());
  CHECK(head["speed"]["expected_decode_tokens_per_s"].get<double>() <
        all["speed"]["expected_decode_tokens_per_s"].get<double>());
}

TEST_CASE("n cpu moe keeps the experts of the first layers in RAM") {
  const json doc = run_json({"--model", "qwen3-30b-a3b", "--dtype", "q4_k_m", "--engine",
                             "llama.cpp", "--gpu", "4090", "--n-cpu-moe", "10"});
  const json& plan = doc["plan"];
  CHECK(plan["strategy"] == "expert_offload");
  CHECK(plan["n_cpu_moe"] == 10);
  const json* cpu = device_of(plan, "cpu");
  REQUIRE(cpu != nullptr);
  CHECK((*cpu)["expert_layers"] == 10);
  CHECK(plan["engine_flags"].get<std::string>().find("--n-cpu-moe 10") != std::string::npos);
  const json again = run_json(argv_of(plan));
  CHECK(again["plan"]["total_bytes"] == plan["total_bytes"]);
}

TEST_CASE("no kv offload puts the cache in RAM") {
  const json doc = run_json({"--model", "llama-3.1-8b", "--dtype", "q4_k_m", "--engine",
                             "llama.cpp", "--gpu", "4090", "--context", "32k", "--no-kv-offload"});
  const json& plan = doc["plan"];
  const json* gpu = device_of(plan, "gpu");
  const json* cpu = device_of(plan, "cpu");
  REQUIRE(gpu != nullptr);
  REQUIRE(cpu != nullptr);
  CHECK((*gpu)["kv_cache_bytes"] == 0);
  // 32 layers x 32768 cells x 1024 f16 K and V elements x 2 B = 4 GiB.
  CHECK((*cpu)["kv_cache_bytes"] == 4ULL * 1024 * 1024 * 1024);
  CHECK(plan["engine_flags"].get<std::string>().find("-nkvo") != std::string::npos);
  const json again = run_json(argv_of(plan));
  CHECK(again["plan"]["total_bytes"] == plan["total_bytes"]);
}

TEST_CASE("llama.cpp splits are refused under other engines and without a card") {
  CHECK(run_cli({"--params", "7B", "--gpu", "L4", "--engine", "vllm", "--n-gpu-layers", "10"})
            .exit_code == 2);
  CHECK(run_cli({"--params", "7B", "--gpu", "L4", "--engine", "ollama", "--n-cpu-moe", "4"})
            .exit_code == 2);
  const auto r = run_cli({"--params", "7B", "--engine", "llama.cpp", "--n-gpu-layers", "10"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no card is named") != std::string::npos);
}

TEST_CASE("a micro-batch above n_batch is cut as llama.cpp cuts it and --n-batch lifts it") {
  // llama.cpp: n_ubatch = min(n_batch, n_ubatch), n_batch 2048 by default.
  json doc = run_json({"--model", "qwen2.5-3b", "--engine", "llama.cpp", "--context", "8k",
                       "--ubatch", "4096"});
  const auto setting = [](const json& d, const char* name) {
    return d["engine"]["settings"][name].get<std::uint64_t>();
  };
  CHECK(setting(doc, "n_ubatch") == 2048);
  bool noted = false;
  for (const auto& note : doc["engine"]["notes"]) {
    noted = noted || note.get<std::string>().find("--n-batch 4096") != std::string::npos;
  }
  CHECK(noted);
  doc = run_json({"--model", "qwen2.5-3b", "--engine", "llama.cpp", "--context", "8k",
                  "--ubatch", "4096", "--n-batch", "4096"});
  CHECK(setting(doc, "n_batch") == 4096);
  CHECK(setting(doc, "n_ubatch") == 4096);
}
