// Training recommendations: a search over training deployments, each planned by the same
// TrainingPlanner. Kinds in the order of how little they change the run — activation
// checkpointing, a smaller micro-batch, an 8-bit optimizer, LoRA, QLoRA, sharding, offload,
// more GPUs — each with the fewest cheaper changes (checkpointing, micro-batch 1) that make it
// fit. docs/formulas.md, "Training: recommendations".
#include <algorithm>

#include <fmt/format.h>

#include "train/train_internal.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

namespace {

using Change = TrainingChange;

// GPUs the more-GPUs recommendation tries at most (per node).
constexpr std::uint32_t k_max_recommended_gpus = 64;

bool is_fsdp(TrainParallelism p) {
  return p == TrainParallelism::fsdp || p == TrainParallelism::fsdp_grad_op ||
         p == TrainParallelism::fsdp_hybrid;
}

// The parameter-sharding strategy of the deployment's family: DeepSpeed stays DeepSpeed,
// PyTorch (single, DDP, FSDP) goes to FSDP.
TrainParallelism full_sharding(TrainParallelism p) {
  if (deepspeed_parallelism(p)) {
    return TrainParallelism::zero3;
  }
  return p == TrainParallelism::fsdp_hybrid ? p : TrainParallelism::fsdp;
}

class Search {
 public:
  Search(const TrainingPlanner& planner, const TrainingPlan& current)
      : m_planner(planner), m_base(current.deployment) {}

  // The plan for `d`, or nullopt when the planner refuses it.
  std::optional<TrainingPlan> try_plan(const TrainingDeployment& d) const {
    try {
      return m_planner.plan(d);
    } catch (const Error&) {
      return std::nullopt;
    }
  }

  // `d` with a cheaper helper change applied; false when it changes nothing.
  bool apply(TrainingDeployment& d, Change helper) const {
    switch (helper) {
      case Change::gradient_checkpointing:
        if (d.checkpointing == Checkpointing::full) {
          return false;
        }
        d.checkpointing = Checkpointing::full;
        return true;
      case Change::smaller_micro_batch:
        if (d.micro_batch == 1 || d.optimizer_in_backward ||
            d.grad_accum > k_max_training_grad_accum / d.micro_batch) {
          return false;
        }
        d.grad_accum = checked_mul(d.grad_accum, d.micro_batch, "accumulation");
        d.micro_batch = 1;
        return true;
      default:
        return false;
    }
  }

  // The first of: `d`, `d` + checkpointing, + micro-batch 1, that fits.
  std::optional<TrainingRecommendation> with_helpers(Change kind, TrainingDeployment d) const {
    TrainingRecommendation rec;
    rec.kind = kind;
    rec.changes = {kind};
    for (const Change helper : {Change::gradient_checkpointing, Change::smaller_micro_batch}) {
      if (auto plan = try_plan(d); plan && plan->fits) {
        rec.plan = std::move(*plan);
        return rec;
      }
      if (helper != kind && apply(d, helper)) {
        rec.changes.push_back(helper);
      }
    }
    if (auto plan = try_plan(d); plan && plan->fits) {
      rec.plan = std::move(*plan);
      return rec;
    }
    return std::nullopt;
  }

  // The fewest GPUs per node (2..limit) that fit `d`, with the fewest helpers.
  std::optional<TrainingRecommendation> fewest_gpus(TrainingDeployment d) const {
    std::optional<TrainingRecommendation> best;
    std::vector<Change> changes = {Change::more_gpus};
    for (int round = 0; round < 3; ++round) {
      if (round == 1 && !apply(d, Change::gradient_checkpointing)) {
        continue;
      }
      if (round == 1) {
        changes.push_back(Change::gradient_checkpointing);
      }
      if (round == 2) {
        if (!apply(d, Change::smaller_micro_batch)) {
          continue;
        }
        changes.push_back(Change::smaller_micro_batch);
      }
      const std::uint32_t start = m_base.gpus.front().count + 1;
      const std::uint32_t limit =
          best ? best->plan.deployment.gpus.front().count - 1 : k_max_recommended_gpus;
      for (std::uint32_t n = start; n <= limit; ++n) {
        TrainingDeployment more = d;
        more.gpus.front().count = n;
        if (auto plan = try_plan(more); plan && plan->fits) {
          best = TrainingRecommendation{Change::more_gpus, changes, std::move(*plan), {}};
          break;
        }
      }
    }
    return best;
  }

  [[nodiscard]] const TrainingDeployment& base() const { return m_base; }

 private:
  const TrainingPlanner& m_planner;
  TrainingDeployment m_base;
};

std::string note_for(const TrainingRecommendation& rec, const ModelSpec& model) {
  const TrainingPlan& p = rec.plan;
  const TrainingDeployment& d = p.deployment;
  switch (rec.kind) {
    case Change::gradient_checkpointing:
      return "recomputes each layer's forward in backward: about a third more compute";
    case Change::smaller_micro_batch:
      return fmt::format("micro-batch 1 x {} accumulation steps keeps the global batch",
                         d.grad_accum);
    case Change::optimizer_8bit:
      return "bitsandbytes 8-bit AdamW: two 1-byte states per parameter, quality as 32-bit";
    case Change::lora:
      return fmt::format("trains {:.2f}% of the parameters (rank {}); the base stays frozen",
                         100.0 * static_cast<double>(p.trainable_params) /
                             static_cast<double>(std::max<std::uint64_t>(model.total_params, 1)),
                         d.lora.rank);
    case Change::qlora:
      return fmt::format("{} base weights: dequantized for every matmul (slower), a little "
                         "quality lost",
                         d.format.name);
    case Change::sharding:
      return fmt::format("{} over the {} GPUs: more communication per step",
                         parallelism_name(d.parallelism), training_gpus(d));
    case Change::offload:
      return fmt::format("optimizer step on the CPU: slower steps; {:.1f} GB of host RAM per node",
                         to_gb(p.host_bytes));
    case Change::more_gpus:
      return fmt::format("{} GPUs with {}", training_gpus(d), parallelism_name(d.parallelism));
  }
  return {};
}

}  // namespace

std::vector<TrainingRecommendation> recommend_training(const TrainingPlanner& planner,
                                                       const TrainingPlan& current) {
  std::vector<TrainingRecommendation> out;
  const TrainingDeployment& base = current.deployment;
  if (current.fits || base.gpus.empty()) {
    return out;
  }
  const Search search(planner, current);
  const auto add = [&](std::optional<TrainingRecommendation> rec) {
    if (!rec) {
      return;
    }
    for (const auto& seen : out) {
      if (seen.plan.per_gpu_bytes == rec->plan.per_gpu_bytes &&
          seen.plan.host_bytes == rec->plan.host_bytes && seen.changes == rec->changes) {
        return;
      }
    }
    rec->note = note_for(*rec, planner.model());
    out.push_back(std::move(*rec));
  };
  // 1. Activation checkpointing.
  if (base.checkpointing != Checkpointing::full) {
    TrainingDeployment d = base;
    d.checkpointing = Checkpointing::full;
    add(search.with_helpers(Change::gradient_checkpointing, d));
  }
  // 2. A smaller micro-batch, the same global batch.
  if (TrainingDeployment d = base; search.apply(d, Change::smaller_micro_batch)) {
    add(search.with_helpers(Change::smaller_micro_batch, d));
  }
  // 3. An 8-bit optimizer.
  if (base.optimizer == OptimizerKind::adamw) {
    TrainingDeployment d = base;
    d.optimizer = OptimizerKind::adamw_8bit;
    add(search.with_helpers(Change::optimizer_8bit, d));
  }
  // 4. LoRA (its defaults) instead of full fine-tuning.
  if (base.method == TrainMethod::full) {
    TrainingDeployment d = base;
    d.method = TrainMethod::lora;
    d.lora = LoraSettings{};
    d.format = default_training_format(TrainMethod::lora, d.precision);
    add(search.with_helpers(Change::lora, d));
  }
  // 5. QLoRA.
  if (base.method != TrainMethod::qlora) {
    TrainingDeployment d = base;
    if (d.method == TrainMethod::full) {
      d.lora = LoraSettings{};
    }
    d.method = TrainMethod::qlora;
    d.format = default_training_format(TrainMethod::qlora, d.precision);
    add(search.with_helpers(Change::qlora, d));
  }
  const std::uint32_t gpus = training_gpus(base);
  // 6. Sharding over the same GPUs: the next stage of the family, then parameter sharding.
  if (gpus > 1 && !shards_parameters(base.parallelism)) {
    std::vector<TrainParallelism> stages;
    if (deepspeed_parallelism(base.parallelism)) {
      for (const auto p : {TrainParallelism::zero2, TrainParallelism::zero3}) {
        if (p > base.parallelism) {
          stages.push_back(p);
        }
      }
    } else {
      if (base.parallelism != TrainParallelism::fsdp_grad_op) {
        stages.push_back(TrainParallelism::fsdp_grad_op);
      }
      stages.push_back(TrainParallelism::fsdp);
    }
    for (const auto stage : stages) {
      TrainingDeployment d = base;
      d.parallelism = stage;
      if (auto rec = search.with_helpers(Change::sharding, d)) {
        add(std::move(rec));
        break;
      }
    }
  }
  // 7. Offload: the optimizer states, then the parameters (ZeRO-Offload, ZeRO-Infinity).
  if (!base.offload_params) {
    TrainingDeployment d = base;
    if (!shards_parameters(d.parallelism) &&
        !(deepspeed_parallelism(d.parallelism) && !d.offload_optimizer)) {
      d.parallelism = full_sharding(d.parallelism);
    }
    std::optional<TrainingRecommendation> rec;
    if (!d.offload_optimizer && !is_fsdp(d.parallelism)) {
      d.offload_optimizer = true;
      rec = search.with_helpers(Change::offload, d);
    }
    if (!rec && shards_parameters(d.parallelism)) {
      d.offload_optimizer = true;
      d.offload_params = true;
      rec = search.with_helpers(Change::offload, d);
    }
    add(std::move(rec));
  }
  // 8. More GPUs, parameters sharded.
  if (base.gpus.front().count < k_max_recommended_gpus && !base.offload_params) {
    TrainingDeployment d = base;
    if (!shards_parameters(d.parallelism)) {
      d.parallelism = full_sharding(d.parallelism);
    }
    add(search.fewest_gpus(d));
  }
  return out;
}

}  // namespace vramcalc
