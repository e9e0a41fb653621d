// Ready-to-run hints: the settings of torchtune, TRL + PEFT (transformers' Trainer), DeepSpeed
// and accelerate's FSDP plugin that run a training plan, as each spells them (torchtune
// recipes/configs, trl SFTConfig, peft LoraConfig, DeepSpeed's JSON config, accelerate's
// FSDP config keys).
#include <fmt/format.h>

#include "train/train_internal.hpp"

namespace vramcalc {

namespace {

bool mixed(TrainPrecision p) {
  return p == TrainPrecision::bf16_mixed || p == TrainPrecision::fp16_mixed;
}

std::string targets_list(const LoraSettings& lora, const char* quote) {
  std::string out;
  for (const auto& t : lora.targets) {
    out += (out.empty() ? "" : ", ") + std::string(quote) + t + quote;
  }
  return out;
}

const char* trl_optimizer(OptimizerKind optimizer) {
  switch (optimizer) {
    case OptimizerKind::adamw: return "adamw_torch_fused";
    case OptimizerKind::adamw_8bit: return "adamw_bnb_8bit";
    case OptimizerKind::paged_adamw_8bit: return "paged_adamw_8bit";
    case OptimizerKind::adafactor: return "adafactor";
    case OptimizerKind::sgd: return "sgd";
    case OptimizerKind::lion: return "lion_32bit";
  }
  return "adamw_torch";
}

std::string torchtune_hint(const TrainingPlan& plan) {
  const TrainingDeployment& d = plan.deployment;
  const bool distributed = training_gpus(d) > 1 || d.parallelism != TrainParallelism::single;
  const char* recipe = d.method == TrainMethod::full
                           ? (distributed ? "full_finetune_distributed" : "full_finetune_single_device")
                           : (distributed ? "lora_finetune_distributed" : "lora_finetune_single_device");
  std::string s = distributed ? fmt::format("tune run --nproc_per_node {} {}", d.gpus.front().count, recipe)
                              : fmt::format("tune run {}", recipe);
  s += fmt::format(" batch_size={} gradient_accumulation_steps={} tokenizer.max_seq_len={}",
                   d.micro_batch, d.grad_accum, d.seq_len);
  s += fmt::format(" dtype={}", d.precision == TrainPrecision::fp32 ? "fp32" : "bf16");
  s += fmt::format(" enable_activation_checkpointing={}",
                   d.checkpointing == Checkpointing::full ? "True" : "False");
  if (d.packed) {
    s += " dataset.packed=True";
  }
  if (d.compile) {
    s += " compile=True";
  }
  if (d.loss == LossKind::chunked) {
    s += " loss._component_=torchtune.modules.loss.CEWithChunkedOutputLoss";
  }
  if (d.optimizer == OptimizerKind::adamw_8bit) {
    s += " optimizer._component_=bitsandbytes.optim.AdamW8bit";
  } else if (d.optimizer == OptimizerKind::paged_adamw_8bit) {
    s += " optimizer._component_=bitsandbytes.optim.PagedAdamW8bit";
  } else if (d.optimizer == OptimizerKind::adamw) {
    s += " optimizer.fused=True";
  }
  if (d.optimizer_in_backward) {
    s += " optimizer_in_bwd=True";
  }
  if (d.offload_params) {
    s += " fsdp_cpu_offload=True";
  }
  if (d.method != TrainMethod::full) {
    s += fmt::format(" model.lora_rank={} model.lora_alpha={:g}", d.lora.rank, d.lora.alpha);
    if (d.method == TrainMethod::qlora) {
      s += " (the model's qlora_* builder)";
    }
  }
  return s;
}

std::string trl_hint(const TrainingPlan& plan) {
  const TrainingDeployment& d = plan.deployment;
  std::string s = fmt::format(
      "SFTConfig(per_device_train_batch_size={}, gradient_accumulation_steps={}, max_length={}, "
      "packing={}, gradient_checkpointing={}, {}, optim=\"{}\"",
      d.micro_batch, d.grad_accum, d.seq_len, d.packed ? "True" : "False",
      d.checkpointing == Checkpointing::full ? "True" : "False",
      d.precision == TrainPrecision::fp16_mixed ? "fp16=True"
      : d.precision == TrainPrecision::fp32     ? "bf16=False"
                                                : "bf16=True",
      trl_optimizer(d.optimizer));
  if (d.loss == LossKind::fused || d.compile) {
    s += ", use_liger_kernel=True";
  }
  s += ")";
  if (d.method != TrainMethod::full) {
    s += fmt::format("; LoraConfig(r={}, lora_alpha={:g}, lora_dropout={:g}, target_modules={})",
                     d.lora.rank, d.lora.alpha, d.lora.dropout,
                     d.lora.targets.size() == 1 && d.lora.targets.front() == "all-linear"
                         ? std::string("\"all-linear\"")
                         : "[" + targets_list(d.lora, "\"") + "]");
  }
  if (d.method == TrainMethod::qlora || d.format.scheme == WeightScheme::linear_quant) {
    if (d.format.bits == 4) {
      s += fmt::format("; BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=\"{}\", "
                       "bnb_4bit_use_double_quant={}, bnb_4bit_compute_dtype=torch.bfloat16{})",
                       d.format.name.rfind("fp4", 0) == 0 ? "fp4" : "nf4",
                       d.format.scales_per_second_level > 0 ? "True" : "False",
                       shards_parameters(d.parallelism) ? ", bnb_4bit_quant_storage=torch.bfloat16"
                                                        : "");
    } else {
      s += "; BitsAndBytesConfig(load_in_8bit=True)";
    }
  }
  if (training_gpus(d) > 1 || d.parallelism != TrainParallelism::single) {
    s += fmt::format("; accelerate launch --num_processes {} --num_machines {}", training_gpus(d),
                     d.nodes);
  }
  return s;
}

std::string deepspeed_hint(const TrainingPlan& plan) {
  const TrainingDeployment& d = plan.deployment;
  const int stage = d.parallelism == TrainParallelism::zero1   ? 1
                    : d.parallelism == TrainParallelism::zero2 ? 2
                                                               : 3;
  std::string zero = fmt::format("\"stage\": {}", stage);
  if (d.offload_optimizer || d.offload_params) {
    zero += ", \"offload_optimizer\": {\"device\": \"cpu\", \"pin_memory\": true}";
  }
  if (d.offload_params) {
    zero += ", \"offload_param\": {\"device\": \"cpu\", \"pin_memory\": true}";
  }
  std::string precision;
  if (d.precision == TrainPrecision::bf16_mixed || d.precision == TrainPrecision::bf16) {
    precision = ", \"bf16\": {\"enabled\": true}";
  } else if (d.precision == TrainPrecision::fp16_mixed) {
    precision = ", \"fp16\": {\"enabled\": true}";
  }
  return fmt::format(
      "{{\"train_micro_batch_size_per_gpu\": {}, \"gradient_accumulation_steps\": {}{}, "
      "\"zero_optimization\": {{{}}}}}",
      d.micro_batch, d.grad_accum, precision, zero);
}

std::string fsdp_hint(const TrainingPlan& plan) {
  const TrainingDeployment& d = plan.deployment;
  const char* strategy = d.parallelism == TrainParallelism::fsdp_grad_op ? "SHARD_GRAD_OP"
                         : d.parallelism == TrainParallelism::fsdp_hybrid ? "HYBRID_SHARD"
                                                                          : "FULL_SHARD";
  return fmt::format(
      "fsdp_sharding_strategy: {}, fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP, "
      "fsdp_offload_params: {}, fsdp_activation_checkpointing: {}, mixed_precision: {}",
      strategy, d.offload_params ? "true" : "false",
      d.checkpointing == Checkpointing::full ? "true" : "false",
      d.precision == TrainPrecision::fp16_mixed ? "fp16"
      : mixed(d.precision)                      ? "bf16"
                                                : "no");
}

}  // namespace

std::vector<FrameworkHint> training_hints(const TrainingPlan& plan, const ModelSpec& /*model*/) {
  const TrainingDeployment& d = plan.deployment;
  std::vector<FrameworkHint> hints;
  // torchtune trains in pure bf16 or fp32, on one device or with FSDP.
  const bool torchtune_precision =
      d.precision == TrainPrecision::bf16 || d.precision == TrainPrecision::fp32;
  const bool torchtune_layout = d.parallelism == TrainParallelism::single ||
                                d.parallelism == TrainParallelism::fsdp;
  if (torchtune_precision && torchtune_layout && !(d.offload_params && training_gpus(d) == 1)) {
    hints.push_back({"torchtune", torchtune_hint(plan)});
  }
  hints.push_back({"TRL + PEFT", trl_hint(plan)});
  if (deepspeed_parallelism(d.parallelism)) {
    hints.push_back({"DeepSpeed", deepspeed_hint(plan)});
  }
  if (d.parallelism == TrainParallelism::fsdp || d.parallelism == TrainParallelism::fsdp_grad_op ||
      d.parallelism == TrainParallelism::fsdp_hybrid) {
    hints.push_back({"accelerate FSDP", fsdp_hint(plan)});
  }
  return hints;
}

}  // namespace vramcalc
