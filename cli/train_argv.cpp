#include "train_argv.hpp"

#include <fmt/format.h>

#include "query_argv.hpp"

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

void add_method(Args& args, const TrainingDeployment& d) {
  if (d.format.name != default_training_format(d.method, d.precision).name) {
    add(args, "--dtype", d.format.name);
  }
  if (d.method != TrainMethod::full) {
    add(args, "--method", train_method_name(d.method));
    add(args, "--lora-rank", std::to_string(d.lora.rank));
    add(args, "--lora-alpha", fmt::format("{}", d.lora.alpha));
    std::string targets;
    for (const auto& t : d.lora.targets) {
      targets += (targets.empty() ? "" : ",") + t;
    }
    add(args, "--lora-targets", targets);
    if (d.lora.dropout > 0) {
      add(args, "--lora-dropout", fmt::format("{}", d.lora.dropout));
    }
  }
  if (d.optimizer != OptimizerKind::adamw) {
    add(args, "--optimizer", optimizer_name(d.optimizer));
  }
  if (d.precision != TrainPrecision::bf16_mixed) {
    add(args, "--precision", train_precision_name(d.precision));
  }
  if (d.optimizer_in_backward) {
    args.emplace_back("--optimizer-in-backward");
  }
}

void add_workload(Args& args, const TrainingDeployment& d) {
  if (d.micro_batch != 1) {
    add(args, "--micro-batch", std::to_string(d.micro_batch));
  }
  add(args, "--seq-len", std::to_string(d.seq_len));
  if (d.grad_accum != 1) {
    add(args, "--grad-accum", std::to_string(d.grad_accum));
  }
  if (d.checkpointing != Checkpointing::none) {
    add(args, "--grad-checkpointing", checkpointing_name(d.checkpointing));
  }
  if (!d.flash_attention) {
    add(args, "--flash-attn", "off");
  }
  if (d.packed) {
    args.emplace_back("--packed");
  }
  if (d.loss != LossKind::standard) {
    add(args, "--loss", loss_kind_name(d.loss));
  }
  if (d.compile) {
    args.emplace_back("--compile");
  }
  if (d.cuda_context_bytes) {
    add(args, "--overhead", bytes_text(*d.cuda_context_bytes));
  }
}

void add_hardware(Args& args, const TrainArgvContext& context, const TrainingDeployment& d) {
  if (d.ram_bytes) {
    add(args, "--ram", bytes_text(*d.ram_bytes));
  }
  if (d.gpus.empty()) {
    return;
  }
  const GpuSpec& card = d.gpus.front().gpu;
  if (card.usable_source == UsableMemorySource::user) {
    add(args, "--vram", bytes_text(card.usable_bytes));
  } else {
    add(args, "--gpu", card.id);
    for (const std::string& file : context.gpu_db_files) {
      add(args, "--gpu-db", file);
    }
  }
  if (d.gpus.front().count != 1) {
    add(args, "--gpus", std::to_string(d.gpus.front().count));
  }
  if (d.nodes != 1) {
    add(args, "--nodes", std::to_string(d.nodes));
  }
  add(args, "--parallelism", parallelism_name(d.parallelism));
  if (d.offload_params) {
    args.emplace_back("--offload-params");
  } else if (d.offload_optimizer) {
    args.emplace_back("--offload-optimizer");
  }
  if (d.margin.percent > 0) {
    add(args, "--margin", fmt::format("{}%", d.margin.percent));
  } else if (d.margin.bytes > 0) {
    add(args, "--margin", bytes_text(d.margin.bytes));
  }
}

}  // namespace

std::vector<std::string> train_query_argv(const TrainArgvContext& context,
                                          const TrainingDeployment& deployment) {
  Args args = {"train"};
  add_source_args(args, context.request.source, context.request.model);
  add_method(args, deployment);
  add_workload(args, deployment);
  add_hardware(args, context, deployment);
  return args;
}

}  // namespace vramcalc::cli
