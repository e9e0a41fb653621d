#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "render.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/escape.hpp"
#include "vramcalc/version.hpp"

namespace vramcalc::cli {

namespace {

// Width of the usage bar in cells.
constexpr int k_bar_cells = 40;

std::string gb(std::uint64_t bytes) {
  return fmt::format("{:.2f} GB", to_gb(bytes));
}

std::string gb_and_gib(std::uint64_t bytes) {
  return fmt::format("{:.2f} GB ({:.2f} GiB)", to_gb(bytes), to_gib(bytes));
}

std::string with_commas(std::uint64_t value) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<std::size_t>(i), ",");
  }
  return digits;
}

std::string shape_line(const ModelSpec& model) {
  const LayerSpec& first = model.layers.front();
  return fmt::format("{} layers, hidden {}, {} heads, {} kv-heads, head dim {}, vocab {}",
                     model.layers.size(), model.hidden, first.n_head, first.n_kv_head,
                     first.head_dim_k, model.vocab);
}

std::string usage_bar(std::uint64_t used, std::uint64_t capacity, const Painter& paint) {
  const double share = capacity == 0 ? 1.0 : static_cast<double>(used) / static_cast<double>(capacity);
  const int filled = std::clamp(static_cast<int>(std::lround(share * k_bar_cells)), 0, k_bar_cells);
  std::string full;
  std::string empty;
  for (int i = 0; i < filled; ++i) {
    full += "\u2588";
  }
  for (int i = filled; i < k_bar_cells; ++i) {
    empty += "\u2591";
  }
  const std::string coloured = share <= 0.9 ? paint.green(full) : share <= 1.0 ? paint.yellow(full)
                                                                              : paint.red(full);
  return fmt::format("[{}{}] {:.0f}% of {}", coloured, empty, share * 100.0, gb(capacity));
}

std::string hardware_line(const Deployment& d) {
  std::string line = d.cpu_only ? "CPU only" : "";
  for (const GpuGroup& group : d.gpus) {
    line += fmt::format("{}{} x {}: {} MiB usable each ({})", line.empty() ? "" : "; ",
                        group.count * d.nodes, escape_for_terminal(group.gpu.name), group.gpu.usable_bytes / k_mib,
                        usable_source_name(group.gpu.usable_source));
  }
  if (d.nodes > 1) {
    line += fmt::format(" over {} nodes", d.nodes);
  }
  if (d.margin.percent > 0) {
    line += fmt::format("; margin {}% of each card", d.margin.percent);
  } else if (d.margin.bytes > 0) {
    line += fmt::format("; margin {} per card", gb(d.margin.bytes));
  }
  if (d.cpu) {
    line += fmt::format("; CPU {} ({:g} GB/s)", d.cpu->name, d.cpu->bandwidth_gb_s);
  }
  if (d.cpu_only && d.ram_bytes) {
    line += fmt::format(", {} RAM", gb(*d.ram_bytes));
  }
  return line;
}

void render_inputs(std::string& out, const Report& report) {
  const Request& request = report.request;
  const ModelSpec& model = request.model;
  const Workload& workload = request.deployment.workload;
  out += fmt::format("  {:<11}{} ({} parameters)\n", "Model",
                     model.shape.assumed ? "bare parameter count" : escape_for_terminal(model.name),
                     with_commas(model.total_params));
  out += fmt::format("  {:<11}{}{}\n", "Shape", shape_line(model),
                     model.shape.assumed ? " (assumed from " + model.shape.reference_model + ")"
                                         : "");
  const WeightFormat& format = report.format();
  out += fmt::format("  {:<11}weights {} ({:.2f} bits/weight), KV cache {}{}\n", "Precision",
                     format.scheme == WeightScheme::as_stored ? escape_for_terminal(model.stored_format) + " as stored"
                                                               : format.name,
                     plan_bits_per_weight(report.plan, model), workload.kv_key.name,
                     workload.kv_value.name != workload.kv_key.name
                         ? fmt::format("/{}", workload.kv_value.name)
                         : "");
  out += fmt::format("  {:<11}{} tokens per sequence x {} sequence{}\n", "Workload",
                     with_commas(workload.context), workload.batch, workload.batch == 1 ? "" : "s");
  const EngineDetails& engine = report.estimate().engine;
  out += fmt::format("  {:<11}{}{}\n", "Engine", engine_name(engine.kind),
                     engine.kind == EngineKind::generic ? " (engine-neutral)"
                                                        : " — follows " + engine.version);
  if (!engine.equivalent_flags.empty()) {
    out += fmt::format("  {:<11}{}\n", "", engine.equivalent_flags);
  }
  if (report.has_hardware || request.deployment.cpu_only) {
    out += fmt::format("  {:<11}{}\n", "Hardware", hardware_line(request.deployment));
  }
}

void render_breakdown(std::string& out, const Report& report, const Painter& paint) {
  const Plan& p = report.plan;
  const MemoryEstimate& e = p.estimate;
  const std::uint32_t cards = total_cards(p.deployment);
  out += "\n" + paint.bold("Memory") +
         (cards > 1 ? fmt::format(" (the whole deployment: {} cards; per card in the plan)", cards)
                    : std::string()) +
         "\n";
  out += fmt::format("  {:<18}{:>10} {:>10}  {:<11}{}\n", "", "GB", "GiB", "how", "basis");
  const auto row = [&](const char* label, std::uint64_t bytes, const Component& c) {
    out += fmt::format("  {:<18}{:>10.3f} {:>10.3f}  {:<11}{}\n", label, to_gb(bytes),
                       to_gib(bytes), provenance_name(c.provenance), paint.dim(c.basis));
  };
  // The model's own rows, then each attachment (its bytes are in the devices' sums).
  std::uint64_t attached_weights = 0;
  std::uint64_t attached_kv = 0;
  std::uint64_t attached_compute = 0;
  for (const PlacedAttachment& a : p.attachments) {
    const auto share = [&a](std::uint64_t bytes) {
      return div_ceil(bytes, a.devices.size()) * a.devices.size();
    };
    attached_weights += share(a.memory.weights.bytes);
    attached_kv += share(a.memory.kv_cache.bytes);
    attached_compute += share(a.memory.compute.bytes);
  }
  const auto less = [](std::uint64_t total, std::uint64_t part) {
    return total > part ? total - part : 0;
  };
  row("weights", less(p.weights_bytes, attached_weights), e.weights);
  row(p.kv_pool ? "KV pool" : "KV cache", less(p.kv_cache_bytes, attached_kv), e.kv_cache);
  row(e.engine.kind == EngineKind::llama_cpp || e.engine.kind == EngineKind::ollama
          ? "compute buffer"
          : "activations",
      less(p.activations_bytes, attached_compute), e.activations);
  row("runtime overhead", p.overhead_bytes, e.overhead);
  for (const PlacedAttachment& a : p.attachments) {
    const AttachmentMemory& m = a.memory;
    const std::string label = fmt::format("{}", attachment_kind_name(m.kind));
    std::string basis = escape_for_terminal(m.name) + ": weights " + gb(m.weights.bytes) +
                        (m.kv_cache.bytes > 0 ? ", KV " + gb(m.kv_cache.bytes) : std::string()) +
                        (m.kv_bytes_per_token > 0
                             ? fmt::format(", {} KV bytes per pooled token", m.kv_bytes_per_token)
                             : std::string()) +
                        (m.compute.bytes > 0 ? ", compute " + gb(m.compute.bytes) : std::string()) +
                        fmt::format(" on {}", a.devices.size() == 1
                                                  ? escape_for_terminal(a.devices.front())
                                                  : fmt::format("{} cards", a.devices.size()));
    out += fmt::format("  {:<18}{:>10.3f} {:>10.3f}  {:<11}{}\n", label, to_gb(m.total_bytes()),
                       to_gib(m.total_bytes()), provenance_name(m.weights.provenance),
                       paint.dim(basis));
  }
  if (p.other_bytes > 0) {
    out += fmt::format("  {:<18}{:>10.3f} {:>10.3f}  {}\n", "host buffers", to_gb(p.other_bytes),
                       to_gib(p.other_bytes),
                       paint.dim("in CPU RAM: the logits buffer"));
  }
  out += fmt::format("  {}{:>10.3f} {:>10.3f}  {}\n", paint.bold(fmt::format("{:<18}", "total")),
                     to_gb(p.total_bytes), to_gib(p.total_bytes),
                     paint.dim(p.host_bytes > 0
                                   ? fmt::format("{:.2f} GB on GPUs, {:.2f} GB in host memory",
                                                 to_gb(p.gpu_bytes), to_gb(p.host_bytes))
                                   : std::string("all on the GPUs")));
  if (p.kv_pool) {
    const KvPool& pool = *p.kv_pool;
    out += fmt::format(
        "  {:<18}{} tokens per card ({} bytes per token), needs {}; max concurrency {:.2f}x at "
        "{} tokens\n",
        "KV pool holds", with_commas(pool.tokens), pool.bytes_per_token,
        with_commas(p.pool_tokens_needed), pool.max_concurrency,
        with_commas(p.deployment.workload.context));
  }
}

std::string slowdown_text(const std::optional<double>& slowdown) {
  if (!slowdown || *slowdown <= 0) {
    return {};
  }
  if (*slowdown >= 1.05) {
    return fmt::format(", ≈{:.1f}x slower decode", *slowdown);
  }
  if (*slowdown <= 0.95) {
    return fmt::format(", ≈{:.1f}x faster decode", 1.0 / *slowdown);
  }
  return ", about the same decode speed";
}

std::string plan_cards(const Plan& plan) {
  const Deployment& d = plan.deployment;
  const std::uint32_t cards = total_cards(d);
  const std::string name = escape_for_terminal(d.gpus.front().gpu.name);
  if (cards == 1) {
    return fmt::format("1 x {}", name);
  }
  std::string layout;
  switch (plan.strategy) {
    case PlanStrategy::tensor_parallel:
      layout = fmt::format("tensor parallel {}", plan.tensor_parallel);
      break;
    case PlanStrategy::pipeline_parallel:
      layout = fmt::format("pipeline {} stages", plan.pipeline_parallel);
      break;
    case PlanStrategy::tensor_pipeline:
      layout = fmt::format("tensor parallel {} x pipeline {}", plan.tensor_parallel,
                           plan.pipeline_parallel);
      break;
    default:
      layout = "layer split";
      break;
  }
  return fmt::format("{} x {} ({})", cards, name, layout);
}

std::string recommendation_line(const Recommendation& rec) {
  const Plan& p = rec.plan;
  const DevicePlan* fullest = fullest_gpu(p);
  const std::string per_card = fullest != nullptr ? gb(fullest->used_bytes) : std::string("?");
  switch (rec.kind) {
    case RecommendationKind::quantize:
      return fmt::format("quantize to {}: {} on {}{} ({})", p.deployment.format.name, per_card,
                         plan_cards(p), slowdown_text(p.slowdown), escape_for_terminal(rec.note));
    case RecommendationKind::quantize_kv:
      return fmt::format("quantize the KV cache to {}: {} on {}{} ({})",
                         p.deployment.workload.kv_key.name, per_card, plan_cards(p),
                         slowdown_text(p.slowdown), escape_for_terminal(rec.note));
    case RecommendationKind::offload: {
      const std::uint64_t host = p.host_bytes;
      if (p.n_cpu_moe > 0) {
        return fmt::format(
            "offload MoE experts: keep attention on the GPU, the experts of {} layers in CPU RAM "
            "({} there, {} on the GPU){}; {}",
            p.n_cpu_moe, gb(host), per_card, slowdown_text(p.slowdown), escape_for_terminal(rec.note));
      }
      return fmt::format(
          "offload to CPU: keep {} of {} layers on the GPU ({} there), {} in CPU RAM{}; {}",
          p.gpu_layers, p.gpu_layers + p.cpu_layers, per_card, gb(host),
          slowdown_text(p.slowdown), escape_for_terminal(rec.note));
    }
    case RecommendationKind::more_gpus:
      return fmt::format("use {}: {} per card{} ({})", plan_cards(p), per_card,
                         slowdown_text(p.slowdown), escape_for_terminal(rec.note));
    case RecommendationKind::quantize_more_gpus:
      return fmt::format("quantize to {} on {}: {} per card{} ({})", p.deployment.format.name,
                         plan_cards(p), per_card, slowdown_text(p.slowdown), escape_for_terminal(rec.note));
  }
  return {};
}

void render_verdict(std::string& out, const Report& report, const ArgvContext& argv,
                    const Painter& paint) {
  const Plan& plan = report.plan;
  // A CPU-only plan's one device is its RAM.
  const DevicePlan* fullest =
      fullest_gpu(plan) != nullptr ? fullest_gpu(plan) : &plan.devices.front();
  const std::uint64_t room = fullest->capacity_bytes - std::min(fullest->capacity_bytes,
                                                                fullest->margin_bytes);
  out += "\n" + paint.bold("Usage") + "   " + usage_bar(fullest->used_bytes, room, paint) +
         (total_cards(plan.deployment) > 1 ? " on the fullest card" : "") +
         (fullest->margin_bytes > 0 ? " (less the margin)" : "") + "\n";
  const std::int64_t headroom = plan.headroom_bytes.value_or(0);
  const auto size = static_cast<std::uint64_t>(headroom < 0 ? -headroom : headroom);
  if (plan.fits) {
    out += paint.bold("Verdict") + " " + paint.green("FITS") +
           fmt::format(" with {} headroom{}\n", gb_and_gib(size),
                       plan.devices.size() > 2 ? " on the tightest device" : "");
    return;
  }
  const bool pool_short = plan.kv_pool && plan.kv_pool->tokens < plan.pool_tokens_needed;
  out += paint.bold("Verdict") + " " + paint.red("DOES NOT FIT") +
         fmt::format(": short by {}{}\n", gb_and_gib(size),
                     pool_short ? fmt::format(" (the KV pool holds {} of the {} tokens needed)",
                                              with_commas(plan.kv_pool->tokens),
                                              with_commas(plan.pool_tokens_needed))
                                : std::string());
  if (report.recommendations.empty()) {
    out += "  no change vramcalc tries makes it fit on these cards\n";
    return;
  }
  out += "\n" + paint.bold("Recommendations") + " (simplest first)\n";
  int index = 1;
  for (const auto& rec : report.recommendations) {
    out += fmt::format("  {}. {}\n", index++, recommendation_line(rec));
    out += "     " + paint.dim("check: " + command_line(query_argv(argv, rec.plan.deployment))) + "\n";
  }
}

std::string speed_line(const Plan& plan) {
  if (!plan.speed) {
    return "  speed: unknown (a card's bandwidth is not in the database)\n";
  }
  const SpeedEstimate& s = *plan.speed;
  if (s.decode_tokens_per_s <= 0) {
    return {};
  }
  return fmt::format(
      "  speed: decode ≤ {:.1f} tokens/s (ceiling), expected ≈ {:.1f} ({:.1f}-{:.1f}) at {:.0f}% "
      "of spec bandwidth, ≈ {:.1f} on average over a generation{}{}\n",
      s.decode_tokens_per_s, s.expected_decode_tokens_per_s, s.expected_decode_low,
      s.expected_decode_high, 100.0 * s.efficiency, s.expected_decode_average_tokens_per_s,
      plan.slowdown && *plan.slowdown > 1.05
          ? fmt::format(", {:.1f}x slower than all on one GPU", *plan.slowdown)
          : std::string(),
      s.prefill_tokens_per_s > 0
          ? fmt::format("; prefill ≤ {:.0f} tokens/s (ceiling)", s.prefill_tokens_per_s)
          : std::string());
}

void render_plan(std::string& out, const Plan& plan, const ArgvContext& argv,
                 const Painter& paint, const char* title) {
  out += "\n" + paint.bold(title) +
         fmt::format(" {} ({})", strategy_name(plan.strategy),
                     !plan.headroom_bytes ? paint.dim("no verdict: no capacity known")
                     : plan.fits          ? paint.green("fits")
                                          : paint.red("does not fit")) +
         "\n";
  out += fmt::format("  {:<28}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>11}  {}\n", "device (GB)",
                     "weights", "KV", "compute", "overhead", "other", "used", "capacity",
                     "layers");
  for (const auto& d : plan.devices) {
    if (d.kind != DeviceKind::gpu && d.used_bytes == 0) {
      continue;  // an empty host row says nothing
    }
    const std::string layers =
        d.expert_layers > 0 ? fmt::format("experts of {} layers", d.expert_layers)
        : d.layer_count > 0 ? fmt::format("{}-{}", d.first_layer, d.first_layer + d.layer_count - 1)
                            : std::string("-");
    const std::string capacity =
        d.capacity_bytes == 0 ? std::string("?") : fmt::format("{:.2f}", to_gb(d.capacity_bytes));
    const std::string used = fmt::format("{:>10.2f}", to_gb(d.used_bytes));
    out += fmt::format("  {:<28}{:>10.2f}{:>10.2f}{:>10.2f}{:>10.2f}{:>10.2f}{}{:>11}  {}\n",
                       escape_for_terminal(d.name).substr(0, 27), to_gb(d.weights_bytes), to_gb(d.kv_cache_bytes),
                       to_gb(d.activations_bytes), to_gb(d.overhead_bytes), to_gb(d.other_bytes),
                       d.fits ? used : paint.red(used), capacity, layers);
  }
  out += fmt::format("  {:<28}{:>60.2f}   replicated on every GPU: {:.2f} GB\n", "total",
                     to_gb(plan.total_bytes), to_gb(plan.replicated_bytes));
  out += speed_line(plan);
  out += "  run:   " +
         (plan.engine_flags.empty()
              ? paint.dim("choose --engine llama.cpp, vllm, sglang, ollama or transformers for "
                          "a ready-to-run command")
              : paint.cyan(plan.engine_flags)) +
         "\n";
  out += "  check: " + paint.dim(command_line(query_argv(argv, plan.deployment))) + "\n";
  for (const auto& note : plan.notes) {
    out += "  note:  " + escape_for_terminal(note) + "\n";
  }
}

std::string answer_line(const std::optional<SolveAnswer>& a, const char* what, const char* unit,
                        const ArgvContext& argv, const Painter& paint) {
  if (!a) {
    return fmt::format("  {}: none fits\n", what);
  }
  const DevicePlan* at = fullest_gpu(a->plan);
  std::string line = fmt::format("  {}: {} {}", what, with_commas(a->value), unit);
  if (a->plan.strategy != PlanStrategy::single && std::string(unit) == "cards") {
    line += fmt::format(" ({})", plan_cards(a->plan));
  }
  if (at != nullptr) {
    line += fmt::format(" ({:.2f} GB of {:.2f} GB on the fullest card)", to_gb(at->used_bytes),
                        to_gb(at->capacity_bytes));
  }
  if (a->next_value && a->next_plan) {
    const DevicePlan* next = fullest_gpu(*a->next_plan);
    line += fmt::format("; {} does not fit{}", with_commas(*a->next_value),
                        next != nullptr ? fmt::format(" ({:.2f} GB)", to_gb(next->used_bytes))
                                        : std::string());
  }
  if (a->capped_at_trained_context) {
    line += "; the model's trained length";
  }
  return line + "\n    " + paint.dim("check: " + command_line(query_argv(argv, a->plan.deployment))) +
         "\n";
}

void render_solve(std::string& out, const Report& report, const ArgvContext& argv,
                  const Painter& paint) {
  const Request& rq = report.request;
  if (!(rq.solve_max_context || rq.solve_max_batch || rq.solve_min_gpus || rq.solve_which_gpus)) {
    return;
  }
  out += "\n" + paint.bold("Answers") + "\n";
  if (rq.solve_max_context) {
    out += answer_line(report.max_context, "largest context", "tokens", argv, paint);
  }
  if (rq.solve_max_batch) {
    out += answer_line(report.max_batch, "largest batch", "sequences", argv, paint);
  }
  if (rq.solve_min_gpus) {
    out += answer_line(report.min_gpus, "fewest cards", "cards", argv, paint);
  }
  if (rq.solve_which_gpus) {
    out += fmt::format("  GPUs that run it ({}):\n", report.which_gpus.size());
    for (const auto& g : report.which_gpus) {
      out += fmt::format("    {} x {:<44} {:>8.2f} GB of {:>7.2f} GB per card  {:<18} {}{}\n",
                         g.count, escape_for_terminal(g.gpu->name), to_gb(g.per_gpu_bytes),
                         to_gb(g.gpu->usable_bytes), strategy_name(g.strategy),
                         g.expected_decode_tokens_per_s
                             ? fmt::format("≈{:.0f} tok/s", *g.expected_decode_tokens_per_s)
                             : std::string("speed unknown"),
                         g.cost_per_hour ? fmt::format("  {:.2f} {}/h", *g.cost_per_hour,
                                                       escape_for_terminal(g.gpu->currency))
                                         : std::string());
    }
  }
}

void render_plot(std::string& out, const Report& report, const Painter& paint) {
  if (!report.request.plot || report.plot.empty()) {
    return;
  }
  // A terminal chart: one row per point, a bar for the need, '|' at the card's capacity.
  constexpr int k_width = 50;
  const DevicePlan* card = fullest_gpu(report.plan);
  const std::uint64_t capacity =
      card != nullptr ? card->capacity_bytes - std::min(card->capacity_bytes, card->margin_bytes)
                      : 0;
  std::uint64_t top = capacity;
  for (const auto& p : report.plot) {
    top = std::max(top, p.per_gpu_bytes);
  }
  const auto column = [&](std::uint64_t bytes) {
    return top == 0 ? 0
                    : static_cast<int>(std::lround(static_cast<double>(bytes) /
                                                   static_cast<double>(top) * k_width));
  };
  const int cap_col = column(capacity);
  out += "\n" + paint.bold(fmt::format("Memory per card against {}", *report.request.plot)) +
         fmt::format(" (| = capacity {:.2f} GB)\n", to_gb(capacity));
  for (const auto& p : report.plot) {
    const int fill = column(p.per_gpu_bytes);
    std::string bar;
    for (int c = 0; c <= k_width; ++c) {
      if (c == cap_col) {
        bar += "|";
      } else if (c < fill) {
        bar += p.fits ? "\u2588" : "\u2593";
      } else {
        bar += " ";
      }
    }
    out += fmt::format("  {:>10} {} {:.2f} GB\n", with_commas(p.x),
                       p.fits ? paint.green(bar) : paint.red(bar), to_gb(p.per_gpu_bytes));
  }
}

void render_ladder(std::string& out, const Report& report, const Painter& paint) {
  out += "\n" + paint.bold("Precision ladder") + "\n";
  out += fmt::format("  {:<7}{:>12}{:>12}  {}\n", "dtype", "weights GB", "total GB", "fits");
  for (const auto& row : report.ladder) {
    const std::string fits = !report.has_hardware ? "-"
                             : row.plan.fits      ? paint.green("yes")
                                                  : paint.red("no");
    out += fmt::format("  {:<7}{:>12.3f}{:>12.3f}  {}\n", row.dtype, to_gb(row.plan.weights_bytes),
                       to_gb(row.plan.total_bytes), fits);
  }
}

}  // namespace

const char* provenance_name(Provenance provenance) {
  switch (provenance) {
    case Provenance::exact: return "exact";
    case Provenance::derived: return "derived";
    case Provenance::calibrated: return "calibrated";
    case Provenance::heuristic: return "heuristic";
  }
  return "unknown";
}

const char* usable_source_name(UsableMemorySource source) {
  switch (source) {
    case UsableMemorySource::driver: return "driver total";
    case UsableMemorySource::derived: return "derived";
    case UsableMemorySource::user: return "given";
  }
  return "unknown";
}

const char* model_source_name(ModelSource source) {
  switch (source) {
    case ModelSource::params: return "params";
    case ModelSource::catalog: return "catalog";
    case ModelSource::hf_config: return "config";
    case ModelSource::gguf: return "gguf";
    case ModelSource::safetensors: return "safetensors";
  }
  return "unknown";
}

const char* attachment_kind_name(AttachmentKind kind) {
  switch (kind) {
    case AttachmentKind::projector:
      return "projector";
    case AttachmentKind::draft:
      return "draft";
    case AttachmentKind::lora:
      return "lora";
  }
  return "projector";
}

const char* attention_kind_name(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::full: return "full";
    case AttentionKind::sliding_window: return "sliding_window";
    case AttentionKind::latent: return "latent";
    case AttentionKind::none: return "none";
  }
  return "unknown";
}

std::string render_text(const Report& report, const ArgvContext& argv, const Painter& paint) {
  // Room for the whole text at once (a few KB, and a line per listed card or point): grown by
  // doubling, the text would touch about twice its size in fresh pages.
  std::string out;
  out.reserve(4096 + 160 * (report.which_gpus.size() + report.plot.size()) +
              512 * (report.alternatives.size() + report.ladder.size()));
  out += paint.bold(fmt::format("vramcalc {}", version())) + "\n";
  render_inputs(out, report);
  render_breakdown(out, report, paint);
  if (report.has_hardware) {
    render_verdict(out, report, argv, paint);
  }
  if (report.has_hardware || report.request.deployment.cpu_only) {
    render_plan(out, report.plan, argv, paint, "Plan");
    for (const auto& alt : report.alternatives) {
      render_plan(out, alt, argv, paint, "Alternative");
    }
  }
  render_solve(out, report, argv, paint);
  render_plot(out, report, paint);
  if (report.request.ladder) {
    render_ladder(out, report, paint);
  }
  std::vector<std::string> notes = report.notes;
  const auto& engine_notes = report.estimate().engine.notes;
  notes.insert(notes.end(), engine_notes.begin(), engine_notes.end());
  if (!notes.empty()) {
    out += "\n" + paint.bold("Notes") + "\n";
    for (const auto& note : notes) {
      out += "  - " + escape_for_terminal(note) + "\n";
    }
  }
  return out;
}

std::string render_gpus_text(const std::vector<const GpuSpec*>& gpus, const Painter& paint) {
  std::string out = paint.bold(fmt::format("{:<30}{:<40}{:<8}{:>11}  {:<8}{:>8}  {:>7}  {}", "id",
                                           "name", "vendor", "usable MiB", "source", "GB/s",
                                           "TFLOPS", "price/h")) +
                    "\n";
  bool priced = false;
  for (const GpuSpec* gpu : gpus) {
    priced = priced || gpu->price_per_hour.has_value();
    out += fmt::format(
        "{:<30}{:<40}{:<8}{:>11}  {:<8}{:>8}  {:>7}  {}\n", escape_for_terminal(gpu->id),
        escape_for_terminal(gpu->name).substr(0, 39), escape_for_terminal(gpu->vendor),
        gpu->usable_bytes / k_mib,
        gpu->usable_source == UsableMemorySource::driver ? "driver" : "derived",
        gpu->bandwidth_gb_s > 0 ? fmt::format("{:.0f}", gpu->bandwidth_gb_s) : "-",
        gpu->fp16_tflops ? fmt::format("{:.0f}", *gpu->fp16_tflops) : "-",
        gpu->price_per_hour
            ? fmt::format("{:.2f} {}", *gpu->price_per_hour, escape_for_terminal(gpu->currency))
            : "-");
  }
  out += fmt::format("{} cards. usable: driver total (nvidia-smi) or derived from marketed memory;"
                     " GB/s: memory bandwidth; TFLOPS: dense fp16/bf16; -: unknown{}.\n",
                     gpus.size(),
                     priced ? "" : "; prices come from your --gpu-db (price_per_hour, currency)");
  return out;
}

}  // namespace vramcalc::cli
