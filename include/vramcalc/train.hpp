#pragma once
/// Training and fine-tuning memory. A TrainingDeployment says what is trained and how (full
/// fine-tuning, LoRA or QLoRA; precision policy, optimizer, micro-batch, sequence length,
/// checkpointing; one GPU, DDP, ZeRO-1/2/3 or FSDP over identical cards, CPU offload); a
/// TrainingPlan says what every GPU (and the host, when offloading) holds at the step's peak,
/// component by component, and whether it fits. The verdict has the planner's one meaning:
/// fits <=> headroom >= 0, the least over devices of capacity - margin - used (verdict.cpp).
/// Every recommendation and solver answer is a TrainingPlan made by the same TrainingPlanner.
/// docs/formulas.md, "Training".

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vramcalc/dtype.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/model_source.hpp"
#include "vramcalc/plan.hpp"

namespace vramcalc {

/// What is trained.
enum class TrainMethod {
  full,   ///< every weight (Korthikanti et al. 2022; the ZeRO paper's model states)
  lora,   ///< low-rank adapters on frozen weights (Hu et al. 2021, arXiv:2106.09685)
  qlora,  ///< LoRA on 4-bit NormalFloat weights (Dettmers et al. 2023, arXiv:2305.14314)
};

/// How weights, gradients and optimizer states are stored and computed.
enum class TrainPrecision {
  bf16_mixed,  ///< 16-bit weights and gradients, fp32 master weights and states (ZeRO paper)
  bf16,        ///< pure bf16: weights, gradients and states in bf16, no master copy
  fp16_mixed,  ///< as bf16_mixed, fp16 with loss scaling
  fp32,        ///< everything in fp32
};

enum class OptimizerKind {
  adamw,             ///< two states (momentum, variance) in the state precision
  adamw_8bit,        ///< bitsandbytes 8-bit AdamW: two uint8 states, blockwise fp32 absmax
  paged_adamw_8bit,  ///< the same in CUDA unified memory (paged to host RAM under pressure)
  adafactor,         ///< factored second moment (rows + columns per matrix), no momentum
  sgd,               ///< SGD with momentum: one state
  lion,              ///< Lion: one state (momentum)
};

/// Activation checkpointing (Korthikanti et al. 2022, arXiv:2205.05198, section 5).
enum class Checkpointing {
  none,       ///< every layer keeps its activations for the backward pass
  selective,  ///< the attention core (softmax, scores) is recomputed; no s^2 terms are kept
  full,       ///< each layer keeps only its input; one layer is recomputed at a time
};

/// How the loss over the vocabulary is computed: decides the logits buffers.
enum class LossKind {
  standard,  ///< logits for the whole micro-batch, upcast to fp32 (transformers' default)
  chunked,   ///< logits and fp32 log-probabilities chunk by chunk (torchtune, LitGPT)
  fused,     ///< fused linear + cross-entropy, logits never whole (Liger, Cut Cross-Entropy)
};

/// How the GPUs share the work and the model states (ZeRO paper, arXiv:1910.02054).
enum class TrainParallelism {
  single,        ///< one GPU
  ddp,           ///< data parallel, every GPU a full replica (PyTorch DDP)
  zero1,         ///< DeepSpeed ZeRO stage 1: optimizer states partitioned (P_os)
  zero2,         ///< stage 2: and gradients (P_os+g)
  zero3,         ///< stage 3: and parameters (P_os+g+p)
  fsdp,          ///< PyTorch FSDP FULL_SHARD: as stage 3
  fsdp_grad_op,  ///< FSDP SHARD_GRAD_OP: as stage 2
  fsdp_hybrid,   ///< FSDP HYBRID_SHARD: stage 3 within a node, replicas across nodes
};

/// LoRA settings (Hu et al. 2021). Defaults: rank 16, alpha 32, every linear layer of the
/// blocks (the QLoRA paper's finding that adapters on all linear layers match full
/// fine-tuning), no dropout (PEFT's LoraConfig default).
struct LoraSettings {
  std::uint32_t rank = 16;
  double alpha = 32;  ///< scaling numerator: no memory of its own
  /// Module names as frameworks spell them (q_proj, v_proj, o_proj, gate_proj, up_proj,
  /// down_proj, lm_head; torchtune's output_proj, w1..w3; "mlp", "attention"), or all-linear.
  std::vector<std::string> targets = {"all-linear"};
  double dropout = 0;  ///< 0 <= p < 1; above 0 each adapted module keeps its own dropped input
};

/// What one training plan is asked for, besides the model.
struct TrainingDeployment {
  TrainMethod method = TrainMethod::full;
  LoraSettings lora;                 ///< LoRA and QLoRA only
  /// Storage of the base weights (--dtype). Filled by the request's defaults: nf4 for QLoRA,
  /// else the precision's compute type (bf16; fp16 for fp16-mixed; fp32 for fp32).
  WeightFormat format;
  TrainPrecision precision = TrainPrecision::bf16_mixed;
  OptimizerKind optimizer = OptimizerKind::adamw;
  std::uint64_t micro_batch = 1;     ///< sequences per GPU per forward pass
  std::uint64_t seq_len = 2048;      ///< tokens per sequence
  std::uint64_t grad_accum = 1;      ///< micro-batches per optimizer step
  Checkpointing checkpointing = Checkpointing::none;
  bool flash_attention = true;       ///< fused attention (FlashAttention-2, PyTorch SDPA)
  bool packed = false;               ///< sequences packed to seq_len (no padding)
  LossKind loss = LossKind::standard;
  bool compile = false;              ///< torch.compile / fused kernels (norms, SwiGLU, RoPE)
  bool optimizer_in_backward = false;  ///< step each parameter as its gradient is ready
  TrainParallelism parallelism = TrainParallelism::single;
  std::vector<GpuGroup> gpus;        ///< one group of identical cards per node; empty: none
  std::uint32_t nodes = 1;
  bool offload_optimizer = false;    ///< master weights, optimizer states (and ZeRO's gradient
                                     ///< partition) in host RAM
  bool offload_params = false;       ///< parameter shards too (ZeRO-3 / FSDP); implies the above
  std::optional<std::uint64_t> ram_bytes;  ///< host RAM per node (--ram)
  Margin margin;
  std::optional<std::uint64_t> cuda_context_bytes;  ///< replaces the measured context (--overhead)
};

/// GPUs of the deployment: cards per node times nodes (1 without hardware).
[[nodiscard]] std::uint32_t training_gpus(const TrainingDeployment& deployment);

/// One figure per component of what a device holds at the step's peak. Each is a Component
/// (bytes, provenance, one-line basis, band).
struct TrainingBreakdown {
  Component base_weights;      ///< the model's weights at their storage precision (frozen
                               ///< for LoRA/QLoRA, trained for full fine-tuning)
  Component trainable_params;  ///< LoRA adapters (full: 0, the base weights are trained)
  Component gradients;
  Component optimizer_states;
  Component master_weights;    ///< fp32 copies under mixed precision
  Component activations;       ///< kept for the backward pass, and a recomputed layer
  Component logits;            ///< logits and loss buffers over the vocabulary
  Component buffers;           ///< gathered ZeRO-3/FSDP units, communication buckets, NCCL,
                               ///< dequantized 4-bit weights
  Component fragmentation;     ///< the caching allocator's reserve beyond live tensors
  Component cuda_context;      ///< CUDA context, cuBLAS/cuDNN workspaces, kernels

  [[nodiscard]] std::uint64_t total_bytes() const;
};

/// When the peak happens: at the loss or in backward (activations alive), or at the optimizer
/// step (every gradient alive, activations freed).
enum class TrainingPhase { forward_backward, optimizer_step };

/// Model states per GPU as the ZeRO paper counts them (section 5): parameters, gradients and
/// optimizer states (K x Psi: master weights with the optimizer's states), each as the stage
/// partitions it, before any offload.
struct ModelStates {
  std::uint64_t parameters_bytes = 0;  ///< trained parameters' working copy (2 Psi at 16 bits)
  std::uint64_t frozen_bytes = 0;      ///< frozen base weights (LoRA/QLoRA)
  std::uint64_t gradients_bytes = 0;   ///< 2 Psi at 16 bits
  std::uint64_t optimizer_bytes = 0;   ///< K Psi: master weights and optimizer states
  [[nodiscard]] std::uint64_t total_bytes() const {
    return parameters_bytes + frozen_bytes + gradients_bytes + optimizer_bytes;
  }
};

/// The time of one optimizer step from FLOPs: 6 x params x tokens for full fine-tuning (4 for
/// frozen weights: no weight gradients), attention, and the recomputed forward when
/// checkpointing, at the card's dense 16-bit peak (a ceiling) and at the efficiency assumed.
struct StepTime {
  double flops_per_gpu = 0;        ///< per optimizer step (micro-batch x seq x accumulation)
  double ceiling_seconds = 0;      ///< at 100% of the card's peak
  double expected_seconds = 0;     ///< at `efficiency`
  double efficiency = 0;           ///< model FLOPs utilisation assumed
  double tokens_per_second = 0;    ///< over all GPUs, at the expected time
};

/// The answer to one TrainingDeployment.
struct TrainingPlan {
  TrainingDeployment deployment;
  std::uint64_t total_params = 0;
  std::uint64_t trainable_params = 0;
  std::uint32_t data_parallel = 1;  ///< replicas: GPUs of the deployment
  std::uint32_t shard_degree = 1;   ///< GPUs the sharded states are split over
  ModelStates model_states;         ///< per GPU, the ZeRO paper's accounting
  TrainingBreakdown gpu;            ///< what every GPU holds at the peak (all are alike)
  TrainingBreakdown host;           ///< host RAM per node (offload, paged optimizer state)
  TrainingPhase peak_phase = TrainingPhase::forward_backward;
  std::uint64_t nccl_bytes = 0;     ///< part of gpu.buffers allocated outside PyTorch
  /// devices[0]: one GPU, standing for every GPU of the deployment (capacity 0 without
  /// hardware); devices[1], when the host holds anything: host RAM per node.
  std::vector<DevicePlan> devices;
  std::uint32_t gpu_count = 1;      ///< GPUs devices[0] stands for
  /// Every device within capacity less margin; false without hardware.
  bool fits = false;
  /// The least over devices of known capacity of capacity - margin - used; nullopt without
  /// hardware.
  std::optional<std::int64_t> headroom_bytes;
  std::uint64_t per_gpu_bytes = 0;  ///< devices[0].used_bytes
  std::uint64_t host_bytes = 0;     ///< per node
  std::uint64_t total_bytes = 0;    ///< per_gpu x GPUs + host x nodes
  std::optional<StepTime> step_time;  ///< nullopt when the card's throughput is unknown
  std::vector<std::string> notes;
};

/// Makes training plans for one model, sharing what depends only on the model (its linear
/// modules, layer shapes) between every plan of a request. The model must outlive it.
class TrainingPlanner {
 public:
  explicit TrainingPlanner(const ModelSpec& model);

  /// The plan for `deployment`. Throws vramcalc::Error (usage/input) on an impossible one:
  /// a LoRA rank of 0 or above the hidden size, LoRA targets the model does not have, a
  /// quantized base under full fine-tuning, QLoRA without a 4-bit base, offload without
  /// ZeRO/FSDP, several GPUs under `single`, mixed cards, a micro-batch or sequence of 0.
  [[nodiscard]] TrainingPlan plan(const TrainingDeployment& deployment) const;

  [[nodiscard]] const ModelSpec& model() const { return *m_model; }

  struct Facts;  ///< per-model facts (internal)

 private:
  const ModelSpec* m_model;
  std::shared_ptr<const Facts> m_facts;
};

// ---- Recommendations and solvers ----------------------------------------------------------

/// What a training recommendation changes.
enum class TrainingChange {
  gradient_checkpointing,  ///< full activation checkpointing
  smaller_micro_batch,     ///< micro-batch 1, accumulation raised to keep the global batch
  optimizer_8bit,          ///< bitsandbytes 8-bit AdamW
  lora,                    ///< LoRA instead of full fine-tuning
  qlora,                   ///< QLoRA (4-bit NF4 base) instead of LoRA or full
  sharding,                ///< ZeRO-2/3 or FSDP over the same GPUs
  offload,                 ///< optimizer states (then parameters) in host RAM
  more_gpus,               ///< more GPUs, sharded
};

struct TrainingRecommendation {
  TrainingChange kind = TrainingChange::gradient_checkpointing;
  std::vector<TrainingChange> changes;  ///< every change the plan makes (kind first)
  TrainingPlan plan;                    ///< it fits; plan.deployment is what to run
  std::string note;                     ///< one line: what it costs
};

/// The recommendations for `current` (a plan that does not fit), in the order of the kinds
/// above (the least disruptive first), each kind at most once, each with the fewest extra
/// changes that make it fit. Empty when it fits or has no hardware.
[[nodiscard]] std::vector<TrainingRecommendation> recommend_training(
    const TrainingPlanner& planner, const TrainingPlan& current);

/// A solver's answer: the plan at the value (it fits) and one step further (it does not).
struct TrainingAnswer {
  std::uint64_t value = 0;
  TrainingPlan plan;
  std::optional<std::uint64_t> next_value;
  std::optional<TrainingPlan> next_plan;
  bool capped_at_trained_context = false;  ///< the sequence search stopped at the trained length
};

/// Largest micro-batch that fits (up to k_max_training_micro_batch).
[[nodiscard]] std::optional<TrainingAnswer> solve_max_micro_batch(const TrainingPlanner& planner,
                                                                  const TrainingDeployment& base);
/// Longest sequence that fits, up to the model's trained context (or 10^8 tokens).
[[nodiscard]] std::optional<TrainingAnswer> solve_max_seq_len(const TrainingPlanner& planner,
                                                              const TrainingDeployment& base);
/// Fewest GPUs per node (nodes as given) that fit under the base's parallelism, 1 to
/// k_max_training_gpus; next_value is one fewer. Throws (usage) under `single`.
[[nodiscard]] std::optional<TrainingAnswer> solve_min_training_gpus(
    const TrainingPlanner& planner, const TrainingDeployment& base);

/// Micro-batches and GPUs the solvers try at most; micro-batch x sequence is kept below
/// k_max_training_tokens so every product stays inside 64 bits.
inline constexpr std::uint64_t k_max_training_micro_batch = 65536;
inline constexpr std::uint32_t k_max_training_gpus = 1024;
inline constexpr std::uint64_t k_max_training_tokens = 1ULL << 32;
/// Micro-batches per optimizer step at most.
inline constexpr std::uint64_t k_max_training_grad_accum = 1'000'000;

// ---- Ready-to-run hints ---------------------------------------------------------------------

/// The settings of one framework that run the plan.
struct FrameworkHint {
  std::string framework;  ///< "torchtune", "TRL + PEFT", "DeepSpeed", "accelerate FSDP"
  std::string settings;   ///< one line of options as the framework spells them
};

/// The frameworks' settings for `plan` (those that can express it).
[[nodiscard]] std::vector<FrameworkHint> training_hints(const TrainingPlan& plan,
                                                        const ModelSpec& model);

// ---- The request and the report -------------------------------------------------------------

struct TrainingRequest {
  ModelSpec model;
  ModelSourceSpec source;  ///< how the model was named (to re-run an answer)
  /// --dtype: the base weights' storage. Default: nf4 for QLoRA, else the precision's
  /// compute type.
  std::optional<WeightFormat> format;
  bool seq_len_given = false;  ///< else min(2048, the trained context)
  TrainingDeployment deployment;  ///< its format is filled by build_training_report
  bool parallelism_given = false;  ///< else single on one GPU, ddp on several
  bool lora_alpha_given = false;   ///< else alpha = 2 x rank
  bool solve_max_micro_batch = false;
  bool solve_max_seq_len = false;
  bool solve_min_gpus = false;
  std::vector<std::string> input_notes;
};

struct TrainingReport {
  TrainingRequest request;  ///< with defaults filled in
  TrainingPlan plan;
  bool has_hardware = false;
  std::vector<TrainingRecommendation> recommendations;
  std::optional<TrainingAnswer> max_micro_batch;
  std::optional<TrainingAnswer> max_seq_len;
  std::optional<TrainingAnswer> min_gpus;
  std::vector<FrameworkHint> hints;
  std::vector<std::string> notes;
};

/// Fills the defaults of `request` (format, sequence length, parallelism), validates it and
/// plans it with its recommendations, solver answers and hints. Throws vramcalc::Error.
[[nodiscard]] TrainingReport build_training_report(TrainingRequest request);

/// The base weight format a deployment defaults to: nf4 for QLoRA, else the compute type of
/// the precision (bf16, fp16 or fp32).
[[nodiscard]] const WeightFormat& default_training_format(TrainMethod method,
                                                          TrainPrecision precision);

// ---- Names ----------------------------------------------------------------------------------

[[nodiscard]] const char* train_method_name(TrainMethod method);
[[nodiscard]] const char* train_precision_name(TrainPrecision precision);
[[nodiscard]] const char* optimizer_name(OptimizerKind optimizer);
[[nodiscard]] const char* checkpointing_name(Checkpointing checkpointing);
[[nodiscard]] const char* loss_kind_name(LossKind loss);
[[nodiscard]] const char* parallelism_name(TrainParallelism parallelism);
[[nodiscard]] const char* training_change_name(TrainingChange change);
[[nodiscard]] const char* training_phase_name(TrainingPhase phase);

/// Parsers of the names above (case-insensitive, with the usual aliases: "adamw_8bit",
/// "paged_adamw_8bit", "zero-3", "full_shard"). Throw vramcalc::Error (input) naming `flag`,
/// with "did you mean" and the valid names.
[[nodiscard]] TrainMethod parse_train_method(std::string_view name, std::string_view flag);
[[nodiscard]] TrainPrecision parse_train_precision(std::string_view name, std::string_view flag);
[[nodiscard]] OptimizerKind parse_optimizer(std::string_view name, std::string_view flag);
[[nodiscard]] Checkpointing parse_checkpointing(std::string_view name, std::string_view flag);
[[nodiscard]] LossKind parse_loss_kind(std::string_view name, std::string_view flag);
[[nodiscard]] TrainParallelism parse_parallelism(std::string_view name, std::string_view flag);

/// Whether the parallelism shards parameters (ZeRO-3, FSDP full or hybrid shard).
[[nodiscard]] bool shards_parameters(TrainParallelism parallelism);
/// Whether it is DeepSpeed's (zero1..3) rather than PyTorch's.
[[nodiscard]] bool deepspeed_parallelism(TrainParallelism parallelism);

}  // namespace vramcalc
