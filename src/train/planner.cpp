// The training planner: model states partitioned by the parallelism, placed on the GPU or the
// host (offload, paged optimizer state), activations and logits of one micro-batch, buffers,
// fragmentation and the CUDA context, at the step's peak; the verdict by the planner's one
// rule (plan/verdict.cpp). docs/formulas.md, "Training".
#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "plan/placement_internal.hpp"
#include "train/train_internal.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc {

namespace {

using namespace train_detail;

// The caching allocator's reserve beyond live tensors at the peak, as a share of what PyTorch
// has allocated then: the median over the calibration rows that report torch's reserved memory
// of (reserved - allocated predicted) / allocated predicted (tests/data/validation/training.json;
// tests/unit/training_accuracy_test.cpp recomputes it from those rows only).
constexpr std::uint64_t k_fragmentation_percent = 11;

Component part(std::uint64_t bytes, Provenance provenance, std::string basis,
               unsigned low = 0, unsigned high = 0) {
  return make_component(bytes, provenance, std::move(basis), low, high);
}

std::uint64_t share(std::uint64_t bytes, bool sharded, std::uint32_t degree) {
  return sharded ? div_ceil(bytes, degree) : bytes;
}

// What one GPU and the host hold of the model states, after sharding and offload.
struct Placed {
  std::uint64_t frozen = 0, trainable = 0, gradients = 0, master = 0, states = 0;
};

struct Placement {
  Placed gpu;
  Placed host;  // per GPU; the node's host RAM holds one share per GPU
};

Placement place_states(const TrainingDeployment& d, const ParameterBytes& whole,
                       const Sharding& s, const TrainedBytes& tb) {
  Placement p;
  Placed& g = p.gpu;
  g.frozen = share(whole.frozen, s.parameters, s.degree);
  g.trainable = share(whole.trainable, s.parameters, s.degree);
  g.gradients = share(whole.gradients, s.gradients, s.degree);
  g.master = share(whole.master, s.states, s.degree);
  g.states = share(whole.states, s.states, s.degree);
  Placed& h = p.host;
  if (d.optimizer == OptimizerKind::paged_adamw_8bit) {
    // Unified memory: bitsandbytes pages the states to host RAM when the GPU is short; they
    // are counted there, outside the GPU's budget.
    h.states = std::exchange(g.states, 0);
  }
  if (d.offload_optimizer || d.offload_params) {
    h.master = std::exchange(g.master, 0);
    h.states += std::exchange(g.states, 0);
    // ZeRO-Offload/ZeRO-Infinity and FSDP's CPU offload step on the CPU from an fp32 copy of
    // the gradient partition (DeepSpeed memory.rst: 16 bytes per parameter on the host).
    const std::uint64_t partition = share(whole.gradients, true, s.degree);
    h.gradients = tb.gradient == 0 ? 0 : partition / tb.gradient * 4;
    if (s.gradients) {
      g.gradients = 0;  // streamed to the host as backward produces them
    }
  }
  if (d.offload_params) {
    h.frozen = std::exchange(g.frozen, 0);
    h.trainable = std::exchange(g.trainable, 0);
  }
  if (d.optimizer_in_backward) {
    g.gradients = 0;  // each parameter is stepped, and its gradient freed, as it is ready
  }
  return p;
}

std::string gb(std::uint64_t bytes) { return fmt::format("{:.2f} GB", to_gb(bytes)); }

const char* method_words(TrainMethod method) {
  switch (method) {
    case TrainMethod::full: return "every weight trained";
    case TrainMethod::lora: return "frozen";
    case TrainMethod::qlora: return "frozen, 4-bit";
  }
  return "";
}

std::string sharded_words(bool sharded, const Sharding& s) {
  return sharded && s.degree > 1 ? fmt::format(", 1/{} per GPU", s.degree) : std::string();
}

// The GPU's components at the peak.
struct GpuPeak {
  TrainingBreakdown parts;
  TrainingPhase phase = TrainingPhase::forward_backward;
  std::uint64_t nccl = 0;
};

GpuPeak gpu_peak(const ModelSpec& model, const TrainingPlanner::Facts& facts,
                 const TrainingDeployment& d, const ParameterBytes& whole, const Sharding& s,
                 const Placed& g, const std::vector<TensorRole>& adapted) {
  const ActivationBytes acts = activation_bytes_of(model, facts, d, adapted);
  GpuPeak peak;
  peak.nccl = s.data_parallel > 1 ? k_communication_buffer_bytes : 0;
  const std::uint64_t buckets = bucket_bytes(d, whole);
  const std::uint64_t gathered = gathered_bytes(d, whole);
  // bitsandbytes dequantizes a 4-bit (or int8) weight to 16 bits for each matmul.
  const std::uint64_t dequant = d.format.scheme == WeightScheme::linear_quant
                                    ? facts.largest_linear_elements * activation_bytes(d.precision)
                                    : 0;
  // Gradients stay allocated through the forward pass when they accumulate over
  // micro-batches, and under DeepSpeed (flat gradient partitions); otherwise
  // zero_grad(set_to_none=True) frees them after each step and backward rebuilds them as it
  // frees activations, so they peak at the optimizer step.
  const bool persist = d.grad_accum > 1 || deepspeed_parallelism(d.parallelism);
  const std::uint64_t transient =
      acts.stored + std::max(acts.logits, acts.recompute) + gathered + dequant;
  const std::uint64_t forward = transient + (persist ? g.gradients : 0);
  const std::uint64_t step = g.gradients;
  peak.phase = forward >= step ? TrainingPhase::forward_backward : TrainingPhase::optimizer_step;
  const bool fb = peak.phase == TrainingPhase::forward_backward;
  TrainingBreakdown& b = peak.parts;
  const bool recompute_peak = acts.recompute > acts.logits;
  b.gradients = part(fb && !persist ? 0 : g.gradients, Provenance::derived,
                     d.optimizer_in_backward
                         ? "none kept: each parameter is stepped as its gradient is ready"
                     : fb && !persist
                         ? "not yet allocated at the forward/backward peak (freed after each step)"
                         : fmt::format("trainable params x {} bytes{}",
                                       whole.trainable_params == 0
                                           ? 0
                                           : whole.gradients / whole.trainable_params,
                                       sharded_words(s.gradients, s)));
  b.activations = part(fb ? acts.stored + (recompute_peak ? acts.recompute : 0) : 0,
                       Provenance::derived,
                       fb ? fmt::format("{} bytes per token per layer, {}x{} tokens, "
                                        "checkpointing {}{}",
                                        acts.per_layer_token, d.micro_batch, d.seq_len,
                                        checkpointing_name(d.checkpointing),
                                        recompute_peak ? " (one layer recomputed)" : "")
                          : "freed before the optimizer step",
                       10, 15);
  b.logits = part(fb && !recompute_peak ? acts.logits : 0, Provenance::derived,
                  fb && !recompute_peak
                      ? fmt::format("{} x {} tokens x {} vocab, {} loss", d.micro_batch, d.seq_len,
                                    model.vocab, loss_kind_name(d.loss))
                      : "freed before the peak",
                  10, 10);
  const std::uint64_t buffers = peak.nccl + buckets + (fb ? gathered + dequant : 0);
  b.buffers = part(buffers, Provenance::heuristic,
                   fmt::format("NCCL {}, buckets {}, gathered units {}, dequantized weight {}",
                               gb(peak.nccl), gb(buckets), gb(fb ? gathered : 0),
                               gb(fb ? dequant : 0)),
                   20, 20);
  b.fragmentation = part(0, Provenance::calibrated,
                         fmt::format("{}% of what PyTorch has allocated at the peak (calibrated)",
                                     k_fragmentation_percent),
                         100, 100);
  const std::uint64_t context = d.cuda_context_bytes.value_or(k_runtime_overhead_bytes);
  b.cuda_context = part(context, d.cuda_context_bytes ? Provenance::exact : Provenance::calibrated,
                        d.cuda_context_bytes ? "given with --overhead"
                                             : "1322 MiB measured (torch 2.11, H200)",
                        5, 5);
  return peak;
}

void fill_states(TrainingBreakdown& b, const TrainingDeployment& d, const Placed& p,
                 const Sharding& s, const ParameterBytes& whole, bool host) {
  const TrainedBytes tb = trained_bytes(d);
  const bool full = d.method == TrainMethod::full;
  const std::string where = host ? " (offloaded)" : "";
  b.base_weights = part(full ? p.trainable : p.frozen, Provenance::derived,
                        fmt::format("{} weights, {}{}{}", d.format.name, method_words(d.method),
                                    sharded_words(s.parameters, s), where));
  b.trainable_params = part(full ? 0 : p.trainable, Provenance::derived,
                            full ? "the base weights are the trained parameters"
                                 : fmt::format("{} adapter params x {} bytes{}{}",
                                               whole.trainable_params, tb.weight,
                                               sharded_words(s.parameters, s), where));
  b.master_weights = part(p.master, Provenance::derived,
                          tb.master == 0 ? "none: no fp32 copy under this precision"
                                         : fmt::format("fp32 copy of the trained params{}{}",
                                                       sharded_words(s.states, s), where));
  b.optimizer_states = part(p.states, Provenance::derived,
                            fmt::format("{}{}{}", optimizer_name(d.optimizer),
                                        sharded_words(s.states, s),
                                        d.optimizer == OptimizerKind::paged_adamw_8bit && host
                                            ? " (paged: unified memory)"
                                            : where));
  if (host) {
    b.gradients = part(p.gradients, Provenance::derived,
                       p.gradients == 0 ? "none on the host"
                                        : "fp32 gradient partition for the CPU optimizer step");
  }
}

DevicePlan device_of(const TrainingBreakdown& b, DeviceKind kind) {
  DevicePlan device;
  device.kind = kind;
  device.weights_bytes = b.base_weights.bytes + b.trainable_params.bytes + b.master_weights.bytes;
  device.other_bytes = b.gradients.bytes + b.optimizer_states.bytes;
  device.activations_bytes = b.activations.bytes + b.logits.bytes;
  device.overhead_bytes = b.buffers.bytes + b.fragmentation.bytes + b.cuda_context.bytes;
  return device;
}

TrainingBreakdown zero_breakdown() {
  TrainingBreakdown b;
  for (Component* c : {&b.base_weights, &b.trainable_params, &b.gradients, &b.optimizer_states,
                       &b.master_weights, &b.activations, &b.logits, &b.buffers,
                       &b.fragmentation, &b.cuda_context}) {
    *c = part(0, Provenance::exact, "none");
  }
  return b;
}

TrainingBreakdown scaled(const TrainingBreakdown& per_gpu, std::uint32_t gpus) {
  TrainingBreakdown b = per_gpu;
  for (Component* c : {&b.base_weights, &b.trainable_params, &b.gradients, &b.optimizer_states,
                       &b.master_weights, &b.activations, &b.logits, &b.buffers,
                       &b.fragmentation, &b.cuda_context}) {
    c->bytes = checked_mul(c->bytes, gpus, "host memory");
    c->low_bytes = checked_mul(c->low_bytes, gpus, "host memory");
    c->high_bytes = checked_mul(c->high_bytes, gpus, "host memory");
  }
  return b;
}

std::vector<std::string> plan_notes(const ModelSpec& model, const TrainingDeployment& d) {
  std::vector<std::string> notes;
  if (model.max_context > 0 && d.seq_len > model.max_context) {
    notes.push_back(fmt::format("--seq-len {} is beyond the model's trained context of {} tokens",
                                d.seq_len, model.max_context));
  }
  if (d.optimizer == OptimizerKind::paged_adamw_8bit) {
    notes.emplace_back(
        "paged optimizer states live in CUDA unified memory: counted in host RAM, they move to "
        "the GPU when it has room");
  }
  if (d.offload_optimizer || d.offload_params) {
    notes.emplace_back("offloaded states are stepped on the CPU: the step time excludes it");
  }
  return notes;
}

}  // namespace

std::uint64_t TrainingBreakdown::total_bytes() const {
  return base_weights.bytes + trainable_params.bytes + gradients.bytes + optimizer_states.bytes +
         master_weights.bytes + activations.bytes + logits.bytes + buffers.bytes +
         fragmentation.bytes + cuda_context.bytes;
}

TrainingPlanner::TrainingPlanner(const ModelSpec& model)
    : m_model(&model), m_facts(std::make_shared<const Facts>(model_facts(model))) {}

TrainingPlan TrainingPlanner::plan(const TrainingDeployment& deployment) const {
  const ModelSpec& model = *m_model;
  validate_deployment(model, deployment);
  const std::vector<TensorRole> adapted =
      deployment.method == TrainMethod::full ? std::vector<TensorRole>{}
                                             : lora_roles(*m_facts, deployment.lora.targets);
  TrainingPlan plan;
  plan.deployment = deployment;
  const TrainingDeployment& d = plan.deployment;
  const ParameterBytes whole = parameter_bytes(*m_facts, model, d, adapted);
  const Sharding s = sharding_of(d);
  const TrainedBytes tb = trained_bytes(d);
  plan.total_params = model.total_params;
  plan.trainable_params = whole.trainable_params;
  plan.data_parallel = s.data_parallel;
  plan.shard_degree = s.degree;
  plan.model_states = partition(whole, s);
  const Placement placed = place_states(d, whole, s, tb);

  GpuPeak peak = gpu_peak(model, *m_facts, d, whole, s, placed.gpu, adapted);
  plan.peak_phase = peak.phase;
  plan.nccl_bytes = peak.nccl;
  plan.gpu = peak.parts;
  fill_states(plan.gpu, d, placed.gpu, s, whole, false);
  // Everything PyTorch allocates on the GPU: all but the context and NCCL's own buffers.
  const std::uint64_t allocated = plan.gpu.total_bytes() - plan.gpu.cuda_context.bytes - peak.nccl;
  plan.gpu.fragmentation.bytes = plan.gpu.fragmentation.low_bytes = mul_div_ceil(
      allocated, k_fragmentation_percent, 100, "fragmentation");
  plan.gpu.fragmentation.high_bytes = 2 * plan.gpu.fragmentation.bytes;
  plan.gpu.fragmentation.low_bytes = 0;

  const std::uint32_t per_node = d.gpus.empty() ? 1 : d.gpus.front().count;
  TrainingBreakdown host_one = zero_breakdown();
  fill_states(host_one, d, placed.host, s, whole, true);
  plan.host = scaled(host_one, per_node);

  DevicePlan gpu = device_of(plan.gpu, DeviceKind::gpu);
  if (d.gpus.empty()) {
    gpu.id = "";
    gpu.name = "one GPU";
  } else {
    const GpuSpec& card = d.gpus.front().gpu;
    gpu.id = card.id;
    gpu.name = card.name;
    gpu.capacity_bytes = card.usable_bytes;
  }
  plan.devices.push_back(gpu);
  if (plan.host.total_bytes() > 0) {
    DevicePlan host = device_of(plan.host, DeviceKind::cpu);
    host.id = "cpu";
    host.name = "host RAM (per node)";
    host.capacity_bytes = d.ram_bytes.value_or(0);
    plan.devices.push_back(host);
  }
  plan.gpu_count = training_gpus(d);
  // The verdict: the planner's one rule (capacity - margin - used on every device).
  const std::optional<std::int64_t> headroom = plan_detail::settle_devices(plan.devices, d.margin);
  if (!d.gpus.empty()) {
    plan.headroom_bytes = headroom;
    plan.fits = headroom.has_value() && *headroom >= 0;
  }
  plan.per_gpu_bytes = plan.devices.front().used_bytes;
  plan.host_bytes = plan.devices.size() > 1 ? plan.devices[1].used_bytes : 0;
  plan.total_bytes = checked_add(checked_mul(plan.per_gpu_bytes, plan.gpu_count, "total"),
                                 checked_mul(plan.host_bytes, d.nodes, "total"), "total");
  plan.step_time = step_time(model, d, plan.trainable_params);
  plan.notes = plan_notes(model, d);
  return plan;
}

const WeightFormat& default_training_format(TrainMethod method, TrainPrecision precision) {
  const char* name = method == TrainMethod::qlora              ? "nf4"
                     : precision == TrainPrecision::fp32       ? "fp32"
                     : precision == TrainPrecision::fp16_mixed ? "fp16"
                                                               : "bf16";
  return *find_weight_format(name);
}

}  // namespace vramcalc
