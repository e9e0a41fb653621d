#include "query_argv.hpp"

#include <fmt/format.h>

namespace vramcalc::cli {

namespace {

using Args = std::vector<std::string>;

void add(Args& args, const char* flag, const std::string& value) {
  args.emplace_back(flag);
  args.push_back(value);
}

std::string bytes_text(std::uint64_t bytes) {
  return std::to_string(bytes) + "B";
}

void add_precision(Args& args, const Request& request, const Deployment& d) {
  const WeightFormat default_format =
      default_weight_format(request.model, d.options.engine.kind, request.checkpoint_format);
  if (d.format.scheme != WeightScheme::as_stored && d.format.name != default_format.name) {
    add(args, "--dtype", d.format.name);
  }
  const Workload& w = d.workload;
  if (w.kv_key.name != "f16" || w.kv_value.name != "f16") {
    add(args, "--kv-dtype",
        w.kv_key.name == w.kv_value.name ? std::string(w.kv_key.name)
                                         : fmt::format("{},{}", w.kv_key.name, w.kv_value.name));
  }
  add(args, "--context", std::to_string(w.context));
  if (w.batch != 1) {
    add(args, "--batch", std::to_string(w.batch));
  }
  if (d.allow_long_context) {
    args.emplace_back("--allow-long-context");
  }
  if (d.options.overhead_bytes) {
    add(args, "--overhead", bytes_text(*d.options.overhead_bytes));
  }
}

void add_engine(Args& args, const EngineSettings& s) {
  if (s.kind == EngineKind::generic) {
    return;
  }
  add(args, "--engine", std::string(engine_name(s.kind)));
  if (s.ubatch) {
    add(args, "--ubatch", std::to_string(*s.ubatch));
  }
  if (s.n_batch) {
    add(args, "--n-batch", std::to_string(*s.n_batch));
  }
  if (s.n_outputs_max) {
    add(args, "--n-outputs-max", std::to_string(*s.n_outputs_max));
  }
  if (s.n_gpu_layers) {
    add(args, "--n-gpu-layers", std::to_string(*s.n_gpu_layers));
  }
  if (s.n_cpu_moe) {
    add(args, "--n-cpu-moe", std::to_string(*s.n_cpu_moe));
  }
  if (s.no_kv_offload) {
    args.emplace_back("--no-kv-offload");
  }
  if (s.flash_attn) {
    add(args, "--flash-attn",
        *s.flash_attn == FlashAttention::on    ? "on"
        : *s.flash_attn == FlashAttention::off ? "off"
                                               : "auto");
  }
  if (s.swa_full) {
    args.emplace_back("--swa-full");
  }
  if (s.kv_unified) {
    args.emplace_back("--kv-unified");
  }
  if (s.gpu_memory_utilization) {
    add(args, "--gpu-memory-utilization", fmt::format("{}", *s.gpu_memory_utilization));
  }
  if (s.mem_fraction_static) {
    add(args, "--mem-fraction-static", fmt::format("{}", *s.mem_fraction_static));
  }
  if (s.max_num_batched_tokens) {
    add(args, "--max-num-batched-tokens", std::to_string(*s.max_num_batched_tokens));
  }
  if (s.max_num_seqs) {
    add(args, "--max-num-seqs", std::to_string(*s.max_num_seqs));
  }
  if (s.block_size) {
    add(args, "--block-size", std::to_string(*s.block_size));
  }
  if (s.max_new_tokens) {
    add(args, "--max-new-tokens", std::to_string(*s.max_new_tokens));
  }
}

void add_cpu(Args& args, const Deployment& d) {
  if (d.cpu_only) {
    args.emplace_back("--cpu-only");
  }
  if (d.cpu) {
    if (d.cpu->id == "custom") {
      add(args, "--cpu-bandwidth", fmt::format("{}", d.cpu->bandwidth_gb_s));
    } else {
      add(args, "--cpu", d.cpu->id);
    }
  }
}

void add_hardware(Args& args, const ArgvContext& context, const Deployment& d) {
  add_cpu(args, d);
  if (d.gpus.empty()) {
    if (d.ram_bytes) {
      add(args, "--ram", bytes_text(*d.ram_bytes));
    }
    return;
  }
  const GpuSpec& first = d.gpus.front().gpu;
  if (first.usable_source == UsableMemorySource::user && first.id == custom_gpu(1).id) {
    add(args, "--vram", bytes_text(first.usable_bytes));
  } else {
    for (const GpuGroup& group : d.gpus) {
      add(args, "--gpu", group.gpu.id);
    }
    for (const std::string& file : context.gpu_db_files) {
      add(args, "--gpu-db", file);
    }
  }
  if (d.gpus.size() == 1 && d.gpus.front().count != 1) {
    add(args, "--gpus", std::to_string(d.gpus.front().count));
  }
  if (d.nodes != 1) {
    add(args, "--nodes", std::to_string(d.nodes));
  }
  if (d.mode != ParallelMode::automatic) {
    add(args, "--parallel-mode", d.mode == ParallelMode::tensor ? "tp" : "pp");
  }
  if (d.tensor_parallel > 0) {
    add(args, "--tp", std::to_string(d.tensor_parallel));
  }
  if (d.pipeline_parallel > 0) {
    add(args, "--pp", std::to_string(d.pipeline_parallel));
  }
  for (const GpuGroup& group : d.gpus) {
    if (group.gpu.form == "unified" && group.gpu.usable_source == UsableMemorySource::user) {
      add(args, "--unified-limit", bytes_text(group.gpu.usable_bytes));
      break;
    }
  }
  if (d.ram_bytes) {
    add(args, "--ram", bytes_text(*d.ram_bytes));
  }
  if (d.force_offload) {
    args.emplace_back(d.offload == OffloadKind::layers    ? "--offload=layers"
                      : d.offload == OffloadKind::experts ? "--offload=experts"
                                                          : "--offload");
  }
  if (d.margin.percent > 0) {
    add(args, "--margin", fmt::format("{}%", d.margin.percent));
  } else if (d.margin.bytes > 0) {
    add(args, "--margin", bytes_text(d.margin.bytes));
  }
}

// What is served beside the model, as the flags that named it.
void add_attachments(Args& args, const ModelSpec& model, const Attachments& a) {
  if (model.vision && !a.projector) {
    args.emplace_back("--text-only");
  }
  if (a.projector) {
    if (a.projector->source != "vision_config") {
      add(args, "--mmproj", a.projector->source);
    }
    add(args, "--image-tokens", std::to_string(a.projector->image_tokens));
  }
  if (a.draft) {
    add(args, "--draft", a.draft->source);
    add(args, "--draft-dtype", a.draft->format.name);
  }
  if (a.lora) {
    add(args, "--lora", a.lora->source.empty() ? std::to_string(a.lora->rank) : a.lora->source);
    if (!a.lora->source.empty()) {
      add(args, "--max-lora-rank", std::to_string(a.lora->rank));
    }
    add(args, "--max-loras", std::to_string(a.lora->max_loras));
  }
}

bool needs_quotes(const std::string& arg) {
  if (arg.empty()) {
    return true;
  }
  for (const char c : arg) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '/' || c == ',' || c == '=' ||
                       c == '%' || c == ':' || c == '+';
    if (!plain) {
      return true;
    }
  }
  return false;
}

}  // namespace

void add_source_args(std::vector<std::string>& args, const ModelSourceSpec& source,
                     const ModelSpec& model) {
  switch (source.kind) {
    case ModelSourceKind::params: {
      add(args, "--params", std::to_string(source.params));
      const ShapeOverrides& o = source.overrides;
      const auto shape = [&](const char* flag, const std::optional<std::uint32_t>& value) {
        if (value) {
          add(args, flag, std::to_string(*value));
        }
      };
      shape("--layers", o.layers);
      shape("--hidden", o.hidden);
      shape("--heads", o.heads);
      shape("--kv-heads", o.kv_heads);
      shape("--head-dim", o.head_dim);
      shape("--vocab", o.vocab);
      return;
    }
    case ModelSourceKind::catalog:
      add(args, "--model", model.source_detail);
      return;
    case ModelSourceKind::config:
      add(args, "--config", source.location);
      return;
    case ModelSourceKind::gguf:
      add(args, "--gguf", source.location);
      return;
    case ModelSourceKind::safetensors:
      add(args, "--safetensors", source.location);
      return;
    case ModelSourceKind::file:
      add(args, "--config", source.location);
      return;
    case ModelSourceKind::hub:
      add(args, "--hf", source.location);
      if (!source.hub_file.empty() || (model.hub && !model.hub->file.empty())) {
        // The file read, so that the command reads it again without --dtype to pick it.
        add(args, "--hf-file",
            source.hub_file.empty() ? model.hub->file : source.hub_file);
      }
      return;
    case ModelSourceKind::url:
      add(args, "--url", source.location);
      return;
  }
}

std::vector<std::string> query_argv(const ArgvContext& context, const Deployment& deployment) {
  Args args;
  add_source_args(args, context.request.source, context.request.model);
  add_precision(args, context.request, deployment);
  add_engine(args, deployment.options.engine);
  add_hardware(args, context, deployment);
  add_attachments(args, context.request.model, deployment.attachments);
  return args;
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string line = "vramcalc";
  for (const std::string& arg : argv) {
    line += ' ';
    if (!needs_quotes(arg)) {
      line += arg;
      continue;
    }
    line += '\'';
    for (const char c : arg) {
      line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    line += '\'';
  }
  return line;
}

}  // namespace vramcalc::cli
