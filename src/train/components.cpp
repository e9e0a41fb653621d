// Model states: the bytes of the trained parameters' working copy, their gradients, the fp32
// master copy and the optimizer states, and the frozen base weights, for the whole model
// before any sharding. The ZeRO paper (arXiv:1910.02054, section 3.1) counts mixed-precision
// Adam as 2 Psi (fp16 parameters) + 2 Psi (fp16 gradients) + K Psi (fp32 master, momentum,
// variance: K = 12); the other policies and optimizers follow the same per-element rule.
// docs/formulas.md, "Training: model states".
#include <algorithm>

#include "train/train_internal.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::train_detail {

namespace {

// bitsandbytes keeps tensors under min_8bit_size = 4096 elements in 32-bit state
// (bitsandbytes/optim/optimizer.py), and one fp32 absmax per block of 256 elements of each
// 8-bit state (csrc/ops.cuh BLOCKSIZE_2STATE).
constexpr std::uint64_t k_bnb_min_8bit_elements = 4096;
constexpr std::uint64_t k_bnb_block_elements = 256;

bool mixed(TrainPrecision p) {
  return p == TrainPrecision::bf16_mixed || p == TrainPrecision::fp16_mixed;
}

}  // namespace

std::uint32_t activation_bytes(TrainPrecision precision) {
  return precision == TrainPrecision::fp32 ? 4 : 2;
}

TrainedBytes trained_bytes(const TrainingDeployment& d) {
  TrainedBytes b;
  if (d.method == TrainMethod::full) {
    // The trained weights are the base weights, at their storage precision.
    b.weight = d.format.bits / 8;
  } else {
    // Adapters at the compute precision.
    b.weight = d.precision == TrainPrecision::fp32 ? 4 : 2;
  }
  b.gradient = b.weight;
  // Mixed precision keeps an fp32 master copy of 16-bit weights; fp32 weights (autocast) are
  // their own master.
  b.master = mixed(d.precision) && b.weight == 2 ? 4 : 0;
  // States follow the parameter the optimizer updates: fp32 (master or fp32 weights), or
  // bf16 under the pure bf16 policy (torch creates them like the parameter).
  b.state = d.precision == TrainPrecision::bf16 ? 2 : 4;
  return b;
}

std::uint64_t optimizer_state_bytes(OptimizerKind optimizer, const TensorShape& t,
                                    std::uint32_t state_bytes) {
  const std::uint64_t n = t.elements;
  switch (optimizer) {
    case OptimizerKind::adamw:
      return checked_mul(n, 2ULL * state_bytes, "optimizer states");
    case OptimizerKind::adamw_8bit:
    case OptimizerKind::paged_adamw_8bit:
      if (n < k_bnb_min_8bit_elements) {
        return n * 8;  // two fp32 states
      }
      return checked_add(checked_mul(n, 2, "optimizer states"),
                         2 * 4 * div_ceil(n, k_bnb_block_elements), "optimizer states");
    case OptimizerKind::adafactor:
      // Factored second moment: one value per row and per column of a matrix
      // (Shazeer & Stern 2018, arXiv:1804.04235); a vector keeps one per element.
      return checked_mul(t.rows > 0 ? t.rows + t.cols : n, state_bytes, "optimizer states");
    case OptimizerKind::sgd:
    case OptimizerKind::lion:
      return checked_mul(n, state_bytes, "optimizer states");
  }
  return 0;
}

namespace {

// States of the whole model under full fine-tuning: exactly Psi x states per element for the
// elementwise optimizers (the ZeRO paper's K), per tensor where the optimizer treats tensors
// differently (8-bit small tensors, factored matrices).
std::uint64_t full_states(const TrainingPlanner::Facts& facts, const ModelSpec& model,
                          OptimizerKind optimizer, std::uint32_t state_bytes) {
  const std::uint64_t psi = model.total_params;
  switch (optimizer) {
    case OptimizerKind::adamw:
    case OptimizerKind::sgd:
    case OptimizerKind::lion:
      return optimizer_state_bytes(optimizer, {psi, 0, 0}, state_bytes);
    case OptimizerKind::adamw_8bit:
    case OptimizerKind::paged_adamw_8bit: {
      std::uint64_t small = 0;
      std::uint64_t bytes = 0;
      for (const TensorShape& t : facts.tensors) {
        if (t.elements < k_bnb_min_8bit_elements) {
          small += t.elements;
        } else {
          bytes = checked_add(bytes, optimizer_state_bytes(optimizer, t, state_bytes), "states");
        }
      }
      // Tensors the list does not show (a count above its sum) are large ones.
      std::uint64_t listed = small;
      for (const TensorShape& t : facts.tensors) {
        listed += t.elements >= k_bnb_min_8bit_elements ? t.elements : 0;
      }
      if (psi > listed) {
        bytes = checked_add(bytes, optimizer_state_bytes(optimizer, {psi - listed, 0, 0}, state_bytes),
                            "states");
      }
      return checked_add(bytes, small * 8, "states");
    }
    case OptimizerKind::adafactor: {
      std::uint64_t bytes = 0;
      for (const TensorShape& t : facts.tensors) {
        bytes = checked_add(bytes, optimizer_state_bytes(optimizer, t, state_bytes), "states");
      }
      return bytes;
    }
  }
  return 0;
}

}  // namespace

ParameterBytes parameter_bytes(const TrainingPlanner::Facts& facts, const ModelSpec& model,
                               const TrainingDeployment& d, const std::vector<TensorRole>& roles) {
  const TrainedBytes tb = trained_bytes(d);
  const WeightBreakdown& base = breakdown(facts, model, d.format);
  ParameterBytes p;
  p.state_bytes = tb.state;
  // Units in execution order for ZeRO-3/FSDP: embeddings, each block, head. Stored bytes
  // (frozen + trained working copy) and trained bytes of each.
  const std::size_t layers = model.layers.size();
  std::vector<std::uint64_t> unit_trained(layers + 2, 0);
  std::vector<std::uint64_t> unit_frozen(layers + 2, 0);
  const bool full = d.method == TrainMethod::full;
  (full ? unit_trained : unit_frozen)[0] = base.embedding_bytes;
  (full ? unit_trained : unit_frozen)[layers + 1] = base.head_bytes;
  for (std::size_t i = 0; i < base.layer_bytes.size() && i < layers; ++i) {
    (full ? unit_trained : unit_frozen)[i + 1] = base.layer_bytes[i];
  }
  if (full) {
    p.trainable_params = model.total_params;
    p.trainable = base.total_bytes;
    p.states = full_states(facts, model, d.optimizer, tb.state);
  } else {
    p.frozen = base.total_bytes;
    for (const LinearModule& m : facts.linears) {
      if (!role_in(roles, m.role)) {
        continue;
      }
      // A: rank x in, B: out x rank, one pair per module (per expert for stacked experts).
      const std::uint64_t a = checked_mul(checked_mul(d.lora.rank, m.in, "LoRA"), m.count, "LoRA");
      const std::uint64_t b = checked_mul(checked_mul(d.lora.rank, m.out, "LoRA"), m.count, "LoRA");
      p.trainable_params = checked_add(p.trainable_params, a + b, "LoRA parameters");
      p.states = checked_add(
          p.states,
          optimizer_state_bytes(d.optimizer, {a, d.lora.rank * m.count, m.in * m.count}, tb.state) +
              optimizer_state_bytes(d.optimizer, {b, m.out * m.count, d.lora.rank * m.count},
                                    tb.state),
          "optimizer states");
      const std::size_t unit = m.layer >= 0 && static_cast<std::size_t>(m.layer) < layers
                                   ? static_cast<std::size_t>(m.layer) + 1
                                   : layers + 1;
      unit_trained[unit] += (a + b) * tb.weight;
    }
    p.trainable = checked_mul(p.trainable_params, tb.weight, "adapters");
  }
  p.gradients = checked_mul(p.trainable_params, tb.gradient, "gradients");
  p.master = checked_mul(p.trainable_params, tb.master, "master weights");
  // DeepSpeed's "largest layer": the largest module's own parameters
  // (estimate_zero3_model_states_mem_needs: 4 bytes per parameter of it, fp16 params + grads).
  p.largest_module = std::max(base.embedding_bytes, base.head_bytes);
  p.largest_module_grads = full ? p.largest_module : 0;
  for (const LinearModule& m : facts.linears) {
    const std::uint64_t bytes = uniform_weight_bytes(d.format, m.in * m.out);
    if (bytes > p.largest_module) {
      p.largest_module = bytes;
      p.largest_module_grads = full ? m.in * m.out * tb.gradient : 0;
    }
  }
  for (std::size_t i = 0; i < unit_trained.size(); ++i) {
    const std::uint64_t unit = unit_frozen[i] + unit_trained[i];
    if (i + 1 < unit_trained.size()) {
      p.largest_unit_pair =
          std::max(p.largest_unit_pair, unit + unit_frozen[i + 1] + unit_trained[i + 1]);
    }
    // Gradients are in the working copy's precision (TrainedBytes: gradient == weight).
    p.largest_unit_grads = std::max(p.largest_unit_grads, unit_trained[i]);
  }
  return p;
}

}  // namespace vramcalc::train_detail
