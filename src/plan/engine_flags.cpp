// Ready-to-run flags for a plan, in the engine's own words.
#include <cmath>

#include <fmt/format.h>

#include "plan/placement_internal.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::plan_detail {

namespace {

std::string model_argument(const ModelSpec& model) {
  if (model.source == ModelSource::gguf || model.source == ModelSource::safetensors ||
      model.source == ModelSource::hf_config) {
    return model.source_detail;
  }
  return model.source == ModelSource::catalog ? model.source_detail : "MODEL";
}

std::string gib_text(std::uint64_t bytes) {
  return fmt::format("{}GiB", static_cast<std::uint64_t>(std::floor(to_gib(bytes))));
}

std::string llama_cpp_flags(const Plan& plan, const PlanRequest& request) {
  const Workload& w = request.workload;
  const auto layers = static_cast<std::uint32_t>(request.model->layers.size());
  // -ngl counts the output layer too: all layers on the GPU is layers + 1.
  const std::uint32_t ngl = plan.gpu_layers >= layers ? layers + 1 : plan.gpu_layers;
  std::string flags = fmt::format("llama-server -m {} -ngl {} -c {} -np {} -fa on",
                                  model_argument(*request.model), ngl, w.context * w.batch,
                                  w.batch);
  if (w.kv_key.name != "f16" || w.kv_value.name != "f16") {
    flags += fmt::format(" -ctk {} -ctv {}", w.kv_key.name, w.kv_value.name);
  }
  if (request.options.engine.ubatch) {
    flags += fmt::format(" -ub {}", *request.options.engine.ubatch);
  }
  if (plan.n_cpu_moe > 0) {
    flags += fmt::format(" --n-cpu-moe {}", plan.n_cpu_moe);
  }
  std::size_t gpus = 0;
  std::string split;
  for (const auto& device : plan.devices) {
    if (device.kind == DeviceKind::gpu) {
      split += (gpus++ == 0 ? "" : ",") + std::to_string(device.layer_count);
    }
  }
  if (gpus > 1) {
    flags += " -sm layer --tensor-split " + split;
  }
  return flags;
}

std::string vllm_flags(const Plan& plan, const PlanRequest& request) {
  const auto& s = request.options.engine;
  std::string flags = fmt::format(
      "vllm serve {} --tensor-parallel-size {} --pipeline-parallel-size {} --max-model-len {} "
      "--gpu-memory-utilization {}",
      model_argument(*request.model), plan.tensor_parallel, plan.pipeline_parallel,
      request.workload.context, s.gpu_memory_utilization.value_or(0.9));
  if (request.workload.kv_key.name == "fp8") {
    flags += " --kv-cache-dtype fp8";
  }
  if (request.workload.batch > 1) {
    flags += fmt::format(" --max-num-seqs {}", request.workload.batch);
  }
  return flags;
}

std::string sglang_flags(const Plan& plan, const PlanRequest& request) {
  std::string flags = fmt::format(
      "python -m sglang.launch_server --model-path {} --tp {} --context-length {}",
      model_argument(*request.model), plan.tensor_parallel, request.workload.context);
  if (request.options.engine.mem_fraction_static) {
    flags += fmt::format(" --mem-fraction-static {}", *request.options.engine.mem_fraction_static);
  }
  return flags;
}

std::string transformers_flags(const Plan& plan, const PlanRequest& request) {
  std::string memory;
  std::size_t gpu = 0;
  for (const auto& device : plan.devices) {
    if (device.kind == DeviceKind::gpu) {
      memory += fmt::format("{}{}: \"{}\"", memory.empty() ? "" : ", ", gpu++,
                            gib_text(device.capacity_bytes));
    } else if (device.kind == DeviceKind::cpu && device.weights_bytes > 0) {
      memory += fmt::format(", \"cpu\": \"{}\"",
                            gib_text(device.capacity_bytes != 0 ? device.capacity_bytes
                                                                : device.weights_bytes));
    }
  }
  const WeightFormat& f = request.format;
  std::string dtype = "torch_dtype=torch.bfloat16";
  if (f.name == "fp16") {
    dtype = "torch_dtype=torch.float16";
  } else if (f.name == "fp32") {
    dtype = "torch_dtype=torch.float32";
  } else if (f.name == "bnb-int8") {
    dtype = "quantization_config=BitsAndBytesConfig(load_in_8bit=True)";
  } else if (f.name.rfind("nf4", 0) == 0 || f.name.rfind("fp4", 0) == 0) {
    dtype = fmt::format(
        "quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=\"{}\", "
        "bnb_4bit_use_double_quant={})",
        f.name.substr(0, 3), f.name.size() > 3 ? "True" : "False");
  }
  std::string flags = fmt::format(
      "AutoModelForCausalLM.from_pretrained(\"{}\", device_map=\"auto\", max_memory={{{}}}, {})",
      model_argument(*request.model), memory, dtype);
  if (plan.strategy == PlanStrategy::streamed_offload && plan.devices.back().kind == DeviceKind::disk) {
    flags.insert(flags.size() - 1, ", offload_folder=\"offload\"");
  }
  return flags;
}

}  // namespace

std::string engine_flags(const Plan& plan, const PlanRequest& request) {
  switch (request.options.engine.kind) {
    case EngineKind::llama_cpp:
      return llama_cpp_flags(plan, request);
    case EngineKind::ollama:
      return fmt::format("OLLAMA_CONTEXT_LENGTH={} OLLAMA_NUM_PARALLEL={} (num_gpu {})",
                         request.workload.context, request.workload.batch,
                         plan.gpu_layers >= request.model->layers.size()
                             ? request.model->layers.size() + 1
                             : plan.gpu_layers);
    case EngineKind::vllm:
      return vllm_flags(plan, request);
    case EngineKind::sglang:
      return sglang_flags(plan, request);
    case EngineKind::transformers:
      return transformers_flags(plan, request);
    case EngineKind::generic:
      break;
  }
  // The generic profile names no engine: llama.cpp for GGUF/ggml formats and CPU offload,
  // vLLM for the rest.
  // Mixed cards split by layers are llama.cpp's --tensor-split too (vLLM needs equal shards).
  const bool mixed_cards = request.gpus.size() > 1;
  const bool gguf_like = request.model->source == ModelSource::gguf ||
                         request.format.scheme == WeightScheme::ggml_mix ||
                         plan.strategy == PlanStrategy::offload ||
                         plan.strategy == PlanStrategy::expert_offload || mixed_cards;
  if (gguf_like) {
    return llama_cpp_flags(plan, request);
  }
  if (plan.strategy == PlanStrategy::streamed_offload) {
    return transformers_flags(plan, request);
  }
  return vllm_flags(plan, request);
}

}  // namespace vramcalc::plan_detail
