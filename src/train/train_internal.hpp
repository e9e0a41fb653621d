#pragma once
// Internal pieces of the training planner shared by its files (src/train/).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vramcalc/train.hpp"

namespace vramcalc {

namespace train_detail {

/// A linear layer (nn.Linear) of the model: what LoRA adapts and what 4-bit formats quantize.
struct LinearModule {
  TensorRole role = TensorRole::other;
  std::int32_t layer = -1;   ///< block index; -1 for the output head
  std::uint64_t in = 0;      ///< input features
  std::uint64_t out = 0;     ///< output features
  std::uint64_t count = 1;   ///< stacked routed experts: one module each
};

/// A trained tensor's shape as the optimizer sees it: factored optimizers (Adafactor) keep
/// rows + columns for a matrix, 8-bit optimizers keep small tensors in 32 bits.
struct TensorShape {
  std::uint64_t elements = 0;
  std::uint64_t rows = 0;  ///< 0 for a vector
  std::uint64_t cols = 0;
};

}  // namespace train_detail

/// What depends only on the model: computed once per TrainingPlanner.
struct TrainingPlanner::Facts {
  std::vector<train_detail::LinearModule> linears;  ///< blocks' linears and the output head
  std::vector<train_detail::TensorShape> tensors;   ///< every weight tensor (full fine-tuning)
  bool synthesized = false;  ///< no tensor list: shapes made from the layer specs
  bool gated_mlp = true;     ///< SwiGLU/GeGLU (gate and up) rather than one up projection
  std::uint64_t largest_linear_elements = 0;  ///< one module (one expert), for dequantization
  /// Weight breakdowns by format name (not thread-safe, like the inference planner's cache).
  mutable std::map<std::string, WeightBreakdown> breakdowns;
};

namespace train_detail {

/// The model's linear modules and tensor shapes (from its tensor list, else from the layers).
[[nodiscard]] TrainingPlanner::Facts model_facts(const ModelSpec& model);

/// The weights of `model` stored as `format`, cached in `facts`.
[[nodiscard]] const WeightBreakdown& breakdown(const TrainingPlanner::Facts& facts,
                                               const ModelSpec& model, const WeightFormat& format);

/// Resolves LoRA target names to module roles; throws vramcalc::Error (input) for a name
/// that is unknown or that the model lacks.
[[nodiscard]] std::vector<TensorRole> lora_roles(const TrainingPlanner::Facts& facts,
                                                 const std::vector<std::string>& targets);

/// Whether a module of `role` is adapted (LoRA) or trained (full).
[[nodiscard]] bool role_in(const std::vector<TensorRole>& roles, TensorRole role);

/// Throws vramcalc::Error when `d` asks for something impossible (validate.cpp).
void validate_deployment(const ModelSpec& model, const TrainingDeployment& d);

// ---- Model states (components.cpp) ---------------------------------------------------------

/// Bytes of the whole model, before any sharding.
struct ParameterBytes {
  std::uint64_t trainable_params = 0;  ///< Psi
  std::uint64_t frozen = 0;            ///< frozen base weights (LoRA/QLoRA)
  std::uint64_t trainable = 0;         ///< working copy of the trained parameters
  std::uint64_t gradients = 0;
  std::uint64_t master = 0;            ///< fp32 master copy (mixed precision)
  std::uint64_t states = 0;            ///< optimizer states
  /// The largest two neighbouring FSDP/ZeRO-3 units in execution order (embeddings, each
  /// block, head), in stored bytes (trainable + frozen): the unit computed and the one
  /// prefetched.
  std::uint64_t largest_unit_pair = 0;
  std::uint64_t largest_unit_grads = 0;  ///< the most trained gradients one unit holds
  /// The largest single module (a linear layer, one expert's, the embeddings or the head) in
  /// stored bytes, with its trained gradients: what DeepSpeed's ZeRO-3 gathers one at a time.
  std::uint64_t largest_module = 0;
  std::uint64_t largest_module_grads = 0;
  std::uint32_t state_bytes = 4;       ///< bytes of one optimizer-state element
};

/// Bytes per element of the trained parameters' working copy, their gradients and master.
struct TrainedBytes {
  std::uint32_t weight = 2;
  std::uint32_t gradient = 2;
  std::uint32_t master = 0;
  std::uint32_t state = 4;
};

[[nodiscard]] TrainedBytes trained_bytes(const TrainingDeployment& d);

/// Activation bytes per element (2 for the 16-bit policies, 4 for fp32).
[[nodiscard]] std::uint32_t activation_bytes(TrainPrecision precision);

/// Optimizer-state bytes of one trained tensor.
[[nodiscard]] std::uint64_t optimizer_state_bytes(OptimizerKind optimizer, const TensorShape& t,
                                                  std::uint32_t state_bytes);

/// Model-state bytes of the whole model for `d`; LoRA adapters on `roles`.
[[nodiscard]] ParameterBytes parameter_bytes(const TrainingPlanner::Facts& facts,
                                             const ModelSpec& model, const TrainingDeployment& d,
                                             const std::vector<TensorRole>& roles);

// ---- Sharding and offload (sharding.cpp) ---------------------------------------------------

/// Which states a parallelism partitions, and over how many GPUs.
struct Sharding {
  std::uint32_t data_parallel = 1;  ///< replicas: every GPU of the deployment
  std::uint32_t degree = 1;         ///< GPUs a sharded state is split over
  bool states = false;              ///< P_os (stage 1 and above)
  bool gradients = false;           ///< P_g (stage 2 and above)
  bool parameters = false;          ///< P_p (stage 3)
};

[[nodiscard]] Sharding sharding_of(const TrainingDeployment& d);

/// The ZeRO paper's per-GPU model states: each partitioned state divided (rounded up) over
/// the sharding degree.
[[nodiscard]] ModelStates partition(const ParameterBytes& whole, const Sharding& sharding);

/// Communication buffers per GPU besides NCCL's own: DDP's gradient buckets, DeepSpeed's
/// reduce and all-gather buckets.
[[nodiscard]] std::uint64_t bucket_bytes(const TrainingDeployment& d, const ParameterBytes& whole);

/// Parameters gathered for compute under ZeRO-3 / FSDP: the current and the prefetched unit,
/// and the unsharded gradients of one unit in backward. 0 when parameters are not sharded.
[[nodiscard]] std::uint64_t gathered_bytes(const TrainingDeployment& d,
                                           const ParameterBytes& whole);

// ---- Activations (activations.cpp) ---------------------------------------------------------

/// The activations of one micro-batch.
struct ActivationBytes {
  std::uint64_t stored = 0;     ///< kept for backward across all layers (checkpoints or all)
  std::uint64_t recompute = 0;  ///< one layer recomputed in backward (full checkpointing)
  std::uint64_t logits = 0;     ///< logits and loss buffers at the loss
  std::uint64_t per_layer_token = 0;  ///< bytes per token of the widest layer (for the basis)
};

[[nodiscard]] ActivationBytes activation_bytes_of(const ModelSpec& model,
                                                  const TrainingPlanner::Facts& facts,
                                                  const TrainingDeployment& d,
                                                  const std::vector<TensorRole>& trained);

// ---- Step time (step_time.cpp) -------------------------------------------------------------

[[nodiscard]] std::optional<StepTime> step_time(const ModelSpec& model,
                                                const TrainingDeployment& d,
                                                std::uint64_t trainable_params);

}  // namespace train_detail

}  // namespace vramcalc
