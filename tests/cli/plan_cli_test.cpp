// End-to-end: placement across GPUs, CPU RAM and disk; solvers; flags; the chart.
#include <cstdio>

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

// The used and capacity bytes of the fullest GPU of a plan.
std::pair<std::uint64_t, std::uint64_t> fullest(const json& plan) {
  std::pair<std::uint64_t, std::uint64_t> most{0, 0};
  for (const auto& d : plan["devices"]) {
    if (d["kind"] == "gpu" && d["used_bytes"].get<std::uint64_t>() >= most.first) {
      most = {d["used_bytes"].get<std::uint64_t>(), d["capacity_bytes"].get<std::uint64_t>()};
    }
  }
  return most;
}

std::uint64_t sum_used(const json& plan) {
  std::uint64_t sum = 0;
  for (const auto& d : plan["devices"]) {
    sum += d["used_bytes"].get<std::uint64_t>();
  }
  return sum;
}

}  // namespace

TEST_CASE("plan: 70B fp16 on two A100-80GB fits with tensor parallel and shows pipeline too") {
  const json doc = run_json({"--params", "70B", "--dtype", "fp16", "--gpu", "A100-80GB",
                             "--gpus", "2"});
  const json& plan = doc["plan"];
  CHECK(doc["fits"] == true);
  CHECK(plan["fits"] == true);
  CHECK(plan["strategy"] == "tensor_parallel");
  CHECK(plan["tensor_parallel"] == 2);
  std::size_t gpus = 0;
  for (const auto& d : plan["devices"]) {
    if (d["kind"] == "gpu") {
      ++gpus;
      CHECK(d["used_bytes"].get<std::uint64_t>() <= d["capacity_bytes"].get<std::uint64_t>());
      CHECK(d["replicated_bytes"].get<std::uint64_t>() > 0);
      // Used is the sum of what the device holds.
      CHECK(d["used_bytes"] == d["weights_bytes"].get<std::uint64_t>() +
                                   d["kv_cache_bytes"].get<std::uint64_t>() +
                                   d["activations_bytes"].get<std::uint64_t>() +
                                   d["overhead_bytes"].get<std::uint64_t>() +
                                   d["other_bytes"].get<std::uint64_t>());
    }
  }
  CHECK(gpus == 2);
  // The plan's total is the sum over devices; the weights are split, not copied.
  CHECK(plan["total_bytes"] == sum_used(plan));
  std::uint64_t weights = 0;
  for (const auto& d : plan["devices"]) {
    weights += d["weights_bytes"].get<std::uint64_t>();
  }
  CHECK(weights >= 140'000'000'000ULL);
  CHECK(weights < 141'000'000'000ULL);
  bool pipeline = false;
  for (const auto& alt : plan["alternatives"]) {
    if (alt["strategy"] == "pipeline_parallel") {
      pipeline = true;
      CHECK(alt["total_bytes"] == sum_used(alt));
      CHECK(alt["devices"][0]["layers"].get<int>() + alt["devices"][1]["layers"].get<int>() == 80);
    }
  }
  CHECK(pipeline);
  // The generic profile models no engine, so it prints no engine's command; vLLM's is the
  // tensor-parallel plan it models.
  CHECK(doc["engine_flags"].is_null());
  const json vllm = run_json({"--params", "70B", "--dtype", "fp16", "--gpu", "A100-80GB",
                              "--gpus", "2", "--engine", "vllm"});
  CHECK(vllm["engine_flags"].get<std::string>().find("--tensor-parallel-size 2 "
                                                     "--pipeline-parallel-size 1") !=
        std::string::npos);
}

TEST_CASE("plan: KV heads are replicated when there are fewer than tensor-parallel ranks") {
  // Llama-3.1-70B has 8 KV heads: on 16 ranks every rank keeps one whole head.
  const json sixteen = run_json({"--model", "llama-3.1-70b", "--gpu", "h100", "--gpus", "16"});
  const json eight = run_json({"--model", "llama-3.1-70b", "--gpu", "h100", "--gpus", "8"});
  const auto kv = [](const json& doc) {
    return doc["plan"]["devices"][0]["kv_cache_bytes"].get<std::uint64_t>();
  };
  CHECK(kv(sixteen) == kv(eight));
  CHECK(sixteen["plan"]["devices"][0]["replicated_bytes"].get<std::uint64_t>() >
        eight["plan"]["devices"][0]["replicated_bytes"].get<std::uint64_t>());
}

TEST_CASE("plan: Mixtral Q4_K_M on one 4090 with 64 GB RAM offloads experts with llama.cpp flags") {
  const json doc = run_json({"--model", "mixtral-8x7b", "--dtype", "q4_k_m", "--gpu", "4090",
                             "--ram", "64GB", "--engine", "llama.cpp"});
  const json& plan = doc["plan"];
  CHECK(doc["fits"] == true);
  CHECK((plan["strategy"] == "expert_offload" || plan["strategy"] == "offload"));
  const json& gpu = plan["devices"][0];
  const json& cpu = plan["devices"][1];
  CHECK(gpu["kind"] == "gpu");
  CHECK(cpu["kind"] == "cpu");
  CHECK(gpu["used_bytes"].get<std::uint64_t>() <= gpu["capacity_bytes"].get<std::uint64_t>());
  CHECK(cpu["weights_bytes"].get<std::uint64_t>() > 0);
  CHECK(cpu["capacity_bytes"] == 64'000'000'000ULL);
  const std::string flags = doc["engine_flags"];
  CHECK(flags.find("llama-server") != std::string::npos);
  CHECK(flags.find("-ngl ") != std::string::npos);
  if (plan["strategy"] == "expert_offload") {
    CHECK(flags.find("--n-cpu-moe " + std::to_string(plan["n_cpu_moe"].get<int>())) !=
          std::string::npos);
  }
  CHECK(doc["speed"]["expected_decode_tokens_per_s"].get<double>() > 0);
  CHECK(plan["slowdown"].get<double>() > 1.0);
  // Without RAM, offload is only recommended, and the verdict is "does not fit".
  const auto no_ram = run_cli({"--model", "mixtral-8x7b", "--dtype", "q4_k_m", "--gpu", "4090",
                               "--engine", "llama.cpp", "--format", "json"});
  CHECK(no_ram.exit_code == 1);
  const json rec = json::parse(no_ram.out);
  bool offload = false;
  for (const auto& r : rec["recommendations"]) {
    if (r["kind"] == "offload") {
      offload = true;
      CHECK(r["plan"]["slowdown"].get<double>() > 1.0);
      CHECK_FALSE(r["plan"]["engine_flags"].get<std::string>().empty());
    }
  }
  CHECK(offload);
}

TEST_CASE("solve: the largest context fits and one token more does not") {
  const std::vector<std::string> base = {"--model", "llama-3.1-8b", "--dtype", "fp16", "--gpu",
                                         "L4", "--engine", "llama.cpp"};
  auto args = base;
  args.push_back("--max-context");
  const json doc = run_json(args);
  const auto c = doc["solve"]["max_context"]["value"].get<std::uint64_t>();
  CHECK(c > 32768);
  const json& answer = doc["solve"]["max_context"];
  CHECK(fullest(answer["plan"]).first <= fullest(answer["plan"]).second);
  CHECK(answer["next_value"] == c + 1);
  CHECK(fullest(answer["next"]).first > fullest(answer["next"]).second);
  CHECK(answer["capped_at_trained_context"] == false);
  auto at = base;
  at.insert(at.end(), {"--context", std::to_string(c)});
  CHECK(run_cli(at).exit_code == 0);
  auto above = base;
  above.insert(above.end(), {"--context", std::to_string(c + 1)});
  CHECK(run_cli(above).exit_code == 1);
}

TEST_CASE("solve: the largest batch and the fewest cards") {
  const json batch = run_json({"--model", "llama-3.1-8b", "--gpu", "L4", "--context", "8k",
                               "--max-batch"});
  const auto b = batch["solve"]["max_batch"]["value"].get<std::uint64_t>();
  CHECK(b >= 1);
  CHECK(run_cli({"--model", "llama-3.1-8b", "--gpu", "L4", "--context", "8k", "--batch",
                 std::to_string(b)})
            .exit_code == 0);
  CHECK(run_cli({"--model", "llama-3.1-8b", "--gpu", "L4", "--context", "8k", "--batch",
                 std::to_string(b + 1)})
            .exit_code == 1);
  const json cards = run_json({"--params", "70B", "--dtype", "fp16", "--gpu", "A100-80GB",
                               "--min-gpus"});
  CHECK(cards["solve"]["min_gpus"]["value"] == 2);
}

TEST_CASE("solve: which GPUs run it with fewest cards first then least memory") {
  const json doc = run_json({"--model", "llama-3.1-8b", "--which-gpus"});
  const json& gpus = doc["solve"]["gpus"];
  REQUIRE(gpus.size() > 10);
  for (std::size_t i = 1; i < gpus.size(); ++i) {
    const auto& a = gpus[i - 1];
    const auto& b = gpus[i];
    CHECK((a["count"] < b["count"] ||
           (a["count"] == b["count"] && a["usable_bytes"] <= b["usable_bytes"])));
    CHECK(b["per_gpu_bytes"].get<std::uint64_t>() <= b["usable_bytes"].get<std::uint64_t>());
  }
  bool l4 = false;
  for (const auto& g : gpus) {
    l4 = l4 || (g["id"] == "nvidia-l4" && g["count"] == 1);
  }
  CHECK(l4);
}

TEST_CASE("plan: mixed cards split layers by capacity and several nodes use tp x pp") {
  const json mixed = run_json({"--params", "13B", "--gpu", "4090", "--gpu", "rtx-3060-12gb"});
  const json& plan = mixed["plan"];
  CHECK(plan["strategy"] == "layer_split");
  CHECK(plan["devices"][0]["layers"].get<int>() > plan["devices"][1]["layers"].get<int>());
  CHECK(mixed["engine_flags"].is_null());
  // Both cards are named in the header and the hardware list.
  REQUIRE(mixed["hardware"]["gpus"].size() == 2);
  CHECK(mixed["hardware"]["gpus"][1]["id"] == "rtx-3060-12gb");
  const json llama = run_json({"--params", "13B", "--gpu", "4090", "--gpu", "rtx-3060-12gb",
                               "--engine", "llama.cpp"});
  CHECK(llama["engine_flags"].get<std::string>().find("-sm layer --tensor-split") !=
        std::string::npos);
  const auto text = run_cli({"--params", "13B", "--gpu", "4090", "--gpu", "rtx-3060-12gb"});
  CHECK(text.out.find("RTX 3060") != std::string::npos);
  const json nodes = run_json({"--model", "llama-3.1-405b", "--dtype", "fp16", "--gpu", "h100",
                               "--gpus", "8", "--nodes", "2"});
  CHECK(nodes["plan"]["strategy"] == "tensor_pipeline");
  CHECK(nodes["plan"]["tensor_parallel"] == 8);
  CHECK(nodes["plan"]["pipeline_parallel"] == 2);
  CHECK(nodes["plan"]["total_bytes"] == sum_used(nodes["plan"]));
}

TEST_CASE("plan: --parallel-mode pp accepts counts that do not divide the heads") {
  CHECK(run_cli({"--params", "7B", "--gpu", "L4", "--gpus", "3", "--parallel-mode", "tp"})
            .exit_code == 2);
  // Without a mode, a count that does not divide the heads is pipeline stages.
  CHECK(run_json({"--params", "7B", "--gpu", "L4", "--gpus", "3"})["plan"]["strategy"] ==
        "pipeline_parallel");
  const json doc = run_json({"--params", "7B", "--gpu", "L4", "--gpus", "3", "--parallel-mode", "pp"});
  CHECK(doc["plan"]["strategy"] == "pipeline_parallel");
  CHECK(doc["plan"]["pipeline_parallel"] == 3);
}

TEST_CASE("plan: accelerate streams layers from RAM and then disk") {
  // 140 GB of weights, a 24 GB card and 64 GB of RAM: the rest goes to disk. It runs (every
  // device within capacity), at disk speed.
  const json doc = run_json({"--params", "70B", "--dtype", "fp16", "--gpu", "L4", "--engine",
                             "transformers", "--ram", "64GB"});
  const json& plan = doc["plan"];
  CHECK(plan["strategy"] == "streamed_offload");
  CHECK(plan["slowdown"].get<double>() > 10.0);
  bool disk = false;
  for (const auto& d : plan["devices"]) {
    disk = disk || d["kind"] == "disk";
  }
  CHECK(disk);
  CHECK(doc["engine_flags"].get<std::string>().find("device_map=\"auto\"") != std::string::npos);
  CHECK(doc["engine_flags"].get<std::string>().find("offload_folder") != std::string::npos);
}

TEST_CASE("plot: memory against context rises and crosses the capacity") {
  const json doc = run_json({"--model", "llama-3.1-8b", "--gpu", "L4", "--plot", "context"});
  const json& points = doc["plot"]["points"];
  REQUIRE(points.size() >= 10);
  CHECK(doc["plot"]["capacity_bytes"].get<std::uint64_t>() > 0);
  for (std::size_t i = 1; i < points.size(); ++i) {
    CHECK(points[i]["x"].get<std::uint64_t>() > points[i - 1]["x"].get<std::uint64_t>());
    CHECK(points[i]["per_gpu_bytes"].get<std::uint64_t>() >=
          points[i - 1]["per_gpu_bytes"].get<std::uint64_t>());
  }
  CHECK(points.front()["fits"] == true);
  CHECK(points.back()["fits"] == false);
  const auto text = run_cli({"--model", "llama-3.1-8b", "--gpu", "L4", "--plot", "batch"});
  CHECK(text.out.find("Memory per card against batch") != std::string::npos);
}

TEST_CASE("cli: the README's CI example runs as written") {
  // README "In CI": gate on the exit code, print recommendations with jq.
  const std::string dir = temp_dir();
  const std::string script =
      "PATH=\"$(dirname '" + cli_path() + "'):$PATH\"\n"
      "if ! vramcalc --params 8B --context 32k --batch 4 --gpu L4 --format json > " + dir +
      "/sizing.json; then\n"
      "  jq -r '.recommendations[] | \"\\(.kind): \\(.note)\"' " + dir + "/sizing.json\n"
      "  exit 1\n"
      "fi\n";
  write_file(dir + "/ci.sh", script);
  const auto r = run_cli({});  // ensures the binary exists
  (void)r;
  FILE* pipe = popen(("sh " + dir + "/ci.sh").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    out += buffer;
  }
  const int status = pclose(pipe);
  CHECK(WEXITSTATUS(status) == 1);  // 8B, 32k x 4 does not fit one L4
  // The KV cache (17 GB) is what does not fit, so no precision of the weights helps: offload
  // and more cards are the options.
  CHECK(out.find("offload: ") != std::string::npos);
  CHECK(out.find("more_gpus: ") != std::string::npos);
  const auto fits = run_cli({"--params", "8B", "--gpu", "L4", "--format", "json"});
  CHECK(fits.exit_code == 0);
}

TEST_CASE("cli: bad planner flags are exit 2 with a hint") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--params", "7B", "--gpu", "L4", "--plot", "depth"},
           {"--params", "7B", "--gpu", "L4", "--parallel-mode", "zz"},
           {"--params", "7B", "--gpu", "L4", "--nodes", "0"},
           {"--params", "7B", "--max-context"},
           {"--params", "7B", "--offload"},
           {"--params", "7B", "--gpu", "4090", "--gpu", "3090", "--gpus", "2"},
       }) {
    const auto r = run_cli(args);
    INFO(args[args.size() - 1]);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("hint:") != std::string::npos);
  }
}

TEST_CASE("plan text: a model that fits shows one plan and no empty host row") {
  // The engine-neutral plan keeps nothing in host RAM (llama.cpp keeps the token embeddings
  // there, a row of its own).
  const auto r = run_cli({"--model", "llama-3.1-8b", "--dtype", "q4_k_m", "--gpu", "4090"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("Plan single (fits)") != std::string::npos);
  CHECK(r.out.find("Alternative") == std::string::npos);
  CHECK(r.out.find("CPU RAM  ") == std::string::npos);
  CHECK(r.out.find("prefill ≤ ") != std::string::npos);
}

TEST_CASE("plan JSON: prefill of an offload plan is null and its text omits it") {
  const std::vector<std::string> args = {"--model", "mixtral-8x7b", "--dtype", "q4_k_m",
                                         "--gpu",   "4090",         "--ram",   "64GB",
                                         "--engine", "llama.cpp"};
  const json doc = run_json(args);
  CHECK(doc["speed"]["prefill_tokens_per_s"].is_null());
  CHECK(doc["speed"]["expected_prefill_tokens_per_s"].is_null());
  CHECK(doc["speed"]["decode_tokens_per_s"].get<double>() > 0);
  const auto text = run_cli(args);
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("prefill ≤ 0") == std::string::npos);
}
