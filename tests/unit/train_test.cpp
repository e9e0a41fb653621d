// Training memory (train.hpp, src/train/): model states by ZeRO stage against the ZeRO paper's
// own accounting, LoRA parameter counts, activations per layer, optimizer states, the verdict,
// refusals, solvers and recommendations. Expected values are worked out by hand in comments.
#include <algorithm>

#include "catch.hpp"
#include "train/train_internal.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/params_model.hpp"
#include "vramcalc/train.hpp"

using namespace vramcalc;

namespace {

GpuSpec card(const char* name) {
  static const GpuDatabase database = GpuDatabase::built_in();
  return *database.resolve(name).gpu;
}

// Full fine-tuning of `model` with the ZeRO paper's mixed-precision Adam: 16-bit parameters and
// gradients, fp32 master weights and Adam states (K = 12).
TrainingDeployment paper_deployment(TrainParallelism parallelism, std::uint32_t gpus,
                                    std::uint32_t nodes = 1) {
  TrainingDeployment d;
  d.method = TrainMethod::full;
  d.format = *find_weight_format("fp16");
  d.precision = TrainPrecision::fp16_mixed;
  d.optimizer = OptimizerKind::adamw;
  d.parallelism = parallelism;
  d.gpus = {GpuGroup{card("A100-80GB"), gpus}};
  d.nodes = nodes;
  d.seq_len = 1024;
  return d;
}

ModelSpec catalog(const char* name) {
  return catalog_model(name);
}

}  // namespace

// The ZeRO paper (Rajbhandari et al. 2019, arXiv:1910.02054), section 5.1 and Figure 1:
// Psi = 7.5B parameters, N_d = 64 GPUs, K = 12. Model states per GPU:
//   baseline (DDP)  (2 + 2 + K) Psi         = 16 x 7.5e9         = 120 GB
//   P_os  (ZeRO-1)  2 Psi + 2 Psi + K Psi/N  = 30e9 + 90e9/64     = 31.40625 GB
//   P_os+g (ZeRO-2) 2 Psi + (2 + K) Psi/N    = 15e9 + 105e9/64    = 16.640625 GB
//   P_os+g+p (ZeRO-3) (2 + 2 + K) Psi/N      = 120e9/64           = 1.875 GB
TEST_CASE("ZeRO stages split model states as the ZeRO paper counts them: 7.5B on 64 GPUs") {
  const ModelSpec model = model_from_params(7'500'000'000ULL, {});
  const TrainingPlanner planner(model);
  const auto states = [&](TrainParallelism p) {
    return planner.plan(paper_deployment(p, 64)).model_states;
  };
  const ModelStates ddp = states(TrainParallelism::ddp);
  CHECK(ddp.parameters_bytes == 15'000'000'000ULL);  // 2 Psi
  CHECK(ddp.gradients_bytes == 15'000'000'000ULL);   // 2 Psi
  CHECK(ddp.optimizer_bytes == 90'000'000'000ULL);   // K Psi = 12 x 7.5e9
  CHECK(ddp.total_bytes() == 120'000'000'000ULL);

  const ModelStates z1 = states(TrainParallelism::zero1);
  CHECK(z1.parameters_bytes == 15'000'000'000ULL);
  CHECK(z1.gradients_bytes == 15'000'000'000ULL);
  CHECK(z1.optimizer_bytes == 1'406'250'000ULL);     // 90e9 / 64
  CHECK(z1.total_bytes() == 31'406'250'000ULL);

  const ModelStates z2 = states(TrainParallelism::zero2);
  CHECK(z2.parameters_bytes == 15'000'000'000ULL);
  CHECK(z2.gradients_bytes == 234'375'000ULL);       // 15e9 / 64
  CHECK(z2.optimizer_bytes == 1'406'250'000ULL);
  CHECK(z2.total_bytes() == 16'640'625'000ULL);

  const ModelStates z3 = states(TrainParallelism::zero3);
  CHECK(z3.parameters_bytes == 234'375'000ULL);
  CHECK(z3.gradients_bytes == 234'375'000ULL);
  CHECK(z3.optimizer_bytes == 1'406'250'000ULL);
  CHECK(z3.total_bytes() == 1'875'000'000ULL);
}

// FSDP's sharding strategies partition as the ZeRO stages: FULL_SHARD as stage 3,
// SHARD_GRAD_OP as stage 2, HYBRID_SHARD as stage 3 within a node (2 nodes of 32 GPUs: states
// split 32 ways, 120e9 / 32 = 3.75 GB).
TEST_CASE("FSDP sharding strategies match the ZeRO stages they implement") {
  const ModelSpec model = model_from_params(7'500'000'000ULL, {});
  const TrainingPlanner planner(model);
  CHECK(planner.plan(paper_deployment(TrainParallelism::fsdp, 64)).model_states.total_bytes() ==
        1'875'000'000ULL);
  CHECK(planner.plan(paper_deployment(TrainParallelism::fsdp_grad_op, 64))
            .model_states.total_bytes() == 16'640'625'000ULL);
  const TrainingPlan hybrid = planner.plan(paper_deployment(TrainParallelism::fsdp_hybrid, 32, 2));
  CHECK(hybrid.shard_degree == 32);
  CHECK(hybrid.data_parallel == 64);
  CHECK(hybrid.model_states.total_bytes() == 3'750'000'000ULL);
}

// The paper's Figure 1 split shows in the per-GPU components too: 16-bit weights (2 Psi/N),
// master weights (4 Psi/N) and Adam's momentum and variance (8 Psi/N) under stage 3 on 64 GPUs.
TEST_CASE("ZeRO-3 components: parameters master weights and optimizer states per GPU") {
  const ModelSpec model = model_from_params(7'500'000'000ULL, {});
  const TrainingPlanner planner(model);
  TrainingDeployment d = paper_deployment(TrainParallelism::zero3, 64);
  d.grad_accum = 4;  // gradients held through the step
  const TrainingPlan plan = planner.plan(d);
  CHECK(plan.gpu.base_weights.bytes == 234'375'000ULL);      // 2 x 7.5e9 / 64
  CHECK(plan.gpu.gradients.bytes == 234'375'000ULL);         // 2 x 7.5e9 / 64
  CHECK(plan.gpu.master_weights.bytes == 468'750'000ULL);    // 4 x 7.5e9 / 64
  CHECK(plan.gpu.optimizer_states.bytes == 937'500'000ULL);  // 8 x 7.5e9 / 64
  CHECK(plan.gpu.trainable_params.bytes == 0);
}

// Offload (ZeRO-Offload / ZeRO-Infinity): the master weights and states leave the GPU for the
// host, with an fp32 copy of the gradient partition (DeepSpeed memory.rst: 16 bytes per
// parameter on the host). 7.5e9 on 64 GPUs: per GPU 12 Psi/64 + 4 Psi/64 = 1.875 GB; the node
// of 64 holds 64 shares = 120 GB.
TEST_CASE("optimizer offload moves master weights states and the gradient partition to the host") {
  const ModelSpec model = model_from_params(7'500'000'000ULL, {});
  const TrainingPlanner planner(model);
  TrainingDeployment d = paper_deployment(TrainParallelism::zero3, 64);
  d.offload_optimizer = true;
  const TrainingPlan plan = planner.plan(d);
  CHECK(plan.gpu.master_weights.bytes == 0);
  CHECK(plan.gpu.optimizer_states.bytes == 0);
  CHECK(plan.gpu.gradients.bytes == 0);
  CHECK(plan.gpu.base_weights.bytes == 234'375'000ULL);
  CHECK(plan.host.master_weights.bytes == 30'000'000'000ULL);    // 64 x 4 Psi/64
  CHECK(plan.host.optimizer_states.bytes == 60'000'000'000ULL);  // 64 x 8 Psi/64
  CHECK(plan.host.gradients.bytes == 30'000'000'000ULL);         // 64 x 4 Psi/64 (fp32)
  CHECK(plan.host_bytes == 120'000'000'000ULL);
  d.offload_params = true;
  const TrainingPlan all = planner.plan(d);
  CHECK(all.gpu.base_weights.bytes == 0);
  CHECK(all.host.base_weights.bytes == 15'000'000'000ULL);       // 64 x 2 Psi/64
}

// LoRA on every linear layer of Llama-3.1-8B at rank 16: per block
// q (4096 + 4096) + k (4096 + 1024) + v (4096 + 1024) + o (4096 + 4096)
// + gate, up (4096 + 14336) + down (14336 + 4096) = 81,920 inputs + outputs, x 16 = 1,310,720;
// x 32 blocks = 41,943,040.
TEST_CASE("LoRA adapters on all linear layers of Llama 3.1 8B count 41943040 parameters") {
  const ModelSpec model = catalog("llama-3.1-8b");
  const TrainingPlanner planner(model);
  TrainingDeployment d;
  d.method = TrainMethod::lora;
  d.format = *find_weight_format("bf16");
  const TrainingPlan plan = planner.plan(d);
  CHECK(plan.trainable_params == 41'943'040ULL);
  CHECK(plan.gpu.trainable_params.bytes == 2 * 41'943'040ULL);  // bf16 working copy
  CHECK(plan.model_states.optimizer_bytes == 12 * 41'943'040ULL);  // fp32 master + 2 states
}

// LitGPT's resource table states 4,194,304 trainable parameters for Llama 2 7B with rank 8 on
// query and value: (4096 + 4096) x 8 x 2 x 32 blocks.
TEST_CASE("LoRA rank 8 on q_proj and v_proj of Llama 2 7B counts 4194304 parameters") {
  const ModelSpec model = catalog("llama-2-7b");
  const TrainingPlanner planner(model);
  TrainingDeployment d;
  d.method = TrainMethod::lora;
  d.format = *find_weight_format("bf16");
  d.lora.rank = 8;
  d.lora.targets = {"q_proj", "v_proj"};
  CHECK(planner.plan(d).trainable_params == 4'194'304ULL);
}

namespace {

// Two blocks: hidden 1024, 8 heads of 128, 2 KV heads, gated MLP of 4096, vocab 32000; no
// tensor list (shapes from the layers).
ModelSpec small_model() {
  ModelSpec m;
  m.name = "small";
  m.hidden = 1024;
  m.vocab = 32000;
  m.total_params = 100'000'000;
  m.active_params = m.total_params;
  for (int i = 0; i < 2; ++i) {
    LayerSpec l;
    l.n_head = 8;
    l.n_kv_head = 2;
    l.head_dim_k = l.head_dim_v = 128;
    l.ffn_dim = 4096;
    m.layers.push_back(l);
  }
  return m;
}

}  // namespace

// Per token of one block, full fine-tuning, 16-bit activations, flash attention, eager kernels:
//   two RMSNorms: fp32 input 4h + rstd 4 + normalised 2h (trained weight)  = 2 x 6148 = 12,296
//   their outputs kept by q/k/v and gate/up:  2 x 2h                          = 4,096
//   flash attention: q 2x1024, k 2x256, v 2x256, out 2x1024, lse 4x8         = 5,152
//   SwiGLU: gate, act, up 3 x 2 x 4096, down's input 2 x 4096                 = 32,768
//   = 54,312 bytes; the final norm 6,148 and the head's input 2h = 8,196.
// 2 x 100 tokens: stored 200 x (2 x 54,312 + 8,196) = 23,364,000 bytes; standard loss
// 200 x 32,000 x (2 + 4 + 4) = 64,000,000 bytes.
TEST_CASE("activations of a small model follow the per-tensor count") {
  const ModelSpec model = small_model();
  const TrainingPlanner::Facts facts = train_detail::model_facts(model);
  TrainingDeployment d;
  d.format = *find_weight_format("bf16");
  d.micro_batch = 2;
  d.seq_len = 100;
  const train_detail::ActivationBytes a = train_detail::activation_bytes_of(model, facts, d, {});
  CHECK(a.per_layer_token == 54'312);
  CHECK(a.stored == 23'364'000);
  CHECK(a.recompute == 0);
  CHECK(a.logits == 64'000'000);
  // Full checkpointing keeps each block's input (2h per token) and recomputes one block:
  // 200 x (2 x 2,048 + 8,196) = 2,458,400 stored, 200 x 54,312 = 10,862,400 recomputed.
  d.checkpointing = Checkpointing::full;
  const train_detail::ActivationBytes c = train_detail::activation_bytes_of(model, facts, d, {});
  CHECK(c.stored == 2'458'400);
  CHECK(c.recompute == 10'862'400);
  // Chunked loss: 16-bit logits, fp32 log-probabilities, one of 8 chunks upcast: 6.5 bytes.
  d.loss = LossKind::chunked;
  CHECK(train_detail::activation_bytes_of(model, facts, d, {}).logits == 41'600'000);
}

// Eager attention keeps the fp32 softmax and its 16-bit copy: (4 + 2) x 8 heads per token per
// token of context; repeated K and V (8 heads of 128 instead of 2): per token
// q 2048 + k 2048 + v 2048 + the contiguous output for o_proj 2048.
TEST_CASE("eager attention adds the s squared scores and selective checkpointing drops them") {
  const ModelSpec model = small_model();
  const TrainingPlanner::Facts facts = train_detail::model_facts(model);
  TrainingDeployment d;
  d.format = *find_weight_format("bf16");
  d.micro_batch = 1;
  d.seq_len = 100;
  d.flash_attention = false;
  // Per token: 12,296 + 4,096 + 8,192 + 32,768 = 57,352; scores 48 x 100 = 4,800 per token.
  const auto eager = train_detail::activation_bytes_of(model, facts, d, {});
  CHECK(eager.stored == 100 * (2 * (57'352 + 4'800) + 8'196));
  d.checkpointing = Checkpointing::selective;
  CHECK(train_detail::activation_bytes_of(model, facts, d, {}).stored ==
        100 * (2 * 57'352 + 8'196));
}

// bitsandbytes 8-bit Adam: two uint8 states and one fp32 absmax per 256 elements of each
// (1,048,576 elements: 2 x 1,048,576 + 2 x 4 x 4,096 = 2,129,920 bytes); tensors under 4096
// elements keep fp32 states (8 bytes each). Adafactor keeps rows + columns of a matrix.
TEST_CASE("optimizer states per tensor") {
  using train_detail::optimizer_state_bytes;
  const train_detail::TensorShape matrix{1'048'576, 1024, 1024};
  const train_detail::TensorShape vector{1024, 0, 0};
  CHECK(optimizer_state_bytes(OptimizerKind::adamw, matrix, 4) == 8 * 1'048'576ULL);
  CHECK(optimizer_state_bytes(OptimizerKind::adamw, matrix, 2) == 4 * 1'048'576ULL);
  CHECK(optimizer_state_bytes(OptimizerKind::adamw_8bit, matrix, 4) == 2'129'920ULL);
  CHECK(optimizer_state_bytes(OptimizerKind::paged_adamw_8bit, vector, 4) == 8 * 1024ULL);
  CHECK(optimizer_state_bytes(OptimizerKind::adafactor, matrix, 4) == 4 * 2048ULL);
  CHECK(optimizer_state_bytes(OptimizerKind::adafactor, vector, 4) == 4 * 1024ULL);
  CHECK(optimizer_state_bytes(OptimizerKind::sgd, matrix, 4) == 4 * 1'048'576ULL);
  CHECK(optimizer_state_bytes(OptimizerKind::lion, matrix, 2) == 2 * 1'048'576ULL);
}

TEST_CASE("the training verdict is fits exactly when headroom is at least zero") {
  const ModelSpec model = catalog("llama-3.1-8b");
  const TrainingPlanner planner(model);
  TrainingDeployment d;
  d.method = TrainMethod::qlora;
  d.format = *find_weight_format("nf4");
  d.checkpointing = Checkpointing::full;
  d.gpus = {GpuGroup{card("4090"), 1}};
  const TrainingPlan plan = planner.plan(d);
  REQUIRE(plan.headroom_bytes.has_value());
  CHECK(plan.fits == (*plan.headroom_bytes >= 0));
  CHECK(plan.per_gpu_bytes == plan.gpu.total_bytes());
  CHECK(*plan.headroom_bytes == static_cast<std::int64_t>(plan.devices.front().capacity_bytes) -
                                    static_cast<std::int64_t>(plan.per_gpu_bytes));
  // A margin of exactly the headroom still fits; one byte more does not.
  d.margin.bytes = static_cast<std::uint64_t>(*plan.headroom_bytes);
  CHECK(planner.plan(d).fits);
  CHECK(*planner.plan(d).headroom_bytes == 0);
  d.margin.bytes += 1;
  CHECK_FALSE(planner.plan(d).fits);
}

TEST_CASE("impossible training deployments are refused") {
  const ModelSpec model = catalog("llama-3.1-8b");
  const TrainingPlanner planner(model);
  TrainingDeployment lora;
  lora.method = TrainMethod::lora;
  lora.format = *find_weight_format("bf16");
  TrainingDeployment d = lora;
  d.lora.rank = 0;
  CHECK_THROWS_AS(planner.plan(d), Error);
  d.lora.rank = 4097;  // above hidden 4096
  CHECK_THROWS_AS(planner.plan(d), Error);
  d = lora;
  d.lora.targets = {"c_attn"};  // GPT-2's fused projection: not in Llama
  CHECK_THROWS_AS(planner.plan(d), Error);
  d = lora;
  d.micro_batch = 0;
  CHECK_THROWS_AS(planner.plan(d), Error);
  d = lora;
  d.method = TrainMethod::qlora;  // QLoRA on bf16 weights
  CHECK_THROWS_AS(planner.plan(d), Error);
  d = lora;
  d.offload_optimizer = true;  // single GPU: no ZeRO, no offload
  CHECK_THROWS_AS(planner.plan(d), Error);
  d = lora;
  d.method = TrainMethod::full;
  d.format = *find_weight_format("nf4");  // full fine-tuning of 4-bit weights
  CHECK_THROWS_AS(planner.plan(d), Error);
  CHECK_THROWS_AS(parse_optimizer("adamw8", "--optimizer"), Error);
  CHECK(parse_optimizer("adamw_8bit", "--optimizer") == OptimizerKind::adamw_8bit);
}

TEST_CASE("the largest micro-batch fits and one more does not") {
  const ModelSpec model = catalog("llama-3.1-8b");
  const TrainingPlanner planner(model);
  TrainingDeployment d;
  d.method = TrainMethod::qlora;
  d.format = *find_weight_format("nf4");
  d.gpus = {GpuGroup{card("4090"), 1}};
  const auto answer = solve_max_micro_batch(planner, d);
  REQUIRE(answer.has_value());
  CHECK(answer->plan.fits);
  CHECK(answer->plan.deployment.micro_batch == answer->value);
  REQUIRE(answer->next_plan.has_value());
  CHECK_FALSE(answer->next_plan->fits);
  CHECK(*answer->next_value == answer->value + 1);
}

TEST_CASE("the fewest GPUs fit and one fewer does not") {
  const ModelSpec model = catalog("llama-3.1-70b");
  const TrainingPlanner planner(model);
  TrainingDeployment d;
  d.format = *find_weight_format("bf16");
  d.checkpointing = Checkpointing::full;
  d.parallelism = TrainParallelism::fsdp;
  d.gpus = {GpuGroup{card("A100-80GB"), 1}};
  const auto answer = solve_min_training_gpus(planner, d);
  REQUIRE(answer.has_value());
  CHECK(answer->value > 1);
  CHECK(answer->plan.fits);
  REQUIRE(answer->next_plan.has_value());
  CHECK_FALSE(answer->next_plan->fits);
  d.parallelism = TrainParallelism::single;
  CHECK_THROWS_AS(solve_min_training_gpus(planner, d), Error);
}

TEST_CASE("every training recommendation fits and changes what it says") {
  const ModelSpec model = catalog("llama-3.1-8b");
  const TrainingPlanner planner(model);
  TrainingDeployment d;
  d.format = *find_weight_format("bf16");
  d.gpus = {GpuGroup{card("4090"), 1}};
  const TrainingPlan plan = planner.plan(d);
  REQUIRE_FALSE(plan.fits);
  const auto recs = recommend_training(planner, plan);
  REQUIRE_FALSE(recs.empty());
  for (const auto& rec : recs) {
    CHECK(rec.plan.fits);
    CHECK(rec.changes.front() == rec.kind);
  }
  CHECK(std::any_of(recs.begin(), recs.end(),
                    [](const auto& r) { return r.kind == TrainingChange::qlora; }));
}
