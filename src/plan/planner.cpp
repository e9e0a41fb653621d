// The one planner: which strategy a deployment gets. docs/formulas.md, "Placement".
#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "plan/placement_internal.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

using namespace plan_detail;

std::uint32_t total_cards(const Deployment& deployment) {
  std::uint32_t cards = 0;
  for (const auto& group : deployment.gpus) {
    cards += group.count;
  }
  return cards * deployment.nodes;
}

bool offload_allowed(const Deployment& deployment) {
  return deployment.ram_bytes.has_value() || deployment.force_offload;
}

bool pool_engine(EngineKind engine) {
  return engine == EngineKind::vllm || engine == EngineKind::sglang;
}

bool layer_split_engine(EngineKind engine) {
  return engine == EngineKind::llama_cpp || engine == EngineKind::ollama ||
         engine == EngineKind::transformers;
}

namespace {

EngineKind engine_of(const Deployment& d) {
  return d.options.engine.kind;
}

bool divides_heads(const ModelSpec& model, std::uint32_t tp) {
  const std::uint32_t heads = attention_heads(model);
  return tp <= 1 || heads == 0 || heads % tp == 0;
}

std::string divisors_of_heads(const ModelSpec& model) {
  std::string divisors;
  const std::uint32_t heads = attention_heads(model);
  for (std::uint32_t d = 1; d <= heads && d <= k_max_planned_cards; ++d) {
    if (heads % d == 0) {
      divisors += (divisors.empty() ? "" : ", ") + std::to_string(d);
    }
  }
  return divisors;
}

// Whether the engine can keep layers or experts in CPU RAM.
bool can_offload(EngineKind engine) {
  return !pool_engine(engine);
}

// The engine settings name a split themselves (-ngl, --n-cpu-moe, -nkvo).
bool chosen_split(const Deployment& d) {
  const EngineSettings& s = d.options.engine;
  return s.n_gpu_layers.has_value() || s.n_cpu_moe.has_value() || s.no_kv_offload;
}

// A CPU-only deployment: no card, an engine that runs on the CPU, no GPU split.
void validate_cpu_only(const Deployment& d) {
  const EngineKind engine = engine_of(d);
  if (!d.gpus.empty()) {
    throw Error(ErrorKind::usage, "--cpu-only plans without a GPU, but a card is named",
                "drop --gpu/--vram, or drop --cpu-only");
  }
  if (pool_engine(engine)) {
    throw Error(ErrorKind::usage,
                fmt::format("{} is planned on GPUs only: it has no CPU-only plan here",
                            engine_name(engine)),
                "use --engine llama.cpp, ollama or transformers with --cpu-only");
  }
  const EngineSettings& s = d.options.engine;
  if (s.n_gpu_layers.value_or(0) > 0 || s.n_cpu_moe || s.no_kv_offload) {
    throw Error(ErrorKind::usage,
                "--n-gpu-layers, --n-cpu-moe and --no-kv-offload split a model with a GPU, but "
                "--cpu-only has none",
                "drop them, or name a card instead of --cpu-only");
  }
}

// Checks that hold for every deployment, whatever the strategy.
void validate(const ModelSpec& model, const Deployment& d) {
  const EngineKind engine = engine_of(d);
  if (d.cpu_only) {
    validate_cpu_only(d);
  } else if (chosen_split(d) && d.gpus.empty()) {
    throw Error(ErrorKind::usage,
                "--n-gpu-layers, --n-cpu-moe and --no-kv-offload split a model between a card "
                "and the CPU, but no card is named",
                "add --gpu NAME (or --vram SIZE), or --cpu-only for no GPU at all");
  }
  if (chosen_split(d) && engine != EngineKind::llama_cpp && engine != EngineKind::ollama) {
    throw Error(ErrorKind::usage,
                fmt::format("--n-gpu-layers, --n-cpu-moe and --no-kv-offload are llama.cpp's "
                            "splits, not {}'s",
                            engine_name(engine)),
                "add --engine llama.cpp");
  }
  if (d.margin.bytes > 0 || d.margin.percent > 0) {
    if (pool_engine(engine)) {
      const bool vllm = engine == EngineKind::vllm;
      throw Error(ErrorKind::usage,
                  fmt::format("a margin does not apply to {}: it takes a fixed share of each card",
                              vllm ? "vLLM" : "SGLang"),
                  vllm ? "lower --gpu-memory-utilization instead of --margin"
                       : "lower --mem-fraction-static instead of --margin");
    }
  }
  if (d.gpus.size() > 1 && pool_engine(engine)) {
    throw Error(ErrorKind::usage,
                fmt::format("{} shards a model evenly over identical cards; mixed cards are not "
                            "modelled for it",
                            engine_name(engine)),
                "name one card type, or use --engine llama.cpp for a layer split by capacity");
  }
  if (pool_engine(engine) && model.max_context != 0 &&
      d.workload.context > model.max_context && !d.allow_long_context) {
    throw Error(
        ErrorKind::usage,
        fmt::format("{} refuses a context of {} tokens: the model was trained for {}", engine_name(engine),
                    d.workload.context, model.max_context),
        fmt::format("use --context {} or less, or --allow-long-context (the engine's {})",
                    model.max_context,
                    engine == EngineKind::vllm ? "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1"
                                               : "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1"));
  }
  const std::uint32_t cards = total_cards(d);
  if (d.tensor_parallel > 0 || d.pipeline_parallel > 0) {
    if (d.gpus.empty()) {
      throw Error(ErrorKind::usage, "--tp and --pp need a card", "add --gpu NAME (or --vram SIZE)");
    }
    if (d.gpus.size() > 1) {
      throw Error(ErrorKind::usage, "--tp and --pp apply to identical cards",
                  "drop them: mixed cards are split by layers in proportion to their memory");
    }
  }
  if (layer_split_engine(engine) && (d.mode == ParallelMode::tensor || d.tensor_parallel > 1)) {
    throw Error(ErrorKind::usage,
                fmt::format("{} splits a model over cards by layers; tensor parallelism is not "
                            "modelled for it",
                            engine_name(engine)),
                engine == EngineKind::transformers
                    ? "drop --parallel-mode tp / --tp: device_map=\"auto\" places layers in turn"
                    : "drop --parallel-mode tp / --tp: llama.cpp's -sm layer is planned (its -sm "
                      "row is not)");
  }
  if (cards > 0 && d.pipeline_parallel > model.layers.size()) {
    throw Error(ErrorKind::usage,
                fmt::format("{} pipeline stages for {} layers", d.pipeline_parallel,
                            model.layers.size()),
                "use at most one stage per layer");
  }
}

// The layout of an explicit --tp/--pp request, checked against the cards.
Planner::Layout explicit_layout(const ModelSpec& model, const Deployment& d, std::uint32_t cards) {
  Planner::Layout layout;
  const std::uint32_t tp = d.tensor_parallel;
  const std::uint32_t pp = d.pipeline_parallel;
  if (tp > 0 && pp > 0 && tp * pp != cards) {
    throw Error(ErrorKind::usage,
                fmt::format("--tp {} x --pp {} is {} cards, but {} are named", tp, pp, tp * pp,
                            cards),
                fmt::format("use --gpus {} (or degrees whose product is {})", tp * pp, cards));
  }
  const std::uint32_t given = tp > 0 ? tp : pp;
  if (cards % given != 0) {
    throw Error(ErrorKind::usage,
                fmt::format("{} {} does not divide the {} cards", tp > 0 ? "--tp" : "--pp", given,
                            cards),
                "use degrees whose product is the number of cards");
  }
  layout.tensor_parallel = tp > 0 ? tp : cards / pp;
  layout.pipeline_parallel = pp > 0 ? pp : cards / tp;
  if (!divides_heads(model, layout.tensor_parallel)) {
    throw Error(ErrorKind::usage,
                fmt::format("tensor parallel degree {} does not divide the {} attention heads",
                            layout.tensor_parallel, attention_heads(model)),
                "use a degree that divides the heads: " + divisors_of_heads(model));
  }
  if (layout.pipeline_parallel > model.layers.size()) {
    throw Error(ErrorKind::usage,
                fmt::format("{} pipeline stages for {} layers", layout.pipeline_parallel,
                            model.layers.size()),
                "use at most one stage per layer");
  }
  return layout;
}

Plan finished(Plan plan, const Context& ctx, const GpuSpec* reference) {
  plan.deployment = ctx.deployment;
  if (const GpuSpec* unified = unified_card(ctx.deployment);
      unified != nullptr && ctx.detail == PlanDetail::full) {
    plan.notes.push_back(unified_memory_note(*unified));
  }
  settle(plan);
  attach_speed(plan, ctx, reference);
  if (ctx.detail == PlanDetail::full) {
    plan.engine_flags = engine_flags(plan, ctx.model);
  }
  return plan;
}

// Offload plans the engine can run on the deployment's cards, best first (fits, then faster).
std::vector<Plan> offload_plans(const Context& ctx) {
  std::vector<Plan> plans;
  const EngineKind engine = engine_of(ctx.deployment);
  if (!can_offload(engine) || ctx.deployment.gpus.empty()) {
    return plans;
  }
  const std::vector<GpuSpec> cards = card_list(ctx.deployment);
  const GpuSpec* first = &cards.front();
  const OffloadKind kind = ctx.deployment.offload;
  if (engine == EngineKind::transformers) {
    plans.push_back(finished(streamed_offload_plan(ctx, cards), ctx, first));
    return plans;
  }
  if (kind != OffloadKind::experts || ctx.model.n_experts == 0) {
    plans.push_back(finished(layer_offload_plan(ctx, cards), ctx, first));
  }
  if (ctx.model.n_experts > 0 && kind != OffloadKind::layers) {
    plans.push_back(finished(expert_offload_plan(ctx, cards), ctx, first));
  }
  std::stable_sort(plans.begin(), plans.end(), [](const Plan& a, const Plan& b) {
    if (a.fits != b.fits) {
      return a.fits;
    }
    const double sa = a.speed ? a.speed->expected_decode_tokens_per_s : 0.0;
    const double sb = b.speed ? b.speed->expected_decode_tokens_per_s : 0.0;
    return sa > sb;
  });
  return plans;
}

// Automatic layouts only: when no layout of all `cards` fits, the first fitting layout of fewer
// cards (a tensor-parallel degree must divide the heads, so five cards may run as four and one
// idle), so that more cards never turn a fit into a non-fit.
std::optional<Plan> on_fewer_cards(const Planner& planner, const Context& ctx, std::uint32_t cards) {
  const Deployment& d = ctx.deployment;
  if (d.mode != ParallelMode::automatic || d.tensor_parallel > 0 || d.pipeline_parallel > 0 ||
      d.nodes > 1 || d.gpus.size() != 1) {
    return std::nullopt;
  }
  const GpuSpec& gpu = d.gpus.front().gpu;
  for (std::uint32_t used = cards - 1; used >= 1; --used) {
    for (const Planner::Layout& layout : planner.layouts(d, used)) {
      Plan plan = finished(grid_plan(ctx, &gpu, layout.tensor_parallel, layout.pipeline_parallel),
                           ctx, &gpu);
      if (plan.fits) {
        plan.notes.push_back(fmt::format(
            "uses {} of the {} cards: no layout of all {} fits ({} attention heads; {} layers)",
            used, cards, cards, attention_heads(ctx.model), ctx.model.layers.size()));
        return plan;
      }
    }
  }
  return std::nullopt;
}

// Cards that all hold whole plans of their own (no offload): one card, a grid, a layer split.
Plan on_cards(const Planner& planner, const Context& ctx) {
  const Deployment& d = ctx.deployment;
  const std::uint32_t cards = total_cards(d);
  if (cards == 0) {
    return finished(grid_plan(ctx, nullptr, 1, 1), ctx, nullptr);
  }
  const GpuSpec& first = d.gpus.front().gpu;
  if (cards == 1) {
    return finished(grid_plan(ctx, &first, 1, 1), ctx, &first);
  }
  if (d.gpus.size() > 1 || layer_split_engine(engine_of(d))) {
    const std::vector<GpuSpec> list = card_list(d);
    return finished(layer_split_plan(ctx, list), ctx, &first);
  }
  const std::vector<Planner::Layout> layouts = planner.layouts(d, cards);
  if (layouts.empty()) {
    const std::uint32_t per_node = d.gpus.front().count;
    throw Error(ErrorKind::usage,
                fmt::format("{} GPUs{} cannot split {} attention heads evenly (tensor "
                            "parallelism)",
                            d.nodes > 1 ? per_node : cards, d.nodes > 1 ? " per node" : "",
                            attention_heads(ctx.model)),
                "use a count that divides the heads: " + divisors_of_heads(ctx.model) +
                    "; or --parallel-mode pp for pipeline stages");
  }
  std::optional<Plan> best;
  for (const Planner::Layout& layout : layouts) {
    Plan plan = finished(grid_plan(ctx, &first, layout.tensor_parallel, layout.pipeline_parallel),
                         ctx, &first);
    if (plan.fits) {
      return plan;
    }
    if (!best) {
      best = std::move(plan);
    }
  }
  if (auto fewer = on_fewer_cards(planner, ctx, cards)) {
    return std::move(*fewer);
  }
  return *best;
}

}  // namespace

Planner::Planner(const ModelSpec& model) : m_model(&model), m_cache(std::make_shared<Cache>()) {}

std::vector<Planner::Layout> Planner::layouts(const Deployment& d, std::uint32_t cards) const {
  const ModelSpec& model = *m_model;
  const auto layers = static_cast<std::uint32_t>(model.layers.size());
  std::vector<Layout> out;
  if (cards <= 1) {
    out.push_back({1, 1});
    return out;
  }
  if (layer_split_engine(engine_of(d)) || d.gpus.size() > 1) {
    if (cards <= layers) {
      out.push_back({1, cards});
    }
    return out;
  }
  if (d.tensor_parallel > 0 || d.pipeline_parallel > 0) {
    out.push_back(explicit_layout(model, d, cards));
    return out;
  }
  const auto add = [&](std::uint32_t tp, std::uint32_t pp) {
    if (divides_heads(model, tp) && pp <= layers) {
      out.push_back({tp, pp});
    }
  };
  if (d.nodes > 1 && d.mode != ParallelMode::pipeline) {
    // Tensor parallel within a node, pipeline across nodes.
    add(d.gpus.front().count, d.nodes);
    return out;
  }
  switch (d.mode) {
    case ParallelMode::tensor:
      add(cards, 1);
      break;
    case ParallelMode::pipeline:
      add(1, cards);
      break;
    case ParallelMode::automatic:
      // Tensor parallel when the count divides the heads; else the widest tensor-parallel
      // stages that do (vLLM and SGLang refuse other degrees); else pipeline stages.
      for (std::uint32_t tp = cards; tp >= 2; --tp) {
        if (cards % tp == 0) {
          add(tp, cards / tp);
        }
      }
      add(1, cards);
      break;
  }
  return out;
}

Plan Planner::plan(const Deployment& deployment, PlanDetail detail) const {
  const ModelSpec& model = *m_model;
  validate(model, deployment);
  auto [it, inserted] = m_cache->facts.try_emplace(deployment.format.name);
  if (inserted) {
    it->second = format_facts(model, deployment.format);
  }
  const std::vector<AttachmentMemory> attachments = attachment_memory(
      deployment.attachments, model, deployment.workload, deployment.options.engine);
  const Workload& w = deployment.workload;
  auto [share, computed] = m_cache->kv_average_share.try_emplace(
      std::tuple<std::uint64_t, std::uint64_t, std::string, std::string>(
          w.context, w.batch, w.kv_key.name, w.kv_value.name),
      0.0);
  if (computed) {
    share->second = average_kv_share(model, w);
  }
  const Context ctx{model, deployment, it->second, attachments, detail, share->second};
  if (deployment.cpu_only) {
    return finished(cpu_plan(ctx), ctx, nullptr);
  }
  if (chosen_split(deployment)) {
    // The split the engine settings name is the plan, whether it fits or not.
    const std::vector<GpuSpec> cards = card_list(deployment);
    return finished(chosen_split_plan(ctx, cards), ctx, &cards.front());
  }
  Plan plan = on_cards(*this, ctx);
  if (!offload_allowed(deployment) || (plan.fits && !deployment.force_offload)) {
    return plan;
  }
  // Does not fit on the cards (or offload asked for): offload to CPU RAM when the engine can.
  std::vector<Plan> offloads = offload_plans(ctx);
  if (!offloads.empty() && (offloads.front().fits || deployment.force_offload)) {
    return std::move(offloads.front());
  }
  return plan;
}

namespace {

// Whether a plan keeps any layer or expert off the GPUs (an offload plan of a model that fits
// keeps none, and is the single-card plan again).
bool moves_off_gpu(const Plan& plan) {
  return std::any_of(plan.devices.begin(), plan.devices.end(), [](const DevicePlan& d) {
    return d.kind != DeviceKind::gpu && (d.layer_count > 0 || d.expert_layers > 0);
  });
}

}  // namespace

std::vector<Plan> Planner::alternatives(const Plan& chosen) const {
  std::vector<Plan> out;
  const Deployment& base = chosen.deployment;
  const std::uint32_t cards = total_cards(base);
  const EngineKind engine = engine_of(base);
  const auto add = [&](Deployment d) {
    try {
      out.push_back(plan(d));
    } catch (const Error&) {
      // A layout this model cannot take is no alternative.
    }
  };
  if (cards > 1 && base.gpus.size() == 1 && base.nodes == 1 && !layer_split_engine(engine)) {
    if (chosen.strategy == PlanStrategy::tensor_parallel ||
        chosen.strategy == PlanStrategy::tensor_pipeline) {
      Deployment d = base;
      d.mode = ParallelMode::pipeline;
      d.tensor_parallel = 1;
      d.pipeline_parallel = cards;
      add(d);
    } else if (chosen.strategy == PlanStrategy::pipeline_parallel && divides_heads(*m_model, cards)) {
      Deployment d = base;
      d.mode = ParallelMode::tensor;
      d.tensor_parallel = cards;
      d.pipeline_parallel = 1;
      add(d);
    }
  }
  if (cards == 1 && can_offload(engine)) {
    const std::vector<OffloadKind> kinds =
        engine == EngineKind::transformers || m_model->n_experts == 0
            ? std::vector<OffloadKind>{OffloadKind::automatic}
            : std::vector<OffloadKind>{OffloadKind::layers, OffloadKind::experts};
    for (const OffloadKind kind : kinds) {
      Deployment d = base;
      d.force_offload = true;
      d.offload = kind;
      Plan alt = plan(d);
      if (alt.strategy != chosen.strategy && moves_off_gpu(alt)) {
        out.push_back(std::move(alt));
      }
    }
  }
  return out;
}

const char* strategy_name(PlanStrategy strategy) {
  switch (strategy) {
    case PlanStrategy::single: return "single";
    case PlanStrategy::tensor_parallel: return "tensor_parallel";
    case PlanStrategy::pipeline_parallel: return "pipeline_parallel";
    case PlanStrategy::tensor_pipeline: return "tensor_pipeline";
    case PlanStrategy::layer_split: return "layer_split";
    case PlanStrategy::offload: return "offload";
    case PlanStrategy::expert_offload: return "expert_offload";
    case PlanStrategy::streamed_offload: return "streamed_offload";
    case PlanStrategy::cpu_only: return "cpu_only";
  }
  return "unknown";
}

const char* device_kind_name(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::gpu: return "gpu";
    case DeviceKind::cpu: return "cpu";
    case DeviceKind::disk: return "disk";
  }
  return "unknown";
}

}  // namespace vramcalc
