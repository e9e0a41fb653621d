#include "render_train.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "json_text.hpp"
#include "query_argv.hpp"
#include "render.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/escape.hpp"
#include "vramcalc/version.hpp"

namespace vramcalc::cli {

namespace {

using Json = nlohmann::ordered_json;

constexpr int k_bar_cells = 40;

std::string gb(std::uint64_t bytes) {
  return fmt::format("{:.2f} GB", to_gb(bytes));
}

std::string with_commas(std::uint64_t value) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<std::size_t>(i), ",");
  }
  return digits;
}

double rounded(double value) {
  if (value != 0 && std::fabs(value) < 1) {
    const double scale = std::pow(10.0, 2 - std::floor(std::log10(std::fabs(value))));
    return std::round(value * scale) / scale;
  }
  return std::round(value * 100.0) / 100.0;
}

// The components in display order: label, JSON key, figure.
struct Row {
  const char* label;
  const char* key;
  const Component* component;
};

std::vector<Row> rows_of(const TrainingBreakdown& b) {
  return {{"base weights", "base_weights_bytes", &b.base_weights},
          {"trainable params", "trainable_params_bytes", &b.trainable_params},
          {"gradients", "gradients_bytes", &b.gradients},
          {"optimizer states", "optimizer_states_bytes", &b.optimizer_states},
          {"master weights", "master_weights_bytes", &b.master_weights},
          {"activations", "activations_bytes", &b.activations},
          {"logits", "logits_bytes", &b.logits},
          {"buffers", "buffers_bytes", &b.buffers},
          {"fragmentation", "fragmentation_bytes", &b.fragmentation},
          {"CUDA context", "cuda_context_bytes", &b.cuda_context}};
}

std::string method_line(const TrainingPlan& plan) {
  const TrainingDeployment& d = plan.deployment;
  const double share = 100.0 * static_cast<double>(plan.trainable_params) /
                       static_cast<double>(std::max<std::uint64_t>(plan.total_params, 1));
  if (d.method == TrainMethod::full) {
    return fmt::format("full fine-tuning ({} trainable parameters), base {}",
                       with_commas(plan.trainable_params), d.format.name);
  }
  std::string targets;
  for (const auto& t : d.lora.targets) {
    targets += (targets.empty() ? "" : ",") + t;
  }
  return fmt::format("{} rank {}, alpha {:g} on {}{} ({} trainable, {:.2f}%), base {}",
                     d.method == TrainMethod::qlora ? "QLoRA" : "LoRA", d.lora.rank, d.lora.alpha,
                     targets,
                     d.lora.dropout > 0 ? fmt::format(", dropout {:g}", d.lora.dropout) : "",
                     with_commas(plan.trainable_params), share, d.format.name);
}

std::string hardware_line(const TrainingPlan& plan) {
  const TrainingDeployment& d = plan.deployment;
  const GpuSpec& card = d.gpus.front().gpu;
  std::string line = fmt::format("{} x {}: {} MiB usable each; {}", training_gpus(d), escape_for_terminal(card.name),
                                 card.usable_bytes / k_mib, parallelism_name(d.parallelism));
  if (d.nodes > 1) {
    line += fmt::format(" over {} nodes", d.nodes);
  }
  if (plan.shard_degree > 1) {
    line += fmt::format(" (states sharded {} ways)", plan.shard_degree);
  }
  if (d.offload_params) {
    line += ", parameters and optimizer offloaded";
  } else if (d.offload_optimizer) {
    line += ", optimizer offloaded";
  }
  if (d.margin.percent > 0) {
    line += fmt::format("; margin {}% of each GPU", d.margin.percent);
  } else if (d.margin.bytes > 0) {
    line += fmt::format("; margin {} per GPU", gb(d.margin.bytes));
  }
  return line;
}

void render_inputs(std::string& out, const TrainingReport& report) {
  const ModelSpec& model = report.request.model;
  const TrainingPlan& plan = report.plan;
  const TrainingDeployment& d = plan.deployment;
  out += fmt::format("  {:<11}{} ({} parameters)\n", "Model",
                     model.shape.assumed ? "bare parameter count" : escape_for_terminal(model.name),
                     with_commas(model.total_params));
  out += fmt::format("  {:<11}{}\n", "Training", method_line(plan));
  out += fmt::format("  {:<11}{}, optimizer {}{}, checkpointing {}, {} attention, {} loss{}\n",
                     "Precision", train_precision_name(d.precision), optimizer_name(d.optimizer),
                     d.optimizer_in_backward ? " (in backward)" : "",
                     checkpointing_name(d.checkpointing), d.flash_attention ? "flash" : "eager",
                     loss_kind_name(d.loss), d.compile ? ", compiled" : "");
  out += fmt::format("  {:<11}micro-batch {} x {} tokens{}, accumulation {} (global batch {} "
                     "sequences)\n",
                     "Batch", d.micro_batch, with_commas(d.seq_len), d.packed ? " packed" : "",
                     d.grad_accum, d.micro_batch * d.grad_accum * plan.data_parallel);
  if (report.has_hardware) {
    out += fmt::format("  {:<11}{}\n", "Hardware", hardware_line(plan));
  }
}

void render_breakdown(std::string& out, const TrainingReport& report, const Painter& paint) {
  const TrainingPlan& plan = report.plan;
  out += "\n" + paint.bold("Memory per GPU") +
         fmt::format(" (peak at {}{})\n",
                     plan.peak_phase == TrainingPhase::forward_backward ? "forward/backward"
                                                                        : "the optimizer step",
                     plan.gpu_count > 1 ? "; every GPU holds the same" : "");
  out += fmt::format("  {:<18}{:>10} {:>10}  {:<11}{}\n", "", "GB", "GiB", "how", "basis");
  for (const Row& row : rows_of(plan.gpu)) {
    out += fmt::format("  {:<18}{:>10.3f} {:>10.3f}  {:<11}{}\n", row.label,
                       to_gb(row.component->bytes), to_gib(row.component->bytes),
                       provenance_name(row.component->provenance), paint.dim(row.component->basis));
  }
  out += fmt::format("  {}{:>10.3f} {:>10.3f}\n", paint.bold(fmt::format("{:<18}", "total")),
                     to_gb(plan.per_gpu_bytes), to_gib(plan.per_gpu_bytes));
  if (plan.host_bytes > 0) {
    out += "\n" + paint.bold("Host RAM per node") + "\n";
    for (const Row& row : rows_of(plan.host)) {
      if (row.component->bytes > 0) {
        out += fmt::format("  {:<18}{:>10.3f} {:>10.3f}  {}\n", row.label,
                           to_gb(row.component->bytes), to_gib(row.component->bytes),
                           paint.dim(row.component->basis));
      }
    }
    out += fmt::format("  {}{:>10.3f} {:>10.3f}  {}\n", paint.bold(fmt::format("{:<18}", "total")),
                       to_gb(plan.host_bytes), to_gib(plan.host_bytes),
                       plan.devices.size() > 1 && plan.devices[1].capacity_bytes > 0
                           ? paint.dim(fmt::format("of {} (--ram)", gb(plan.devices[1].capacity_bytes)))
                           : paint.dim("not checked: give --ram to check it"));
  }
  const ModelStates& m = plan.model_states;
  out += fmt::format("  {:<18}params {}, gradients {}, optimizer + master {}{} per GPU\n",
                     "model states", gb(m.parameters_bytes), gb(m.gradients_bytes),
                     gb(m.optimizer_bytes),
                     m.frozen_bytes > 0 ? fmt::format(", frozen {}", gb(m.frozen_bytes)) : "");
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

std::string recommendation_line(const TrainingRecommendation& rec) {
  std::string changes;
  for (const TrainingChange c : rec.changes) {
    changes += (changes.empty() ? "" : " + ") + std::string(training_change_name(c));
  }
  const TrainingPlan& p = rec.plan;
  return fmt::format("{}: {} per GPU on {} x {}{} ({})", changes, gb(p.per_gpu_bytes),
                     training_gpus(p.deployment), escape_for_terminal(p.deployment.gpus.front().gpu.name),
                     p.host_bytes > 0 ? fmt::format(", {} host RAM", gb(p.host_bytes)) : "",
                     escape_for_terminal(rec.note));
}

void render_verdict(std::string& out, const TrainingReport& report, const TrainArgvContext& argv,
                    const Painter& paint) {
  const TrainingPlan& plan = report.plan;
  const DevicePlan& gpu = plan.devices.front();
  const std::uint64_t room = gpu.capacity_bytes - std::min(gpu.capacity_bytes, gpu.margin_bytes);
  out += "\n" + paint.bold("Usage") + "   " + usage_bar(gpu.used_bytes, room, paint) +
         (plan.gpu_count > 1 ? " on every GPU" : "") +
         (gpu.margin_bytes > 0 ? " (less the margin)" : "") + "\n";
  const std::int64_t headroom = plan.headroom_bytes.value_or(0);
  const auto size = static_cast<std::uint64_t>(headroom < 0 ? -headroom : headroom);
  if (plan.fits) {
    out += paint.bold("Verdict") + " " + paint.green("FITS") +
           fmt::format(" with {} ({:.2f} GiB) headroom{}\n", gb(size), to_gib(size),
                       plan.devices.size() > 1 ? " on the tightest device" : "");
    return;
  }
  out += paint.bold("Verdict") + " " + paint.red("DOES NOT FIT") +
         fmt::format(": short by {} ({:.2f} GiB){}\n", gb(size), to_gib(size),
                     plan.devices.size() > 1 && !plan.devices[1].fits ? " (host RAM)" : "");
  if (report.recommendations.empty()) {
    out += "  no change vramcalc tries makes it fit\n";
    return;
  }
  out += "\n" + paint.bold("Recommendations") + " (the least disruptive first)\n";
  int index = 1;
  for (const auto& rec : report.recommendations) {
    out += fmt::format("  {}. {}\n", index++, recommendation_line(rec));
    out += "     " +
           paint.dim("check: " + command_line(train_query_argv(argv, rec.plan.deployment))) + "\n";
  }
}

std::string answer_line(const std::optional<TrainingAnswer>& a, const char* what,
                        const char* unit, const TrainArgvContext& argv, const Painter& paint) {
  if (!a) {
    return fmt::format("  {}: none fits\n", what);
  }
  std::string line = fmt::format("  {}: {} {} ({} per GPU)", what, with_commas(a->value), unit,
                                 gb(a->plan.per_gpu_bytes));
  if (a->next_value && a->next_plan) {
    line += fmt::format("; {} does not fit ({})", with_commas(*a->next_value),
                        gb(a->next_plan->per_gpu_bytes));
  }
  if (a->capped_at_trained_context) {
    line += "; the model's trained length";
  }
  return line + "\n    " +
         paint.dim("check: " + command_line(train_query_argv(argv, a->plan.deployment))) + "\n";
}

void render_answers(std::string& out, const TrainingReport& report, const TrainArgvContext& argv,
                    const Painter& paint) {
  const TrainingRequest& r = report.request;
  if (!(r.solve_max_micro_batch || r.solve_max_seq_len || r.solve_min_gpus)) {
    return;
  }
  out += "\n" + paint.bold("Answers") + "\n";
  if (r.solve_max_micro_batch) {
    out += answer_line(report.max_micro_batch, "largest micro-batch", "sequences", argv, paint);
  }
  if (r.solve_max_seq_len) {
    out += answer_line(report.max_seq_len, "longest sequence", "tokens", argv, paint);
  }
  if (r.solve_min_gpus) {
    out += answer_line(report.min_gpus, "fewest GPUs per node", "GPUs", argv, paint);
  }
}

void render_run(std::string& out, const TrainingReport& report, const TrainArgvContext& argv,
                const Painter& paint) {
  const TrainingPlan& plan = report.plan;
  if (plan.step_time) {
    const StepTime& t = *plan.step_time;
    out += fmt::format(
        "\n{}   ≥ {:.2f} s per optimizer step at the card's peak (ceiling), ≈ {:.2f} s at {:.0f}% "
        "MFU: {:.0f} tokens/s over {} GPU{}\n",
        paint.bold("Step time"), t.ceiling_seconds, t.expected_seconds, 100.0 * t.efficiency,
        t.tokens_per_second, plan.gpu_count, plan.gpu_count == 1 ? "" : "s");
  }
  out += "\n" + paint.bold("Run it with") + "\n";
  for (const FrameworkHint& hint : report.hints) {
    out += fmt::format("  {}: {}\n", hint.framework, paint.cyan(hint.settings));
  }
  out += "  check: " + paint.dim(command_line(train_query_argv(argv, plan.deployment))) + "\n";
}

// ---- JSON ---------------------------------------------------------------------------------

Json breakdown_json(const TrainingBreakdown& b) {
  Json j = Json::object();
  for (const Row& row : rows_of(b)) {
    j[row.key] = row.component->bytes;
  }
  j["total_bytes"] = b.total_bytes();
  return j;
}

Json provenance_json(const TrainingBreakdown& b) {
  Json j = Json::object();
  for (const Row& row : rows_of(b)) {
    const std::string key(row.key);
    j[key.substr(0, key.size() - 6)] = {{"provenance", provenance_name(row.component->provenance)},
                                        {"basis", row.component->basis},
                                        {"low_bytes", row.component->low_bytes},
                                        {"high_bytes", row.component->high_bytes}};
  }
  return j;
}

Json device_json(const DevicePlan& d) {
  return {{"kind", device_kind_name(d.kind)},
          {"id", d.id.empty() ? Json(nullptr) : Json(d.id)},
          {"name", d.name},
          {"capacity_bytes", d.capacity_bytes == 0 ? Json(nullptr) : Json(d.capacity_bytes)},
          {"margin_bytes", d.margin_bytes},
          {"used_bytes", d.used_bytes},
          {"headroom_bytes", d.headroom_bytes ? Json(*d.headroom_bytes) : Json(nullptr)},
          {"fits", d.fits}};
}

Json deployment_json(const TrainingDeployment& d) {
  Json lora = nullptr;
  if (d.method != TrainMethod::full) {
    lora = {{"rank", d.lora.rank},
            {"alpha", d.lora.alpha},
            {"targets", d.lora.targets},
            {"dropout", d.lora.dropout}};
  }
  return {{"method", train_method_name(d.method)},
          {"dtype", d.format.name},
          {"precision", train_precision_name(d.precision)},
          {"optimizer", optimizer_name(d.optimizer)},
          {"optimizer_in_backward", d.optimizer_in_backward},
          {"lora", lora},
          {"micro_batch", d.micro_batch},
          {"seq_len", d.seq_len},
          {"grad_accum", d.grad_accum},
          {"grad_checkpointing", checkpointing_name(d.checkpointing)},
          {"flash_attn", d.flash_attention},
          {"packed", d.packed},
          {"loss", loss_kind_name(d.loss)},
          {"compile", d.compile},
          {"parallelism", parallelism_name(d.parallelism)},
          {"gpus", training_gpus(d)},
          {"nodes", d.nodes},
          {"offload_optimizer", d.offload_optimizer},
          {"offload_params", d.offload_params}};
}

Json step_json(const std::optional<StepTime>& t) {
  if (!t) {
    return nullptr;
  }
  return {{"flops_per_gpu", t->flops_per_gpu},
          {"ceiling_seconds", rounded(t->ceiling_seconds)},
          {"expected_seconds", rounded(t->expected_seconds)},
          {"efficiency", t->efficiency},
          {"tokens_per_second", rounded(t->tokens_per_second)}};
}

Json model_states_json(const ModelStates& m) {
  return {{"parameters_bytes", m.parameters_bytes},
          {"frozen_bytes", m.frozen_bytes},
          {"gradients_bytes", m.gradients_bytes},
          {"optimizer_bytes", m.optimizer_bytes}};
}

Json plan_json(const TrainingPlan& p, const TrainArgvContext& argv) {
  Json devices = Json::array();
  for (const DevicePlan& d : p.devices) {
    devices.push_back(device_json(d));
  }
  return {{"fits", p.deployment.gpus.empty() ? Json(nullptr) : Json(p.fits)},
          {"headroom_bytes", p.headroom_bytes ? Json(*p.headroom_bytes) : Json(nullptr)},
          {"deployment", deployment_json(p.deployment)},
          {"total_params", p.total_params},
          {"trainable_params", p.trainable_params},
          {"data_parallel", p.data_parallel},
          {"shard_degree", p.shard_degree},
          {"peak_phase", training_phase_name(p.peak_phase)},
          {"components", breakdown_json(p.gpu)},
          {"per_gpu_bytes", p.per_gpu_bytes},
          {"host_bytes", p.host_bytes},
          {"host_components", breakdown_json(p.host)},
          {"total_bytes", p.total_bytes},
          {"model_states", model_states_json(p.model_states)},
          {"devices", devices},
          {"gpu_count", p.gpu_count},
          {"step_time", step_json(p.step_time)},
          {"argv", train_query_argv(argv, p.deployment)},
          {"notes", p.notes}};
}

Json answer_json(const std::optional<TrainingAnswer>& a, const char* unit,
                 const TrainArgvContext& argv) {
  if (!a) {
    return nullptr;
  }
  return {{"value", a->value},
          {"unit", unit},
          {"argv", train_query_argv(argv, a->plan.deployment)},
          {"plan", plan_json(a->plan, argv)},
          {"next_value", a->next_value ? Json(*a->next_value) : Json(nullptr)},
          {"next", a->next_plan ? plan_json(*a->next_plan, argv) : Json(nullptr)},
          {"capped_at_trained_context", a->capped_at_trained_context}};
}

}  // namespace

std::string render_train_text(const TrainingReport& report, const TrainArgvContext& argv,
                              const Painter& paint) {
  std::string out = paint.bold(fmt::format("vramcalc {} — training", version())) + "\n";
  render_inputs(out, report);
  render_breakdown(out, report, paint);
  if (report.has_hardware) {
    render_verdict(out, report, argv, paint);
  }
  render_answers(out, report, argv, paint);
  render_run(out, report, argv, paint);
  std::vector<std::string> notes = report.notes;
  notes.insert(notes.end(), report.plan.notes.begin(), report.plan.notes.end());
  if (!notes.empty()) {
    out += "\n" + paint.bold("Notes") + "\n";
    for (const auto& note : notes) {
      out += "  - " + escape_for_terminal(note) + "\n";
    }
  }
  return out;
}

std::string render_train_json(const TrainingReport& report, const TrainArgvContext& argv) {
  const TrainingPlan& plan = report.plan;
  const ModelSpec& model = report.request.model;
  Json doc;
  doc["schema_version"] = k_json_schema_version;
  doc["vramcalc_version"] = std::string(version());
  doc["command"] = "train";
  doc["model"] = {{"name", model.name},
                  {"source", model_source_name(model.source)},
                  {"architecture", model.architecture},
                  {"params", model.total_params},
                  {"layers", model.layers.size()},
                  {"hidden", model.hidden},
                  {"vocab", model.vocab},
                  {"max_context", model.max_context == 0 ? Json(nullptr) : Json(model.max_context)},
                  {"hf_repo", model.hf_repo.empty() ? Json(nullptr) : Json(model.hf_repo)}};
  Json train = deployment_json(plan.deployment);
  train["total_params"] = plan.total_params;
  train["trainable_params"] = plan.trainable_params;
  train["global_batch"] = plan.deployment.micro_batch * plan.deployment.grad_accum * plan.data_parallel;
  train["data_parallel"] = plan.data_parallel;
  train["shard_degree"] = plan.shard_degree;
  train["peak_phase"] = training_phase_name(plan.peak_phase);
  train["components"] = breakdown_json(plan.gpu);
  train["provenance"] = provenance_json(plan.gpu);
  train["per_gpu_bytes"] = plan.per_gpu_bytes;
  train["host_bytes"] = plan.host_bytes;
  train["host_components"] = breakdown_json(plan.host);
  train["total_bytes"] = plan.total_bytes;
  train["model_states"] = model_states_json(plan.model_states);
  Json devices = Json::array();
  for (const DevicePlan& d : plan.devices) {
    devices.push_back(device_json(d));
  }
  train["devices"] = devices;
  train["step_time"] = step_json(plan.step_time);
  Json hints = Json::array();
  for (const FrameworkHint& h : report.hints) {
    hints.push_back({{"framework", h.framework}, {"settings", h.settings}});
  }
  train["hints"] = hints;
  train["argv"] = train_query_argv(argv, plan.deployment);
  doc["train"] = train;
  const TrainingDeployment& d = plan.deployment;
  Json gpus = Json::array();
  for (const GpuGroup& group : d.gpus) {
    gpus.push_back({{"id", group.gpu.id},
                    {"name", group.gpu.name},
                    {"usable_bytes", group.gpu.usable_bytes},
                    {"usable_source", usable_source_name(group.gpu.usable_source)},
                    {"count", group.count},
                    {"per_gpu_bytes", plan.per_gpu_bytes}});
  }
  Json margin = nullptr;
  if (d.margin.percent > 0) {
    margin = {{"percent", d.margin.percent}};
  } else if (d.margin.bytes > 0) {
    margin = {{"bytes", d.margin.bytes}};
  }
  doc["hardware"] = {{"gpus", gpus},
                     {"nodes", d.nodes},
                     {"cards", report.has_hardware ? training_gpus(d) : 0},
                     {"ram_bytes", d.ram_bytes ? Json(*d.ram_bytes) : Json(nullptr)},
                     {"margin", margin}};
  doc["fits"] = report.has_hardware ? Json(plan.fits) : Json(nullptr);
  doc["headroom_bytes"] =
      report.has_hardware && plan.headroom_bytes ? Json(*plan.headroom_bytes) : Json(nullptr);
  Json recs = Json::array();
  for (const TrainingRecommendation& rec : report.recommendations) {
    Json changes = Json::array();
    for (const TrainingChange c : rec.changes) {
      changes.push_back(training_change_name(c));
    }
    recs.push_back({{"kind", training_change_name(rec.kind)},
                    {"changes", changes},
                    {"note", rec.note},
                    {"argv", train_query_argv(argv, rec.plan.deployment)},
                    {"plan", plan_json(rec.plan, argv)}});
  }
  doc["recommendations"] = recs;
  const TrainingRequest& r = report.request;
  if (r.solve_max_micro_batch || r.solve_max_seq_len || r.solve_min_gpus) {
    Json solve = Json::object();
    if (r.solve_max_micro_batch) {
      solve["max_micro_batch"] = answer_json(report.max_micro_batch, "sequences", argv);
    }
    if (r.solve_max_seq_len) {
      solve["max_seq_len"] = answer_json(report.max_seq_len, "tokens", argv);
    }
    if (r.solve_min_gpus) {
      solve["min_gpus"] = answer_json(report.min_gpus, "gpus", argv);
    }
    doc["solve"] = solve;
  }
  std::vector<std::string> notes = report.notes;
  notes.insert(notes.end(), plan.notes.begin(), plan.notes.end());
  doc["notes"] = notes;
  return json_text(doc);
}

}  // namespace vramcalc::cli
