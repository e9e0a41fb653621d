// Training solvers: searches over plans of the one TrainingPlanner. Memory never falls as the
// micro-batch or the sequence grows, so those searches bisect; the fewest GPUs is a scan (one
// GPU to two adds communication buffers, so it is not monotone there). Each answer carries the
// plan at the answer and one step further.
#include <algorithm>

#include "train/train_internal.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/workload.hpp"

namespace vramcalc {

namespace {

// The largest x in [1, limit] with fits(x); nullopt when fits(1) is false.
template <typename Fits>
std::optional<std::uint64_t> largest(std::uint64_t limit, Fits fits) {
  if (limit == 0 || !fits(1)) {
    return std::nullopt;
  }
  std::uint64_t good = 1;
  std::uint64_t bad = 0;
  for (std::uint64_t x = 2;; x *= 2) {
    if (x >= limit) {
      if (fits(limit)) {
        return limit;
      }
      bad = limit;
      break;
    }
    if (!fits(x)) {
      bad = x;
      break;
    }
    good = x;
  }
  while (bad - good > 1) {
    const std::uint64_t mid = good + (bad - good) / 2;
    (fits(mid) ? good : bad) = mid;
  }
  return good;
}

template <typename At>
std::optional<TrainingAnswer> answer_largest(std::uint64_t limit, At at) {
  const auto found = largest(limit, [&](std::uint64_t x) { return at(x).fits; });
  if (!found) {
    return std::nullopt;
  }
  TrainingAnswer answer;
  answer.value = *found;
  answer.plan = at(*found);
  if (*found < limit) {
    answer.next_value = *found + 1;
    answer.next_plan = at(*found + 1);
  }
  return answer;
}

void need_hardware(const TrainingDeployment& base) {
  if (base.gpus.empty()) {
    throw Error(ErrorKind::usage, "the training solvers need a GPU", "add --gpu NAME");
  }
}

}  // namespace

std::optional<TrainingAnswer> solve_max_micro_batch(const TrainingPlanner& planner,
                                                    const TrainingDeployment& base) {
  need_hardware(base);
  const std::uint64_t limit =
      std::min(k_max_training_micro_batch, k_max_training_tokens / base.seq_len);
  return answer_largest(limit, [&](std::uint64_t b) {
    TrainingDeployment d = base;
    d.micro_batch = b;
    return planner.plan(d);
  });
}

std::optional<TrainingAnswer> solve_max_seq_len(const TrainingPlanner& planner,
                                                const TrainingDeployment& base) {
  need_hardware(base);
  const std::uint64_t trained = planner.model().max_context;
  std::uint64_t limit = std::min(k_max_context_tokens, k_max_training_tokens / base.micro_batch);
  const bool capped = trained > 0 && trained <= limit;
  if (capped) {
    limit = trained;
  }
  auto answer = answer_largest(limit, [&](std::uint64_t s) {
    TrainingDeployment d = base;
    d.seq_len = s;
    return planner.plan(d);
  });
  if (answer && capped && answer->value == limit) {
    answer->capped_at_trained_context = true;
  }
  return answer;
}

std::optional<TrainingAnswer> solve_min_training_gpus(const TrainingPlanner& planner,
                                                      const TrainingDeployment& base) {
  need_hardware(base);
  if (base.parallelism == TrainParallelism::single) {
    throw Error(ErrorKind::usage, "--min-gpus needs a multi-GPU strategy, but --parallelism is single",
                "add --parallelism fsdp or zero3 (sharded), or ddp");
  }
  const auto at = [&](std::uint32_t n) {
    TrainingDeployment d = base;
    d.gpus.front().count = n;
    return planner.plan(d);
  };
  // DDP replicates everything: from two GPUs on, more of them change nothing per GPU.
  const std::uint32_t limit =
      base.parallelism == TrainParallelism::ddp ? 2 : k_max_training_gpus;
  for (std::uint32_t n = 1; n <= limit; ++n) {
    TrainingPlan plan = at(n);
    if (!plan.fits) {
      continue;
    }
    TrainingAnswer answer;
    answer.value = n;
    answer.plan = std::move(plan);
    if (n > 1) {
      answer.next_value = n - 1;
      answer.next_plan = at(n - 1);
    }
    return answer;
  }
  return std::nullopt;
}

}  // namespace vramcalc
