#include "models_command.hpp"

#include <algorithm>

#include "cli11.hpp"

#include "flags.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "gpu_db_loading.hpp"
#include "json_text.hpp"
#include "output.hpp"
#include "quantity.hpp"
#include "query_argv.hpp"
#include "terminal.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/escape.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/fits_on.hpp"
#include "vramcalc/quantization.hpp"
#include "vramcalc/spelling.hpp"
#include "vramcalc/version.hpp"

namespace vramcalc::cli {

namespace {

constexpr std::uint32_t k_max_fits_on_gpus = 64;

struct Row {
  const CatalogEntry* entry;
  ModelSpec model;
  std::string dtype;              ///< the model's own precision
  std::uint64_t weights_bytes;    ///< its weights at that precision
};

Row row_of(const CatalogEntry& entry) {
  const HfConfigReading reading = read_catalog_entry(entry);
  std::optional<WeightFormat> checkpoint;
  if (reading.quantization) {
    checkpoint = weight_format_for(*reading.quantization);
  }
  const WeightFormat own = default_weight_format(reading.model, EngineKind::generic, checkpoint);
  const std::uint64_t bytes = weight_breakdown(reading.model, own).total_bytes;
  return {&entry, reading.model, own.name, bytes};
}

std::string attention_of(const ModelSpec& model) {
  bool sliding = false;
  bool latent = false;
  bool none = !model.layers.empty();
  for (const auto& layer : model.layers) {
    sliding = sliding || layer.attention == AttentionKind::sliding_window;
    latent = latent || layer.attention == AttentionKind::latent;
    none = none && layer.attention == AttentionKind::none;
  }
  return latent ? "latent (MLA)" : sliding ? "sliding window" : none ? "none (no KV)" : "full";
}

// Filters of the listing, each optional.
struct Filters {
  std::string family;
  std::optional<std::uint64_t> min_params, max_params, min_memory, max_memory;
};

Filters filters_of(const ModelsCommandOptions& o) {
  Filters f;
  f.family = o.family;
  const auto count = [](const std::string& text, const char* flag) {
    return text.empty() ? std::nullopt
                        : std::optional<std::uint64_t>(parse_param_count(text, flag));
  };
  const auto size = [](const std::string& text, const char* flag) {
    return text.empty() ? std::nullopt : std::optional<std::uint64_t>(parse_size(text, flag));
  };
  f.min_params = count(o.min_params, "--min-params");
  f.max_params = count(o.max_params, "--max-params");
  f.min_memory = size(o.min_memory, "--min-memory");
  f.max_memory = size(o.max_memory, "--max-memory");
  return f;
}

// --family matches the architecture the reader counted (llama, qwen2, gemma3_text) or a word
// of the id (qwen, deepseek, bge), case-insensitively.
bool family_matches(const Row& row, const std::string& family) {
  if (family.empty()) {
    return true;
  }
  const std::string wanted = normalize_model_name(family);
  return normalize_model_name(row.model.architecture).rfind(wanted, 0) == 0 ||
         normalize_model_name(row.entry->id).rfind(wanted, 0) == 0;
}

bool passes(const Row& row, const Filters& f) {
  const auto in = [](std::uint64_t value, const std::optional<std::uint64_t>& low,
                     const std::optional<std::uint64_t>& high) {
    return (!low || value >= *low) && (!high || value <= *high);
  };
  return family_matches(row, f.family) && in(row.model.total_params, f.min_params, f.max_params) &&
         in(row.weights_bytes, f.min_memory, f.max_memory);
}

std::vector<Row> rows(const Filters& filters) {
  std::vector<Row> out;
  for (const auto& entry : catalog_entries()) {
    Row row = row_of(entry);
    if (passes(row, filters)) {
      out.push_back(std::move(row));
    }
  }
  return out;
}

std::string render_text(const std::vector<Row>& rows, const Painter& paint) {
  std::string out = paint.bold(fmt::format("{:<32}{:<40}{:>16}{:>16}  {:>7}  {:<10}{:>10}  {}",
                                           "id", "name", "params", "active", "layers", "dtype",
                                           "weights", "attention")) +
                    "\n";
  for (const auto& row : rows) {
    out += fmt::format("{:<32}{:<40}{:>16}{:>16}  {:>7}  {:<10}{:>7.1f} GB  {}\n", escape_for_terminal(row.entry->id),
                       escape_for_terminal(row.entry->name), row.model.total_params, row.model.active_params,
                       row.model.layers.size(), row.dtype,
                       static_cast<double>(row.weights_bytes) / 1e9, attention_of(row.model));
  }
  out += fmt::format("{} models. Use --model ID (or a Hugging Face repo name or alias).\n",
                     rows.size());
  return out;
}

std::string render_json(const std::vector<Row>& rows) {
  nlohmann::ordered_json doc;
  doc["schema_version"] = k_json_schema_version;
  auto list = nlohmann::ordered_json::array();
  for (const auto& row : rows) {
    list.push_back({{"id", row.entry->id},
                    {"name", row.entry->name},
                    {"aliases", row.entry->aliases},
                    {"hf_repo", row.entry->hf_repo},
                    {"architecture", row.model.architecture},
                    {"params", row.model.total_params},
                    {"active_params", row.model.active_params},
                    {"layers", row.model.layers.size()},
                    {"hidden", row.model.hidden},
                    {"vocab", row.model.vocab},
                    {"max_context", row.model.max_context},
                    {"dtype", row.dtype},
                    {"weights_bytes", row.weights_bytes},
                    {"attention", attention_of(row.model)},
                    {"sources", row.entry->sources}});
  }
  doc["models"] = list;
  return json_text(doc);
}

// ---- --fits-on ---------------------------------------------------------------------------

EngineKind engine_of(const std::string& name) {
  if (name.empty()) {
    return EngineKind::generic;
  }
  if (const auto kind = find_engine(name)) {
    return *kind;
  }
  const auto suggestion = closest_name(name, engine_names());
  throw Error(ErrorKind::input, "unknown --engine '" + name + "'",
              (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                  "known engines: generic, llama.cpp, ollama, vllm, sglang, transformers");
}

struct FitsOnAnswer {
  Deployment base;
  std::vector<FitsOnRow> rows;
};

FitsOnAnswer answer_fits_on(const ModelsCommandOptions& o, const GpuDatabase& database,
                            const std::vector<const CatalogEntry*>& entries) {
  FitsOnAnswer answer;
  Deployment& d = answer.base;
  d.options.engine.kind = engine_of(o.engine);
  d.gpus = {GpuGroup{*database.resolve(o.fits_on).gpu, o.gpus.value_or(1)}};
  if (o.context) {
    d.workload.context = *o.context;
  }
  if (o.batch) {
    d.workload.batch = *o.batch;
  }
  if (!entries.empty()) {  // (an empty list would search the whole catalog)
    answer.rows = fits_on(d, o.context.has_value(), entries);
  }
  return answer;
}

std::string gb(std::uint64_t bytes) {
  return fmt::format("{:.1f} GB", static_cast<double>(bytes) / 1e9);
}

std::string render_fits_on_text(const FitsOnAnswer& answer, const ModelsCommandOptions& o,
                                std::size_t searched, const Painter& paint) {
  const GpuGroup& group = answer.base.gpus.front();
  std::string out = fmt::format("Models that fit on {} x {} ({}), engine {}{}:\n", group.count,
                                escape_for_terminal(group.gpu.name), gb(group.gpu.usable_bytes),
                                engine_name(answer.base.options.engine.kind),
                                o.context ? fmt::format(", context {}", *o.context)
                                          : std::string(", each at its default context"));
  out += paint.bold(fmt::format("{:<32}{:>9}  {:<14}{:>9}{:>12}{:>12}  {}", "id", "params",
                                "dtype", "context", "needs", "headroom", "re-run")) +
         "\n";
  for (const FitsOnRow& row : answer.rows) {
    const Deployment& d = row.plan.deployment;
    const ArgvContext context{row.request, o.output.gpu_db_files};
    out += fmt::format("{:<32}{:>8.1f}B  {:<14}{:>9}{:>12}{:>12}  {}\n", escape_for_terminal(row.entry->id),
                       static_cast<double>(row.request.model.total_params) / 1e9, d.format.name,
                       d.workload.context, gb(row.plan.total_bytes),
                       gb(static_cast<std::uint64_t>(std::max<std::int64_t>(
                           0, row.plan.headroom_bytes.value_or(0)))),
                       command_line(query_argv(context, d)));
  }
  out += fmt::format("{} of {} catalog models fit.\n", answer.rows.size(), searched);
  return out;
}

std::string render_fits_on_json(const FitsOnAnswer& answer, const ModelsCommandOptions& o,
                                std::size_t searched) {
  nlohmann::ordered_json doc;
  doc["schema_version"] = k_json_schema_version;
  const GpuGroup& group = answer.base.gpus.front();
  doc["fits_on"] = {{"gpu", group.gpu.id},
                    {"gpus", group.count},
                    {"engine", engine_name(answer.base.options.engine.kind)},
                    {"context", o.context ? nlohmann::ordered_json(*o.context)
                                          : nlohmann::ordered_json(nullptr)},
                    {"batch", answer.base.workload.batch},
                    {"searched", searched}};
  auto list = nlohmann::ordered_json::array();
  for (const FitsOnRow& row : answer.rows) {
    const Deployment& d = row.plan.deployment;
    const ArgvContext context{row.request, o.output.gpu_db_files};
    list.push_back({{"id", row.entry->id},
                    {"name", row.entry->name},
                    {"params", row.request.model.total_params},
                    {"dtype", d.format.name},
                    {"context", d.workload.context},
                    {"batch", d.workload.batch},
                    {"fits", row.plan.fits},
                    {"total_bytes", row.plan.total_bytes},
                    {"headroom_bytes", row.plan.headroom_bytes.value_or(0)},
                    {"strategy", strategy_name(row.plan.strategy)},
                    {"argv", query_argv(context, d)}});
  }
  doc["models"] = list;
  return json_text(doc);
}

void check_fits_on_flags(const ModelsCommandOptions& o) {
  if (o.fits_on.empty() && (o.gpus || o.context || o.batch || !o.engine.empty())) {
    throw Error(ErrorKind::usage, "--gpus, --context, --batch and --engine go with --fits-on",
                "add --fits-on GPU, e.g. vramcalc models --fits-on 4090 --context 8k");
  }
}

}  // namespace

void setup_models(Flags& flags, ModelsCommandOptions& o) {
  flags.text("--family", o.family, "NAME", "Filters",
             "Only this family: an architecture (llama, qwen2, gemma3_text) or a name word "
             "(qwen, deepseek, bge)");
  flags.text("--min-params", o.min_params, "COUNT", "Filters",
             "At least this many parameters: 7B, 500M");
  flags.text("--max-params", o.max_params, "COUNT", "Filters", "At most this many parameters");
  flags.text("--min-memory", o.min_memory, "SIZE", "Filters",
             "Weights at the model's own precision at least this size: 10GB");
  flags.text("--max-memory", o.max_memory, "SIZE", "Filters",
             "Weights at the model's own precision at most");
  flags.text("--fits-on", o.fits_on, "GPU", "Fits on",
             "Every model that fits this card, at the best precision that does, with the "
             "command that re-runs it");
  flags.value("--gpus", "N", "Fits on", "With --fits-on: cards of that type (default 1)",
              [&o](const std::string& v) {
                o.gpus = static_cast<std::uint32_t>(parse_count(v, "--gpus", k_max_fits_on_gpus));
              });
  flags.value("--context,--max-model-len", "TOKENS", "Fits on",
              "With --fits-on: tokens per sequence (default: 4096, at most each model's trained "
              "length)",
              [&o](const std::string& v) { o.context = parse_token_count(v, "--context"); });
  flags.value("--batch,--parallel", "N", "Fits on", "With --fits-on: sequences at once (default 1)",
              [&o](const std::string& v) { o.batch = parse_count(v, "--batch", k_max_batch); });
  flags.text("--engine", o.engine, "NAME", "Fits on",
             "With --fits-on: generic (default), llama.cpp, ollama, vllm, sglang, "
             "transformers");
  add_output_options(flags, o.output);
}

int run_models(const ModelsCommandOptions& options) {
  const Format format = parse_format(options.output.format);
  const bool color = use_color(parse_color_mode(options.output.color));
  check_fits_on_flags(options);
  const std::vector<Row> listed = rows(filters_of(options));
  std::string out;
  if (options.fits_on.empty()) {
    out = format == Format::json ? render_json(listed) : render_text(listed, Painter(color));
  } else {
    const GpuDatabase database = load_gpu_database(options.output.gpu_db_files);
    std::vector<const CatalogEntry*> entries;
    for (const Row& row : listed) {
      entries.push_back(row.entry);
    }
    const FitsOnAnswer answer = answer_fits_on(options, database, entries);
    out = format == Format::json
              ? render_fits_on_json(answer, options, entries.size())
              : render_fits_on_text(answer, options, entries.size(), Painter(color));
    write_output(out);
    // Like the solvers: 0 when there is an answer, 1 when no model fits.
    return answer.rows.empty() ? k_exit_does_not_fit : k_exit_ok;
  }
  write_output(out);
  return k_exit_ok;
}

}  // namespace vramcalc::cli
