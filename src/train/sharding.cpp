// Parallelism: which model states each strategy partitions over how many GPUs (ZeRO paper,
// arXiv:1910.02054, section 5 and Figure 1; PyTorch FSDP's ShardingStrategy), the parameters
// ZeRO-3 and FSDP gather for compute, and the communication buckets of DDP and DeepSpeed.
// docs/formulas.md, "Training: parallelism".
#include <algorithm>

#include "train/train_internal.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::train_detail {

namespace {

// DeepSpeed's default reduce_bucket_size and allgather_bucket_size: 5e8 elements
// (deepspeed/runtime/zero/config.py, ZERO_REDUCE_BUCKET_SIZE / ALLGATHER_BUCKET_SIZE defaults).
constexpr std::uint64_t k_deepspeed_bucket_elements = 500'000'000;

}  // namespace

Sharding sharding_of(const TrainingDeployment& d) {
  Sharding s;
  s.data_parallel = training_gpus(d);
  const std::uint32_t per_node = d.gpus.empty() ? 1 : d.gpus.front().count;
  switch (d.parallelism) {
    case TrainParallelism::single:
    case TrainParallelism::ddp:
      break;
    case TrainParallelism::zero1:
      s.states = true;
      break;
    case TrainParallelism::zero2:
    case TrainParallelism::fsdp_grad_op:
      s.states = s.gradients = true;
      break;
    case TrainParallelism::zero3:
    case TrainParallelism::fsdp:
      s.states = s.gradients = s.parameters = true;
      break;
    case TrainParallelism::fsdp_hybrid:
      s.states = s.gradients = s.parameters = true;
      s.degree = per_node;  // shard within a node, replicate across nodes
      return s;
  }
  s.degree = s.states ? s.data_parallel : 1;
  return s;
}

ModelStates partition(const ParameterBytes& whole, const Sharding& sharding) {
  const auto share = [&](std::uint64_t bytes, bool sharded) {
    return sharded ? div_ceil(bytes, sharding.degree) : bytes;
  };
  ModelStates m;
  m.parameters_bytes = share(whole.trainable, sharding.parameters);
  m.frozen_bytes = share(whole.frozen, sharding.parameters);
  m.gradients_bytes = share(whole.gradients, sharding.gradients);
  m.optimizer_bytes = share(whole.master, sharding.states) + share(whole.states, sharding.states);
  return m;
}

std::uint64_t bucket_bytes(const TrainingDeployment& d, const ParameterBytes& whole) {
  const std::uint64_t grad_bytes =
      whole.trainable_params == 0 ? 0 : whole.gradients / whole.trainable_params;
  const std::uint64_t bucket =
      std::min(whole.trainable_params, k_deepspeed_bucket_elements) * grad_bytes;
  switch (d.parallelism) {
    case TrainParallelism::ddp:
      // DDP copies every gradient into its buckets (gradient_as_bucket_view=False, the
      // default: torch.nn.parallel.DistributedDataParallel documentation).
      return whole.gradients;
    case TrainParallelism::zero1:
    case TrainParallelism::zero2:
      return 2 * bucket;  // a reduce bucket and an all-gather bucket
    case TrainParallelism::zero3:
      return bucket;      // the reduce bucket (gathered parameters are counted apart)
    default:
      return 0;           // FSDP reduce-scatters each unit's gradients (gathered_bytes)
  }
}

std::uint64_t gathered_bytes(const TrainingDeployment& d, const ParameterBytes& whole) {
  if (!shards_parameters(d.parallelism)) {
    return 0;
  }
  if (d.parallelism == TrainParallelism::zero3) {
    // DeepSpeed gathers module by module: the largest module and the one prefetched, and its
    // gradients (the estimator's 4 x largest layer at 16 bits).
    return checked_add(checked_mul(whole.largest_module, 2, "gathered parameters"),
                       whole.largest_module_grads, "gathered parameters");
  }
  // FSDP gathers a wrapped unit (a transformer block, the embeddings, the head): the unit
  // computed and the neighbour prefetched (forward/backward prefetch), and a unit's unsharded
  // gradients before the reduce-scatter.
  return checked_add(whole.largest_unit_pair, whole.largest_unit_grads, "gathered parameters");
}

}  // namespace vramcalc::train_detail
