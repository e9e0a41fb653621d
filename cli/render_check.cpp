// The renderers of `vramcalc check`: a text table, one JSON document, a Markdown table.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "check_command.hpp"
#include "json_text.hpp"
#include "query_argv.hpp"
#include "terminal.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/escape.hpp"
#include "vramcalc/report.hpp"
#include "vramcalc/version.hpp"

namespace vramcalc::cli {

namespace {

using Json = nlohmann::ordered_json;

const char* status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::fits: return "fits";
    case CheckStatus::does_not_fit: return "does_not_fit";
    case CheckStatus::error: return "error";
  }
  return "error";
}

const char* verdict_text(CheckStatus status) {
  switch (status) {
    case CheckStatus::fits: return "FITS";
    case CheckStatus::does_not_fit: return "DOES NOT FIT";
    case CheckStatus::error: return "ERROR";
  }
  return "ERROR";
}

std::string gb(std::uint64_t bytes) {
  return fmt::format("{:.2f}", to_gb(bytes));
}

std::string need_text(const CheckRow& row) {
  if (row.status == CheckStatus::error) {
    return "-";
  }
  return fmt::format("{} / {} GB", gb(row.need_bytes), gb(row.room_bytes));
}

std::string headroom_text(const CheckRow& row) {
  if (!row.headroom_bytes) {
    return "-";
  }
  const std::int64_t h = *row.headroom_bytes;
  const auto size = static_cast<std::uint64_t>(h < 0 ? -h : h);
  return fmt::format("{}{} GB", h < 0 ? "-" : "", gb(size));
}

std::string command_text(const CheckRow& row) {
  return row.argv ? command_line(*row.argv) : std::string("-");
}

std::string summary_text(const CheckResult& result) {
  return fmt::format("{} deployment{}: {} fit{}, {} do{} not fit, {} error{}", result.rows.size(),
                     result.rows.size() == 1 ? "" : "s", result.fits, result.fits == 1 ? "s" : "",
                     result.does_not_fit, result.does_not_fit == 1 ? "es" : "", result.errors,
                     result.errors == 1 ? "" : "s");
}

// Terminal columns of UTF-8 text, counted as code points (no wide-character table).
std::size_t columns(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

std::string pad(const std::string& text, std::size_t width) {
  return text + std::string(width - std::min(width, columns(text)), ' ');
}

// ---- Markdown ------------------------------------------------------------------------------

// Text in a table cell: visible escapes for controls (escape_for_terminal), then what
// Markdown or HTML would act on.
std::string markdown_cell(std::string_view raw) {
  const std::string text = escape_for_terminal(raw);
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '|': case '\\': case '`': case '*': case '_': case '[': case ']': case '~':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

// A command as inline code in a table cell: a fence longer than any run of backticks in it,
// and '|' escaped (GitHub's tables split cells at '|' even inside code).
std::string markdown_code(std::string_view raw) {
  const std::string text = escape_for_terminal(raw);
  std::size_t longest = 0;
  std::size_t run = 0;
  std::string body;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '|') {
      body += '\\';
    }
    body += c;
  }
  const std::string fence(longest + 1, '`');
  return fence + " " + body + " " + fence;
}

const char* status_mark(CheckStatus status) {
  switch (status) {
    case CheckStatus::fits: return "\u2705";
    case CheckStatus::does_not_fit: return "\u274c";
    case CheckStatus::error: return "\u26a0\ufe0f";
  }
  return "\u26a0\ufe0f";
}

}  // namespace

std::string render_check_text(const CheckResult& result, bool color) {
  const Painter paint(color);
  const std::vector<std::string> header = {"name",   "model",           "hardware", "engine",
                                           "verdict", "need / capacity", "headroom", "re-run"};
  std::vector<std::vector<std::string>> cells;
  for (const CheckRow& row : result.rows) {
    const bool planned = row.status != CheckStatus::error;
    cells.push_back({escape_for_terminal(row.name),
                     planned ? escape_for_terminal(row.model) : "-",
                     planned ? escape_for_terminal(row.hardware) : "-",
                     planned ? row.engine : "-", verdict_text(row.status), need_text(row),
                     headroom_text(row), escape_for_terminal(command_text(row))});
  }
  std::vector<std::size_t> widths;
  for (const std::string& title : header) {
    widths.push_back(columns(title));
  }
  for (const auto& line : cells) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      widths[i] = std::max(widths[i], columns(line[i]));
    }
  }
  const auto render_line = [&](const std::vector<std::string>& line, const CheckStatus* status) {
    std::string out;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const bool last = i + 1 == line.size();
      std::string cell = last ? line[i] : pad(line[i], widths[i]);
      if (status != nullptr && i == 4) {
        cell = *status == CheckStatus::fits           ? paint.green(cell)
               : *status == CheckStatus::does_not_fit ? paint.red(cell)
                                                      : paint.yellow(cell);
      }
      out += cell + (last ? "\n" : "  ");
    }
    return out;
  };
  std::string out = paint.bold(fmt::format("vramcalc {} check {}", version(),
                                           escape_for_terminal(result.file))) +
                    "\n";
  out += paint.bold(render_line(header, nullptr));
  for (std::size_t r = 0; r < cells.size(); ++r) {
    out += render_line(cells[r], &result.rows[r].status);
  }
  if (result.errors > 0) {
    out += "\n" + paint.bold("Errors") + "\n";
    for (const CheckRow& row : result.rows) {
      if (row.status != CheckStatus::error) {
        continue;
      }
      out += "  " + escape_for_terminal(row.name) + ": " + escape_for_terminal(row.error) + "\n";
      if (!row.hint.empty()) {
        out += "    hint: " + escape_for_terminal(row.hint) + "\n";
      }
    }
  }
  out += "\n" + summary_text(result) + fmt::format(" (exit code {})\n", result.exit_code);
  return out;
}

std::string render_check_json(const CheckResult& result) {
  Json doc;
  doc["schema_version"] = k_json_schema_version;
  doc["vramcalc_version"] = std::string(version());
  doc["command"] = "check";
  doc["file"] = result.file;
  doc["exit_code"] = result.exit_code;
  doc["summary"] = {{"rows", result.rows.size()},
                    {"fits", result.fits},
                    {"does_not_fit", result.does_not_fit},
                    {"errors", result.errors}};
  Json rows = Json::array();
  for (const CheckRow& row : result.rows) {
    const bool planned = row.status != CheckStatus::error;
    const auto text = [planned](const std::string& value) {
      return planned ? Json(value) : Json(nullptr);
    };
    const auto number = [](const auto& value) { return value ? Json(*value) : Json(nullptr); };
    rows.push_back({{"name", row.name},
                    {"argv", row.argv ? Json(*row.argv) : Json(nullptr)},
                    {"command", row.argv ? Json(command_line(*row.argv)) : Json(nullptr)},
                    {"status", status_name(row.status)},
                    {"exit_code", row.exit_code},
                    {"fits", planned ? Json(row.status == CheckStatus::fits) : Json(nullptr)},
                    {"model", text(row.model)},
                    {"hardware", text(row.hardware)},
                    {"engine", text(row.engine)},
                    {"dtype", text(row.dtype)},
                    {"per_gpu_bytes", number(row.per_gpu_bytes)},
                    {"capacity_bytes", number(row.capacity_bytes)},
                    {"headroom_bytes", number(row.headroom_bytes)},
                    {"total_bytes", number(row.total_bytes)},
                    {"error", planned ? Json(nullptr) : Json(row.error)},
                    {"hint", planned || row.hint.empty() ? Json(nullptr) : Json(row.hint)}});
  }
  doc["rows"] = rows;
  return json_text(doc);
}

std::string render_check_markdown(const CheckResult& result) {
  std::string out = "| | deployment | model | hardware | engine | need / capacity | headroom | "
                    "check |\n|:-:|---|---|---|---|--:|--:|---|\n";
  for (const CheckRow& row : result.rows) {
    const bool planned = row.status != CheckStatus::error;
    // An error row says what went wrong where the figures would be.
    const std::string model =
        planned ? markdown_cell(row.model)
                : "**error**: " + markdown_cell(row.error) +
                      (row.hint.empty() ? std::string() : " (" + markdown_cell(row.hint) + ")");
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", status_mark(row.status),
                       markdown_cell(row.name), model,
                       planned ? markdown_cell(row.hardware) : "",
                       planned ? markdown_cell(row.engine) : "", planned ? need_text(row) : "",
                       planned ? headroom_text(row) : "",
                       row.argv ? markdown_code(command_text(row)) : "");
  }
  out += fmt::format("\n**{} of {} deployment{} fit{}**: \u2705 {} fit{}, \u274c {} do{} not fit, "
                     "\u26a0\ufe0f {} error{} (exit code {})\n",
                     result.fits, result.rows.size(), result.rows.size() == 1 ? "" : "s",
                     result.fits == 1 && result.rows.size() == 1 ? "s" : "", result.fits,
                     result.fits == 1 ? "s" : "", result.does_not_fit,
                     result.does_not_fit == 1 ? "es" : "", result.errors,
                     result.errors == 1 ? "" : "s", result.exit_code);
  return out;
}

}  // namespace vramcalc::cli
