#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "render.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/escape.hpp"
#include "vramcalc/placement.hpp"
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

void render_inputs(std::string& out, const Report& report) {
  const Request& request = report.request;
  const ModelSpec& model = request.model;
  out += fmt::format("  {:<11}{} ({} parameters)\n", "Model",
                     model.shape.assumed ? "bare parameter count" : escape_for_terminal(model.name),
                     with_commas(model.total_params));
  out += fmt::format("  {:<11}{}{}\n", "Shape", shape_line(model),
                     model.shape.assumed ? " (assumed from " + model.shape.reference_model + ")"
                                         : "");
  out += fmt::format("  {:<11}weights {} ({:.2f} bits/weight), KV cache {}{}\n", "Precision",
                     report.format.scheme == WeightScheme::as_stored
                         ? escape_for_terminal(model.stored_format) + " as stored"
                         : report.format.name,
                     bits_per_weight(report.estimate, model), request.workload.kv_key.name,
                     request.workload.kv_value.name != request.workload.kv_key.name
                         ? fmt::format("/{}", request.workload.kv_value.name)
                         : "");
  out += fmt::format("  {:<11}{} tokens per sequence x {} sequence{}\n", "Workload",
                     with_commas(request.workload.context), request.workload.batch,
                     request.workload.batch == 1 ? "" : "s");
  const EngineDetails& engine = report.estimate.engine;
  out += fmt::format("  {:<11}{}{}\n", "Engine", engine_name(engine.kind),
                     engine.kind == EngineKind::generic ? " (engine-neutral)"
                                                        : " — follows " + engine.version);
  if (!engine.equivalent_flags.empty()) {
    out += fmt::format("  {:<11}{}\n", "", engine.equivalent_flags);
  }
  if (request.hardware) {
    const GpuSpec& gpu = request.hardware->gpu;
    out += fmt::format("  {:<11}{} x {}: {} MiB usable each ({})\n", "Hardware",
                       request.hardware->count, escape_for_terminal(gpu.name), gpu.usable_bytes / k_mib,
                       usable_source_name(gpu.usable_source));
  }
}

void render_breakdown(std::string& out, const Report& report, const Painter& paint) {
  const MemoryEstimate& e = report.estimate;
  out += "\n" + paint.bold("Memory") + "\n";
  out += fmt::format("  {:<18}{:>10} {:>10}  {:<11}{}\n", "", "GB", "GiB", "how", "basis");
  const auto row = [&](const char* label, const Component& c) {
    out += fmt::format("  {:<18}{:>10.3f} {:>10.3f}  {:<11}{}\n", label, to_gb(c.bytes),
                       to_gib(c.bytes), provenance_name(c.provenance), paint.dim(c.basis));
  };
  row("weights", e.weights);
  row(e.kv_pool ? "KV pool" : "KV cache", e.kv_cache);
  row(e.engine.kind == EngineKind::llama_cpp || e.engine.kind == EngineKind::ollama
          ? "compute buffer"
          : "activations",
      e.activations);
  row("runtime overhead", e.overhead);
  if (e.host_weight_bytes > 0) {
    out += fmt::format("  {:<18}{:>10.3f} {:>10.3f}  {}\n", "- weights in RAM",
                       to_gb(e.host_weight_bytes), to_gib(e.host_weight_bytes),
                       paint.dim("token embeddings stay mapped in host RAM"));
  }
  out += fmt::format("  {}{:>10.3f} {:>10.3f}  {}\n", paint.bold(fmt::format("{:<18}", "total")),
                     to_gb(e.total_bytes), to_gib(e.total_bytes),
                     paint.dim(fmt::format("band {:.2f} - {:.2f} GB", to_gb(e.total_low_bytes),
                                           to_gb(e.total_high_bytes))));
  if (e.output_buffer.bytes > 0) {
    out += fmt::format("  {:<18}{:>10.3f} {:>10.3f}  {}\n", "host output buffer",
                       to_gb(e.output_buffer.bytes), to_gib(e.output_buffer.bytes),
                       paint.dim("logits, in host RAM (not in the total)"));
  }
  if (e.kv_pool) {
    const KvPool& pool = *e.kv_pool;
    out += fmt::format("  {:<18}{} tokens ({} per token), max concurrency {:.2f}x at {} tokens\n",
                       "KV pool holds", with_commas(pool.tokens), pool.bytes_per_token,
                       pool.max_concurrency, with_commas(report.request.workload.context));
  }
}

std::string slowdown_text(double slowdown) {
  if (slowdown <= 0) {
    return {};
  }
  if (slowdown >= 1.05) {
    return fmt::format(", ≈{:.1f}x slower decode", slowdown);
  }
  if (slowdown <= 0.95) {
    return fmt::format(", ≈{:.1f}x faster decode", 1.0 / slowdown);
  }
  return ", about the same decode speed";
}

std::string recommendation_line(const Report& report, const Recommendation& rec) {
  const GpuSpec& gpu = report.request.hardware->gpu;
  switch (rec.kind) {
    case RecommendationKind::quantize:
      return fmt::format("quantize to {}: total {} fits{} ({})", rec.dtype, gb(rec.total_bytes),
                         slowdown_text(rec.slowdown), escape_for_terminal(rec.note));
    case RecommendationKind::offload:
      if (rec.n_cpu_moe > 0) {
        return fmt::format(
            "offload MoE experts: keep attention on the GPU, the experts of {} layers in CPU RAM "
            "({} there, {} on the GPU){}; {}",
            rec.n_cpu_moe, gb(rec.cpu_bytes), gb(rec.gpu_bytes), slowdown_text(rec.slowdown),
            rec.engine_flags);
      }
      return fmt::format(
          "offload to CPU: keep {} of {} layers on the GPU ({} there), move {} layers = {} to "
          "CPU RAM{}; {}",
          rec.gpu_layers, rec.gpu_layers + rec.cpu_layers, gb(rec.gpu_bytes), rec.cpu_layers,
          gb(rec.cpu_bytes), slowdown_text(rec.slowdown), escape_for_terminal(rec.note));
    case RecommendationKind::multi_gpu:
      return fmt::format("use {} x {}: {} per card{} ({})", rec.count, escape_for_terminal(gpu.name),
                         gb(rec.per_gpu_bytes), slowdown_text(rec.slowdown), escape_for_terminal(rec.note));
  }
  return {};
}

void render_verdict(std::string& out, const Report& report, const Painter& paint) {
  const FitCheck& fit = *report.fit;
  out += "\n" + paint.bold("Usage") + "   " +
         usage_bar(fit.per_gpu_bytes, fit.capacity_bytes, paint) +
         (report.request.hardware->count > 1 ? " per card" : "") + "\n";
  const std::uint64_t margin =
      static_cast<std::uint64_t>(fit.headroom_bytes < 0 ? -fit.headroom_bytes : fit.headroom_bytes);
  if (fit.fits) {
    out += paint.bold("Verdict") + " " + paint.green("FITS") + fmt::format(" with {} headroom\n", gb_and_gib(margin));
    return;
  }
  out += paint.bold("Verdict") + " " + paint.red("DOES NOT FIT") +
         fmt::format(": short by {}\n", gb_and_gib(margin));
  if (report.recommendations.empty()) {
    out += "  no single change makes it fit on this card\n";
    return;
  }
  out += "\n" + paint.bold("Recommendations") + " (simplest first)\n";
  int index = 1;
  for (const auto& rec : report.recommendations) {
    out += fmt::format("  {}. {}\n", index++, recommendation_line(report, rec));
  }
}

void render_plan(std::string& out, const Plan& plan, const Painter& paint, const char* title) {
  out += "\n" + paint.bold(title) + fmt::format(" {} ({})", strategy_name(plan.strategy),
                                                plan.fits ? paint.green("fits")
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
  const SpeedEstimate& s = plan.speed;
  if (s.decode_tokens_per_s > 0) {
    out += fmt::format(
        "  speed: decode ≤ {:.1f} tokens/s (ceiling), expected ≈ {:.1f} ({:.1f}-{:.1f}) at {:.0f}% "
        "of spec bandwidth{}{}\n",
        s.decode_tokens_per_s, s.expected_decode_tokens_per_s, s.expected_decode_low,
        s.expected_decode_high, 100.0 * s.efficiency,
        plan.slowdown > 1.05 ? fmt::format(", {:.1f}x slower than all on one GPU", plan.slowdown)
                             : std::string(),
        s.prefill_tokens_per_s > 0
            ? fmt::format("; prefill ≤ {:.0f} tokens/s (ceiling)", s.prefill_tokens_per_s)
            : std::string());
  }
  if (!plan.engine_flags.empty()) {
    out += "  run:   " + paint.cyan(plan.engine_flags) + "\n";
  }
  for (const auto& note : plan.notes) {
    out += "  note:  " + escape_for_terminal(note) + "\n";
  }
}

std::string answer_line(const std::optional<SolveAnswer>& a, const char* what, const char* unit) {
  if (!a) {
    return fmt::format("  {}: none fits\n", what);
  }
  std::string line = fmt::format("  {}: {} {} ({:.2f} GB of {:.2f} GB on the fullest card)", what,
                                 with_commas(a->value), unit, to_gb(a->per_gpu_bytes),
                                 to_gb(a->capacity_bytes));
  if (a->next_value != 0) {
    line += fmt::format("; {} needs {:.2f} GB", with_commas(a->next_value),
                        to_gb(a->next_per_gpu_bytes));
  }
  return line + "\n";
}

void render_solve(std::string& out, const Report& report, const Painter& paint) {
  const Request& rq = report.request;
  if (!(rq.solve_max_context || rq.solve_max_batch || rq.solve_min_gpus || rq.solve_which_gpus)) {
    return;
  }
  out += "\n" + paint.bold("Answers") + "\n";
  if (rq.solve_max_context) {
    out += answer_line(report.max_context, "largest context", "tokens");
  }
  if (rq.solve_max_batch) {
    out += answer_line(report.max_batch, "largest batch", "sequences");
  }
  if (rq.solve_min_gpus) {
    out += answer_line(report.min_gpus, "fewest cards", "cards");
  }
  if (rq.solve_which_gpus) {
    out += fmt::format("  GPUs that run it ({}):\n", report.which_gpus.size());
    for (const auto& g : report.which_gpus) {
      out += fmt::format("    {} x {:<44} {:>8.2f} GB of {:>7.2f} GB per card  {:<18} ≈{:.0f} tok/s\n",
                         g.count, escape_for_terminal(g.name), to_gb(g.per_gpu_bytes), to_gb(g.usable_bytes),
                         g.strategy, g.expected_decode_tokens_per_s);
    }
  }
}

void render_plot(std::string& out, const Report& report, const Painter& paint) {
  if (!report.request.plot || report.plot.empty()) {
    return;
  }
  // A terminal chart: one row per point, a bar for the need, '|' at the card's capacity.
  constexpr int k_width = 50;
  const std::uint64_t capacity = report.fit ? report.fit->capacity_bytes : 0;
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
    const std::string fits = !row.fits ? "-" : *row.fits ? paint.green("yes") : paint.red("no");
    out += fmt::format("  {:<7}{:>12.3f}{:>12.3f}  {}\n", row.dtype, to_gb(row.weights_bytes),
                       to_gb(row.total_bytes), fits);
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

const char* recommendation_kind_name(RecommendationKind kind) {
  switch (kind) {
    case RecommendationKind::quantize: return "quantize";
    case RecommendationKind::offload: return "offload";
    case RecommendationKind::multi_gpu: return "multi_gpu";
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

const char* attention_kind_name(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::full: return "full";
    case AttentionKind::sliding_window: return "sliding_window";
    case AttentionKind::latent: return "latent";
    case AttentionKind::none: return "none";
  }
  return "unknown";
}

std::string render_text(const Report& report, const Painter& paint) {
  std::string out;
  out += paint.bold(fmt::format("vramcalc {}", version())) + "\n";
  render_inputs(out, report);
  render_breakdown(out, report, paint);
  if (report.fit) {
    render_verdict(out, report, paint);
  }
  if (report.plan && (report.plan->devices.size() > 2 || report.plan->strategy != PlanStrategy::single ||
                      report.plan->speed.decode_tokens_per_s > 0)) {
    render_plan(out, *report.plan, paint, "Plan");
    for (const auto& alt : report.alternatives) {
      render_plan(out, alt, paint, "Alternative");
    }
  }
  render_solve(out, report, paint);
  render_plot(out, report, paint);
  if (report.request.ladder) {
    render_ladder(out, report, paint);
  }
  std::vector<std::string> notes = report.notes;
  notes.insert(notes.end(), report.estimate.engine.notes.begin(),
               report.estimate.engine.notes.end());
  if (!notes.empty()) {
    out += "\n" + paint.bold("Notes") + "\n";
    for (const auto& note : notes) {
      out += "  - " + escape_for_terminal(note) + "\n";
    }
  }
  return out;
}

std::string render_gpus_text(const GpuDatabase& database, const Painter& paint) {
  std::string out = paint.bold(fmt::format("{:<26}{:<44}{:>11}  {:<8}{:>8}  {:>7}", "id", "name",
                                           "usable MiB", "source", "GB/s", "TFLOPS")) +
                    "\n";
  for (const auto& gpu : database.gpus()) {
    out += fmt::format("{:<26}{:<44}{:>11}  {:<8}{:>8.0f}  {:>7}\n", escape_for_terminal(gpu.id),
                       escape_for_terminal(gpu.name),
                       gpu.usable_bytes / k_mib,
                       gpu.usable_source == UsableMemorySource::driver ? "driver" : "derived",
                       gpu.bandwidth_gb_s,
                       gpu.fp16_tflops ? fmt::format("{:.0f}", *gpu.fp16_tflops) : "-");
  }
  out += fmt::format("{} cards. usable: driver total (nvidia-smi) or derived from marketed memory;"
                     " GB/s: memory bandwidth; TFLOPS: dense fp16/bf16.\n",
                     database.gpus().size());
  return out;
}

}  // namespace vramcalc::cli
