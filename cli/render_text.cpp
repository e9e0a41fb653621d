#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "render.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/engine.hpp"
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
                     model.shape.assumed ? "bare parameter count" : model.name,
                     with_commas(model.total_params));
  out += fmt::format("  {:<11}{}{}\n", "Shape", shape_line(model),
                     model.shape.assumed ? " (assumed from " + model.shape.reference_model + ")"
                                         : "");
  out += fmt::format("  {:<11}weights {} ({:.2f} bits/weight), KV cache {}{}\n", "Precision",
                     report.format.scheme == WeightScheme::as_stored
                         ? model.stored_format + " as stored"
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
                       request.hardware->count, gpu.name, gpu.usable_bytes / k_mib,
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

std::string recommendation_line(const Report& report, const Recommendation& rec) {
  const GpuSpec& gpu = report.request.hardware->gpu;
  switch (rec.kind) {
    case RecommendationKind::quantize:
      return fmt::format("quantize to {}: total {} fits ({})", rec.dtype, gb(rec.total_bytes),
                         rec.note);
    case RecommendationKind::offload:
      return fmt::format(
          "offload to CPU: keep {} of {} layers on the GPU ({} there), move {} layers = {} to "
          "CPU RAM; {}",
          rec.gpu_layers, rec.gpu_layers + rec.cpu_layers, gb(rec.gpu_bytes), rec.cpu_layers,
          gb(rec.cpu_bytes), rec.note);
    case RecommendationKind::multi_gpu:
      return fmt::format("use {} x {}: {} per card ({})", rec.count, gpu.name,
                         gb(rec.per_gpu_bytes), rec.note);
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
  if (report.request.ladder) {
    render_ladder(out, report, paint);
  }
  std::vector<std::string> notes = report.notes;
  notes.insert(notes.end(), report.estimate.engine.notes.begin(),
               report.estimate.engine.notes.end());
  if (!notes.empty()) {
    out += "\n" + paint.bold("Notes") + "\n";
    for (const auto& note : notes) {
      out += "  - " + note + "\n";
    }
  }
  return out;
}

std::string render_gpus_text(const GpuDatabase& database, const Painter& paint) {
  std::string out = paint.bold(fmt::format("{:<26}{:<44}{:>11}  {:<8}{:>8}  {:>7}", "id", "name",
                                           "usable MiB", "source", "GB/s", "TFLOPS")) +
                    "\n";
  for (const auto& gpu : database.gpus()) {
    out += fmt::format("{:<26}{:<44}{:>11}  {:<8}{:>8.0f}  {:>7}\n", gpu.id, gpu.name,
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
