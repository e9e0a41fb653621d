#include "throughput_rows.hpp"

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/cpu.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/plan.hpp"
#include "vramcalc/quantization.hpp"

namespace vramcalc::test {

namespace {

using Json = nlohmann::json;

struct CatalogRead {
  ModelSpec model;
  std::optional<WeightFormat> format;
};

const CatalogRead& catalog_read(const std::string& id) {
  static std::map<std::string, CatalogRead> cache;
  auto it = cache.find(id);
  if (it == cache.end()) {
    HfConfigReading reading = read_catalog_entry(find_catalog_entry(id));
    CatalogRead read;
    read.model = std::move(reading.model);
    if (reading.quantization) {
      read.format = weight_format_for(*reading.quantization);
    }
    it = cache.emplace(id, std::move(read)).first;
  }
  return it->second;
}

// "llama.cpp (Docker)", "gpt-fast (PyTorch, torch.compile)" -> "llama.cpp", "gpt-fast".
std::string engine_family(const std::string& engine) {
  return engine.substr(0, engine.find_first_of(" ("));
}

// The vramcalc profile that plans the row, and the speed model's engine family: llama.cpp and
// its forks run ggml graphs; PyTorch eager for transformers and accelerate; every other engine
// fuses or compiles its kernels (ExLlama, MLC, gpt-fast, LMDeploy TurboMind, tinygrad,
// TensorRT-LLM and NIM, vLLM, muiLLM).
EngineKind planning_engine(const std::string& family) {
  if (family == "llama.cpp" || family == "ik_llama.cpp" || family == "llama-server") {
    return EngineKind::llama_cpp;
  }
  if (family == "vLLM") {
    return EngineKind::vllm;
  }
  if (family == "HF") {
    return EngineKind::transformers;
  }
  return EngineKind::generic;
}

SpeedEngine speed_family(const std::string& family) {
  if (family == "llama.cpp" || family == "ik_llama.cpp" || family == "llama-server") {
    return SpeedEngine::llama_cpp;
  }
  if (family == "HF") {
    return SpeedEngine::pytorch_eager;
  }
  return SpeedEngine::fused;
}

GpuSpec card_of(const Json& d, const GpuDatabase& database) {
  if (d.contains("gpu")) {
    return *database.resolve(d["gpu"].get<std::string>()).gpu;
  }
  GpuSpec gpu = custom_gpu(static_cast<std::uint64_t>(d.value("memory_gb", 80.0) * 1073741824.0));
  gpu.id = "row-card";
  gpu.name = d["name"].get<std::string>();
  gpu.vendor = d.value("vendor", "");
  gpu.bandwidth_gb_s = d["bandwidth_gb_s"].get<double>();
  gpu.interconnect_gb_s = d.value("interconnect_gb_s", 0.0);
  gpu.interconnect = d.value("interconnect", "");
  if (d.contains("native_formats")) {
    gpu.native_formats = d["native_formats"].get<std::vector<std::string>>();
  }
  return gpu;
}

CpuSpec cpu_of(const Json& c) {
  if (c.contains("id")) {
    const CpuSpec* cpu = find_cpu(c["id"].get<std::string>());
    if (cpu == nullptr) {
      throw Error(ErrorKind::data, "unknown CPU " + c["id"].get<std::string>());
    }
    return *cpu;
  }
  CpuSpec cpu = custom_cpu(c["bandwidth_gb_s"].get<double>());
  cpu.name = c.value("name", std::string("CPU RAM"));
  return cpu;
}

ThroughputRow row_of(const Json& row, const GpuDatabase& database) {
  ThroughputRow out;
  out.id = row["id"].get<std::string>();
  out.source = row["source"].get<std::string>();
  out.engine = engine_family(row["engine"].get<std::string>());
  out.held_out = row["split"] == "held_out";
  out.gated = row.value("gated", true);
  out.reason = row.value("reason", "");
  out.measured = row["tokens_per_s"].get<double>();
  const CatalogRead& read = catalog_read(row["model"]["catalog"].get<std::string>());
  const Json& d = row["device"];

  Deployment deployment;
  deployment.format = row.contains("dtype") ? *find_weight_format(row["dtype"].get<std::string>())
                      : read.format         ? *read.format
                                            : *find_weight_format(read.model.native_dtype.value_or("fp16"));
  deployment.workload.context = std::max<std::uint64_t>(row["depth_tokens"].get<std::uint64_t>(), 1);
  deployment.workload.batch = 1;
  deployment.allow_long_context = true;
  deployment.options.engine.kind = planning_engine(out.engine);
  if (row.contains("settings")) {
    const Json& s = row["settings"];
    if (s.contains("n_gpu_layers")) {
      deployment.options.engine.n_gpu_layers = s["n_gpu_layers"].get<std::uint32_t>();
    }
    if (s.contains("n_cpu_moe")) {
      deployment.options.engine.n_cpu_moe = s["n_cpu_moe"].get<std::uint32_t>();
    }
  }
  if (d["kind"] == "cpu") {
    deployment.cpu_only = true;
    deployment.cpu = d.contains("cpu") ? cpu_of(d["cpu"]) : custom_cpu(d["bandwidth_gb_s"].get<double>());
    deployment.cpu->name = d["name"].get<std::string>();
  } else {
    const std::uint32_t count = d.value("count", 1U);
    deployment.gpus = {GpuGroup{card_of(d, database), count}};
    if (count > 1 && d.value("split", "") == "tensor") {
      deployment.mode = ParallelMode::tensor;
      deployment.tensor_parallel = count;
      deployment.pipeline_parallel = 1;
    }
    if (d.contains("cpu")) {
      deployment.cpu = cpu_of(d["cpu"]);
    }
  }
  const Planner planner(read.model);
  const Plan plan = planner.plan(deployment);
  if (!plan.speed_input) {
    throw Error(ErrorKind::data, "no speed input for throughput row " + out.id);
  }
  out.input = *plan.speed_input;
  out.input.engine = speed_family(out.engine);
  if (row.value("launch", "") == "host") {
    for (SpeedDevice& device : out.input.devices) {
      device.launch = KernelLaunch::host;
    }
  }
  out.description = d["name"].get<std::string>() +
                    (d.value("count", 1U) > 1 ? " x" + std::to_string(d["count"].get<unsigned>()) : "") +
                    ", " + row["model"]["catalog"].get<std::string>() + " " +
                    row.value("dtype", std::string("as published"));
  return out;
}

}  // namespace

const std::vector<ThroughputRow>& throughput_rows() {
  static const std::vector<ThroughputRow> rows = [] {
    std::ifstream in(test_data_dir() + "/validation/throughput.json");
    const Json doc = Json::parse(in);
    const GpuDatabase database = GpuDatabase::built_in();
    std::vector<ThroughputRow> out;
    for (const Json& row : doc["rows"]) {
      out.push_back(row_of(row, database));
    }
    return out;
  }();
  return rows;
}

}  // namespace vramcalc::test
