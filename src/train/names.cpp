// Names of the training settings, and their parsers with "did you mean".
#include <algorithm>
#include <cctype>
#include <utility>

#include "vramcalc/error.hpp"
#include "vramcalc/spelling.hpp"
#include "vramcalc/train.hpp"

namespace vramcalc {

namespace {

template <typename T>
using Table = std::vector<std::pair<std::string_view, T>>;

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// `names` lists the canonical names first (shown in the hint), then aliases.
template <typename T>
T parse_name(std::string_view raw, std::string_view flag, const Table<T>& names,
             std::size_t canonical) {
  const std::string name = lowercase(raw);
  for (const auto& [spelling, value] : names) {
    if (spelling == name) {
      return value;
    }
  }
  std::vector<std::string> spellings;
  std::string valid;
  for (std::size_t i = 0; i < names.size(); ++i) {
    spellings.emplace_back(names[i].first);
    if (i < canonical) {
      valid += (valid.empty() ? "" : ", ") + std::string(names[i].first);
    }
  }
  const auto suggestion = closest_name(name, spellings);
  throw Error(ErrorKind::input,
              "unknown " + std::string(flag) + " '" + std::string(raw) + "'",
              (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) + "use one of " +
                  valid);
}

}  // namespace

const char* train_method_name(TrainMethod method) {
  switch (method) {
    case TrainMethod::full: return "full";
    case TrainMethod::lora: return "lora";
    case TrainMethod::qlora: return "qlora";
  }
  return "?";
}

const char* train_precision_name(TrainPrecision precision) {
  switch (precision) {
    case TrainPrecision::bf16_mixed: return "bf16-mixed";
    case TrainPrecision::bf16: return "bf16";
    case TrainPrecision::fp16_mixed: return "fp16-mixed";
    case TrainPrecision::fp32: return "fp32";
  }
  return "?";
}

const char* optimizer_name(OptimizerKind optimizer) {
  switch (optimizer) {
    case OptimizerKind::adamw: return "adamw";
    case OptimizerKind::adamw_8bit: return "adamw-8bit";
    case OptimizerKind::paged_adamw_8bit: return "paged-adamw-8bit";
    case OptimizerKind::adafactor: return "adafactor";
    case OptimizerKind::sgd: return "sgd";
    case OptimizerKind::lion: return "lion";
  }
  return "?";
}

const char* checkpointing_name(Checkpointing checkpointing) {
  switch (checkpointing) {
    case Checkpointing::none: return "none";
    case Checkpointing::selective: return "selective";
    case Checkpointing::full: return "full";
  }
  return "?";
}

const char* loss_kind_name(LossKind loss) {
  switch (loss) {
    case LossKind::standard: return "standard";
    case LossKind::chunked: return "chunked";
    case LossKind::fused: return "fused";
  }
  return "?";
}

const char* parallelism_name(TrainParallelism parallelism) {
  switch (parallelism) {
    case TrainParallelism::single: return "single";
    case TrainParallelism::ddp: return "ddp";
    case TrainParallelism::zero1: return "zero1";
    case TrainParallelism::zero2: return "zero2";
    case TrainParallelism::zero3: return "zero3";
    case TrainParallelism::fsdp: return "fsdp";
    case TrainParallelism::fsdp_grad_op: return "fsdp-grad-op";
    case TrainParallelism::fsdp_hybrid: return "fsdp-hybrid";
  }
  return "?";
}

const char* training_change_name(TrainingChange change) {
  switch (change) {
    case TrainingChange::gradient_checkpointing: return "gradient_checkpointing";
    case TrainingChange::smaller_micro_batch: return "smaller_micro_batch";
    case TrainingChange::optimizer_8bit: return "optimizer_8bit";
    case TrainingChange::lora: return "lora";
    case TrainingChange::qlora: return "qlora";
    case TrainingChange::sharding: return "sharding";
    case TrainingChange::offload: return "offload";
    case TrainingChange::more_gpus: return "more_gpus";
  }
  return "?";
}

const char* training_phase_name(TrainingPhase phase) {
  return phase == TrainingPhase::forward_backward ? "forward_backward" : "optimizer_step";
}

TrainMethod parse_train_method(std::string_view name, std::string_view flag) {
  static const Table<TrainMethod> names = {
      {"full", TrainMethod::full}, {"lora", TrainMethod::lora}, {"qlora", TrainMethod::qlora},
      {"full-finetune", TrainMethod::full}, {"fft", TrainMethod::full}};
  return parse_name(name, flag, names, 3);
}

TrainPrecision parse_train_precision(std::string_view name, std::string_view flag) {
  static const Table<TrainPrecision> names = {
      {"bf16-mixed", TrainPrecision::bf16_mixed}, {"bf16", TrainPrecision::bf16},
      {"fp16-mixed", TrainPrecision::fp16_mixed}, {"fp32", TrainPrecision::fp32},
      {"bf16_mixed", TrainPrecision::bf16_mixed}, {"bf16-true", TrainPrecision::bf16},
      {"pure-bf16", TrainPrecision::bf16},        {"fp16_mixed", TrainPrecision::fp16_mixed},
      {"16-mixed", TrainPrecision::fp16_mixed},   {"32-true", TrainPrecision::fp32},
      {"float32", TrainPrecision::fp32}};
  return parse_name(name, flag, names, 4);
}

OptimizerKind parse_optimizer(std::string_view name, std::string_view flag) {
  static const Table<OptimizerKind> names = {
      {"adamw", OptimizerKind::adamw},
      {"adamw-8bit", OptimizerKind::adamw_8bit},
      {"paged-adamw-8bit", OptimizerKind::paged_adamw_8bit},
      {"adafactor", OptimizerKind::adafactor},
      {"sgd", OptimizerKind::sgd},
      {"lion", OptimizerKind::lion},
      {"adam", OptimizerKind::adamw},
      {"adamw_torch", OptimizerKind::adamw},
      {"adamw_torch_fused", OptimizerKind::adamw},
      {"adamw_8bit", OptimizerKind::adamw_8bit},
      {"adamw8bit", OptimizerKind::adamw_8bit},
      {"adamw_bnb_8bit", OptimizerKind::adamw_8bit},
      {"paged_adamw_8bit", OptimizerKind::paged_adamw_8bit},
      {"pagedadamw8bit", OptimizerKind::paged_adamw_8bit}};
  return parse_name(name, flag, names, 6);
}

Checkpointing parse_checkpointing(std::string_view name, std::string_view flag) {
  static const Table<Checkpointing> names = {{"none", Checkpointing::none},
                                             {"selective", Checkpointing::selective},
                                             {"full", Checkpointing::full},
                                             {"off", Checkpointing::none},
                                             {"on", Checkpointing::full}};
  return parse_name(name, flag, names, 3);
}

LossKind parse_loss_kind(std::string_view name, std::string_view flag) {
  static const Table<LossKind> names = {{"standard", LossKind::standard},
                                        {"chunked", LossKind::chunked},
                                        {"fused", LossKind::fused}};
  return parse_name(name, flag, names, 3);
}

TrainParallelism parse_parallelism(std::string_view name, std::string_view flag) {
  static const Table<TrainParallelism> names = {
      {"single", TrainParallelism::single},
      {"ddp", TrainParallelism::ddp},
      {"zero1", TrainParallelism::zero1},
      {"zero2", TrainParallelism::zero2},
      {"zero3", TrainParallelism::zero3},
      {"fsdp", TrainParallelism::fsdp},
      {"fsdp-grad-op", TrainParallelism::fsdp_grad_op},
      {"fsdp-hybrid", TrainParallelism::fsdp_hybrid},
      {"zero-1", TrainParallelism::zero1},
      {"zero-2", TrainParallelism::zero2},
      {"zero-3", TrainParallelism::zero3},
      {"full_shard", TrainParallelism::fsdp},
      {"shard_grad_op", TrainParallelism::fsdp_grad_op},
      {"hybrid_shard", TrainParallelism::fsdp_hybrid}};
  return parse_name(name, flag, names, 8);
}

bool shards_parameters(TrainParallelism parallelism) {
  return parallelism == TrainParallelism::zero3 || parallelism == TrainParallelism::fsdp ||
         parallelism == TrainParallelism::fsdp_hybrid;
}

bool deepspeed_parallelism(TrainParallelism parallelism) {
  return parallelism == TrainParallelism::zero1 || parallelism == TrainParallelism::zero2 ||
         parallelism == TrainParallelism::zero3;
}

std::uint32_t training_gpus(const TrainingDeployment& deployment) {
  if (deployment.gpus.empty()) {
    return 1;
  }
  return deployment.gpus.front().count * deployment.nodes;
}

}  // namespace vramcalc
