// What a training deployment may ask: each refusal names the flag to change.
#include <string>

#include "train/train_internal.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/workload.hpp"

namespace vramcalc::train_detail {

namespace {

[[noreturn]] void refuse(ErrorKind kind, const std::string& what, const std::string& hint) {
  throw Error(kind, what, hint);
}

void validate_workload(const TrainingDeployment& d) {
  if (d.micro_batch == 0 || d.micro_batch > k_max_training_micro_batch) {
    refuse(ErrorKind::input, "--micro-batch must be between 1 and " +
                                 std::to_string(k_max_training_micro_batch),
           "sequences per GPU per step, e.g. --micro-batch 4");
  }
  if (d.seq_len == 0 || d.seq_len > k_max_context_tokens) {
    refuse(ErrorKind::input, "--seq-len must be between 1 and 10^8 tokens",
           "tokens per training sequence, e.g. --seq-len 4096");
  }
  if (d.micro_batch * d.seq_len > k_max_training_tokens) {
    refuse(ErrorKind::input, "--micro-batch x --seq-len is above 2^32 tokens per micro-batch",
           "lower --micro-batch and raise --grad-accum");
  }
  if (d.grad_accum == 0 || d.grad_accum > k_max_training_grad_accum) {
    refuse(ErrorKind::input, "--grad-accum must be between 1 and 10^6", "e.g. --grad-accum 8");
  }
}

void validate_method(const ModelSpec& model, const TrainingDeployment& d) {
  const WeightFormat& f = d.format;
  const bool float_format = f.scheme == WeightScheme::uniform_bits && (f.bits == 16 || f.bits == 32);
  switch (d.method) {
    case TrainMethod::full:
      if (!float_format) {
        refuse(ErrorKind::usage,
               "full fine-tuning trains every weight, which " + f.name + " cannot store",
               "use --dtype bf16, fp16 or fp32, or --method lora / qlora for a quantized base");
      }
      break;
    case TrainMethod::qlora:
      if (f.scheme != WeightScheme::linear_quant || f.bits != 4) {
        refuse(ErrorKind::usage, "QLoRA trains adapters on 4-bit weights, not " + f.name,
               "use --dtype nf4 or nf4-dq (the default is nf4), or --method lora");
      }
      break;
    case TrainMethod::lora:
      if (!float_format && f.scheme != WeightScheme::linear_quant) {
        refuse(ErrorKind::usage, "LoRA needs a base a training framework loads, not " + f.name,
               "use --dtype bf16, fp16, fp32, bnb-int8 or nf4");
      }
      break;
  }
  if (d.method == TrainMethod::full) {
    if (d.precision == TrainPrecision::bf16 && f.bits != 16) {
      refuse(ErrorKind::usage, "--precision bf16 trains bf16 weights, not " + f.name,
             "use --dtype bf16, or --precision bf16-mixed for fp32 weights under autocast");
    }
    if (d.precision == TrainPrecision::fp32 && f.bits != 32) {
      refuse(ErrorKind::usage, "--precision fp32 trains fp32 weights, not " + f.name,
             "use --dtype fp32, or --precision bf16-mixed");
    }
    return;
  }
  const LoraSettings& lora = d.lora;
  if (lora.rank == 0) {
    refuse(ErrorKind::input, "--lora-rank must be at least 1",
           "ranks of 8 to 64 are usual, e.g. --lora-rank 16");
  }
  if (lora.rank > model.hidden) {
    refuse(ErrorKind::input,
           "--lora-rank " + std::to_string(lora.rank) + " is above the model's hidden size " +
               std::to_string(model.hidden),
           "a low-rank adapter needs a rank below the hidden size; try --lora-rank 16");
  }
  if (!(lora.dropout >= 0 && lora.dropout < 1)) {
    refuse(ErrorKind::input, "--lora-dropout must be at least 0 and below 1", "e.g. 0.05");
  }
  if (lora.targets.empty()) {
    refuse(ErrorKind::input, "--lora-targets names no module", "e.g. --lora-targets all-linear");
  }
}

void validate_hardware(const TrainingDeployment& d) {
  if (d.gpus.size() > 1) {
    refuse(ErrorKind::usage, "training shards over identical GPUs, but --gpu names several",
           "name one card with --gpu and count them with --gpus");
  }
  const std::uint32_t gpus = training_gpus(d);
  if (d.parallelism == TrainParallelism::single && gpus > 1) {
    refuse(ErrorKind::usage, "--parallelism single trains on one GPU, but " +
                                 std::to_string(gpus) + " are given",
           "use --parallelism ddp, zero1, zero2, zero3, fsdp, fsdp-grad-op or fsdp-hybrid");
  }
  const bool sharded = d.parallelism != TrainParallelism::single &&
                       d.parallelism != TrainParallelism::ddp;
  if ((d.offload_optimizer || d.offload_params) && !sharded) {
    refuse(ErrorKind::usage, "CPU offload needs ZeRO or FSDP",
           "add --parallelism zero2, zero3 or fsdp (ZeRO-3 with offload on one GPU is "
           "ZeRO-Infinity)");
  }
  if (d.offload_params && !shards_parameters(d.parallelism)) {
    refuse(ErrorKind::usage, "--offload-params needs sharded parameters",
           "use --parallelism zero3, fsdp or fsdp-hybrid");
  }
  const bool fsdp = d.parallelism == TrainParallelism::fsdp ||
                    d.parallelism == TrainParallelism::fsdp_grad_op ||
                    d.parallelism == TrainParallelism::fsdp_hybrid;
  if (fsdp && d.offload_optimizer && !d.offload_params) {
    refuse(ErrorKind::usage,
           "FSDP offloads parameters, gradients and optimizer state together",
           "use --offload-params (FSDP's CPUOffload(offload_params=True))");
  }
  if (d.optimizer_in_backward) {
    if (deepspeed_parallelism(d.parallelism)) {
      refuse(ErrorKind::usage, "DeepSpeed steps its own optimizer after backward",
             "drop --optimizer-in-backward, or use --parallelism single, ddp or fsdp");
    }
    if (d.grad_accum > 1) {
      refuse(ErrorKind::usage,
             "--optimizer-in-backward steps every micro-batch: no gradient accumulation",
             "drop --grad-accum or --optimizer-in-backward");
    }
  }
}

}  // namespace

void validate_deployment(const ModelSpec& model, const TrainingDeployment& d) {
  validate_workload(d);
  validate_method(model, d);
  validate_hardware(d);
}

}  // namespace vramcalc::train_detail
