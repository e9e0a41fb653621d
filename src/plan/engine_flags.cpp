// Ready-to-run commands for a plan, in the engine's own words: each describes the plan that was
// modelled (its split, its cards, its precision), so running it gives what the plan promises.
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "plan/placement_internal.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::plan_detail {

namespace {

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// What the engine takes as its model: the Hub repo the catalog records, the file for GGUF, the
// folder of a config.json or safetensors checkpoint.
std::string model_argument(const ModelSpec& model) {
  switch (model.source) {
    case ModelSource::catalog:
      return model.hf_repo.empty() ? model.source_detail : model.hf_repo;
    case ModelSource::gguf:
      return model.source_detail;
    case ModelSource::hf_config:
    case ModelSource::safetensors: {
      const std::string& path = model.source_detail;
      if (ends_with(path, ".json") || ends_with(path, ".safetensors")) {
        const std::string folder = std::filesystem::path(path).parent_path().string();
        return folder.empty() ? "." : folder;
      }
      return path;
    }
    case ModelSource::params:
      break;
  }
  return "MODEL";
}

std::string gib_text(std::uint64_t bytes) {
  return fmt::format("{}GiB", static_cast<std::uint64_t>(std::floor(to_gib(bytes))));
}

// -ngl counts the output layer too: every layer and the output on the GPUs is layers + 1
// (llama-model.cpp load_tensors offloads the output only when n_gpu_layers > n_layer).
std::uint32_t ngl_of(const Plan& plan) {
  return plan.gpu_layers + (plan.output_on_gpu && plan.gpu_layers > 0 ? 1U : 0U);
}

std::string llama_cpp_flags(const Plan& plan, const ModelSpec& model) {
  const Deployment& d = plan.deployment;
  const Workload& w = d.workload;
  const EngineSettings& s = d.options.engine;
  std::string flags = fmt::format("llama-server -m {} -ngl {} -c {} -np {}", model_argument(model),
                                  ngl_of(plan), w.context * w.batch, w.batch);
  flags += s.flash_attn == FlashAttention::off ? " -fa off"
           : s.flash_attn == FlashAttention::on ? " -fa on"
                                                : "";
  if (w.kv_key.name != "f16" || w.kv_value.name != "f16") {
    flags += fmt::format(" -ctk {} -ctv {}", w.kv_key.name, w.kv_value.name);
  }
  if (s.n_batch) {
    flags += fmt::format(" -b {}", *s.n_batch);
  }
  if (s.ubatch) {
    flags += fmt::format(" -ub {}", *s.ubatch);
  }
  if (s.no_kv_offload) {
    flags += " -nkvo";
  }
  if (s.swa_full) {
    flags += " --swa-full";
  }
  if (s.kv_unified) {
    flags += " --kv-unified";
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

// Ollama takes its settings from the server's environment and the model's num_gpu parameter;
// it names models its own way, so the command is the server's (docs/faq.md, "How can I specify
// the context window size?", Ollama 0.12).
std::string ollama_flags(const Plan& plan, const ModelSpec& model) {
  const Workload& w = plan.deployment.workload;
  std::string flags = fmt::format("OLLAMA_CONTEXT_LENGTH={} OLLAMA_NUM_PARALLEL={}", w.context,
                                  w.batch);
  if (plan.deployment.options.engine.flash_attn != FlashAttention::off) {
    flags += " OLLAMA_FLASH_ATTENTION=1";
  }
  if (w.kv_key.name != "f16") {
    flags += fmt::format(" OLLAMA_KV_CACHE_TYPE={}", w.kv_key.name);
  }
  flags += " ollama serve";
  const auto layers = static_cast<std::uint32_t>(model.layers.size());
  if (plan.gpu_layers < layers) {
    flags += fmt::format(" (model parameter num_gpu {})", ngl_of(plan));
  }
  return flags;
}

std::string vllm_flags(const Plan& plan, const ModelSpec& model) {
  const Deployment& d = plan.deployment;
  const EngineSettings& s = d.options.engine;
  const bool long_context = model.max_context != 0 && d.workload.context > model.max_context;
  std::string flags = fmt::format(
      "{}vllm serve {} --tensor-parallel-size {} --pipeline-parallel-size {} --max-model-len {} "
      "--gpu-memory-utilization {}",
      long_context ? "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 " : "", model_argument(model),
      plan.tensor_parallel, plan.pipeline_parallel, d.workload.context,
      s.gpu_memory_utilization.value_or(0.9));
  if (d.workload.kv_key.name == "fp8") {
    flags += " --kv-cache-dtype fp8";
  }
  flags += fmt::format(" --max-num-seqs {}", s.max_num_seqs.value_or(256));
  if (s.max_num_batched_tokens) {
    flags += fmt::format(" --max-num-batched-tokens {}", *s.max_num_batched_tokens);
  }
  if (s.block_size) {
    flags += fmt::format(" --block-size {}", *s.block_size);
  }
  if (s.enforce_eager) {
    flags += " --enforce-eager";
  }
  return flags;
}

std::string sglang_flags(const Plan& plan, const ModelSpec& model) {
  const Deployment& d = plan.deployment;
  const EngineSettings& s = d.options.engine;
  const bool long_context = model.max_context != 0 && d.workload.context > model.max_context;
  std::string flags = fmt::format(
      "{}python -m sglang.launch_server --model-path {} --tp-size {} --pp-size {} "
      "--context-length {}",
      long_context ? "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1 " : "", model_argument(model),
      plan.tensor_parallel, plan.pipeline_parallel, d.workload.context);
  if (s.mem_fraction_static) {
    flags += fmt::format(" --mem-fraction-static {}", *s.mem_fraction_static);
  }
  if (s.max_num_batched_tokens) {
    flags += fmt::format(" --chunked-prefill-size {}", *s.max_num_batched_tokens);
  }
  if (d.workload.kv_key.name == "fp8") {
    flags += " --kv-cache-dtype fp8_e4m3";
  }
  return flags;
}

std::string transformers_dtype(const WeightFormat& f) {
  if (f.name == "fp16") {
    return "torch_dtype=torch.float16";
  }
  if (f.name == "fp32") {
    return "torch_dtype=torch.float32";
  }
  if (f.name == "bnb-int8") {
    return "quantization_config=BitsAndBytesConfig(load_in_8bit=True)";
  }
  if (f.name.rfind("nf4", 0) == 0 || f.name.rfind("fp4", 0) == 0) {
    return fmt::format(
        "quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=\"{}\", "
        "bnb_4bit_use_double_quant={})",
        f.name.substr(0, 3), f.name.size() > 3 ? "True" : "False");
  }
  return "torch_dtype=torch.bfloat16";
}

std::string transformers_flags(const Plan& plan, const ModelSpec& model) {
  if (plan.strategy == PlanStrategy::cpu_only) {
    return fmt::format("AutoModelForCausalLM.from_pretrained(\"{}\", device_map=\"cpu\", {})",
                       model_argument(model), transformers_dtype(plan.deployment.format));
  }
  std::string memory;
  std::size_t gpu = 0;
  for (const auto& device : plan.devices) {
    if (device.kind == DeviceKind::gpu) {
      const std::uint64_t room =
          device.capacity_bytes > device.margin_bytes ? device.capacity_bytes - device.margin_bytes : 0;
      memory += fmt::format("{}{}: \"{}\"", memory.empty() ? "" : ", ", gpu++, gib_text(room));
    } else if (device.kind == DeviceKind::cpu && device.weights_bytes > 0) {
      memory += fmt::format(", \"cpu\": \"{}\"",
                            gib_text(device.capacity_bytes != 0 ? device.capacity_bytes
                                                                : device.weights_bytes));
    }
  }
  std::string flags = fmt::format(
      "AutoModelForCausalLM.from_pretrained(\"{}\", device_map=\"auto\", max_memory={{{}}}, {})",
      model_argument(model), memory, transformers_dtype(plan.deployment.format));
  if (plan.strategy == PlanStrategy::streamed_offload && plan.devices.back().kind == DeviceKind::disk) {
    flags.insert(flags.size() - 1, ", offload_folder=\"offload\"");
  }
  return flags;
}

// The engine's own flags for what is served beside the model.
std::string attachment_flags(const Attachments& a, EngineKind engine) {
  std::string flags;
  switch (engine) {
    case EngineKind::llama_cpp:
      // llama-server: --mmproj, -md (--model-draft), --lora (tools/server/README.md).
      if (a.projector) {
        flags += " --mmproj " + (a.projector->source == "vision_config" ? std::string("MMPROJ.gguf")
                                                                        : a.projector->source);
      }
      if (a.draft) {
        flags += " -md " + model_argument(*a.draft->model);
      }
      if (a.lora) {
        flags += " --lora " + (a.lora->source.empty() ? std::string("ADAPTER.gguf") : a.lora->source);
      }
      break;
    case EngineKind::vllm:
      // vLLM: --speculative-config (docs/features/spec_decode.md), --enable-lora --max-loras
      // --max-lora-rank (docs/features/lora.md).
      if (a.draft) {
        flags += fmt::format(" --speculative-config '{{\"model\": \"{}\", "
                             "\"num_speculative_tokens\": 5}}'",
                             model_argument(*a.draft->model));
      }
      if (a.lora) {
        flags += fmt::format(" --enable-lora --max-loras {} --max-lora-rank {}", a.lora->max_loras,
                             a.lora->rank);
      }
      break;
    case EngineKind::sglang:
      // SGLang: --speculative-draft-model-path, --enable-lora --max-loras-per-batch
      // --max-lora-rank (docs/advanced_features/server_arguments.md).
      if (a.draft) {
        flags += " --speculative-algorithm STANDALONE --speculative-draft-model-path " +
                 model_argument(*a.draft->model);
      }
      if (a.lora) {
        flags += fmt::format(" --enable-lora --max-loras-per-batch {} --max-lora-rank {}",
                             a.lora->max_loras, a.lora->rank);
      }
      break;
    default:
      break;
  }
  return flags;
}

std::string engine_command(const Plan& plan, const ModelSpec& model) {
  switch (plan.deployment.options.engine.kind) {
    case EngineKind::llama_cpp:
      return llama_cpp_flags(plan, model);
    case EngineKind::ollama:
      return ollama_flags(plan, model);
    case EngineKind::vllm:
      return vllm_flags(plan, model);
    case EngineKind::sglang:
      return sglang_flags(plan, model);
    case EngineKind::transformers:
      return transformers_flags(plan, model);
    case EngineKind::generic:
      break;
  }
  // The generic profile models no engine, so no engine's command would give its figures.
  return {};
}

}  // namespace

std::string engine_flags(const Plan& plan, const ModelSpec& model) {
  std::string command = engine_command(plan, model);
  if (!command.empty()) {
    command += attachment_flags(plan.deployment.attachments, plan.deployment.options.engine.kind);
  }
  return command;
}

}  // namespace vramcalc::plan_detail
