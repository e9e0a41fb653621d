#include "models_command.hpp"


#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "json_text.hpp"
#include "output.hpp"
#include "terminal.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/escape.hpp"
#include "vramcalc/version.hpp"

namespace vramcalc::cli {

namespace {

struct Row {
  const CatalogEntry* entry;
  ModelSpec model;
};

std::vector<Row> rows() {
  std::vector<Row> out;
  for (const auto& entry : catalog_entries()) {
    out.push_back({&entry, read_catalog_entry(entry).model});
  }
  return out;
}

std::string render_text(const std::vector<Row>& rows, const Painter& paint) {
  std::string out = paint.bold(fmt::format("{:<30}{:<34}{:>16}{:>16}  {:>7}  {}", "id", "name",
                                           "params", "active", "layers", "attention")) +
                    "\n";
  for (const auto& row : rows) {
    std::string attention = "full";
    bool sliding = false;
    bool latent = false;
    for (const auto& layer : row.model.layers) {
      sliding = sliding || layer.attention == AttentionKind::sliding_window;
      latent = latent || layer.attention == AttentionKind::latent;
    }
    if (latent) {
      attention = "latent (MLA)";
    } else if (sliding) {
      attention = "sliding window";
    }
    out += fmt::format("{:<30}{:<34}{:>16}{:>16}  {:>7}  {}\n", escape_for_terminal(row.entry->id),
                       escape_for_terminal(row.entry->name),
                       row.model.total_params, row.model.active_params, row.model.layers.size(),
                       attention);
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
                    {"params", row.model.total_params},
                    {"active_params", row.model.active_params},
                    {"layers", row.model.layers.size()},
                    {"hidden", row.model.hidden},
                    {"vocab", row.model.vocab},
                    {"max_context", row.model.max_context},
                    {"sources", row.entry->sources}});
  }
  doc["models"] = list;
  return json_text(doc);
}

}  // namespace

void setup_models(CLI::App& app, ModelsCommandOptions& options) {
  add_output_options(app, options.output);
}

int run_models(const ModelsCommandOptions& options) {
  const Format format = parse_format(options.output.format);
  const bool color = use_color(parse_color_mode(options.output.color));
  const std::vector<Row> all = rows();
  const std::string out = format == Format::json ? render_json(all) : render_text(all, Painter(color));
  write_output(out);
  return k_exit_ok;
}

}  // namespace vramcalc::cli
