// `vramcalc check FILE`: every deployment of a file planned and judged as `vramcalc ARGS` would
// plan and judge it, in one table, one JSON document or one Markdown table.
#include "check_command.hpp"

#include <algorithm>
#include <set>

#include "cli11.hpp"

#include "flags.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app.hpp"
#include "estimate_command.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "terminal.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/engine.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/solve.hpp"
#include "vramcalc/text_input.hpp"

namespace vramcalc::cli {

namespace {

using Json = nlohmann::ordered_json;

// A row nests three levels in an array file ([{"args": [...]}]); more is not a check file.
constexpr int k_max_depth = 8;
// nlohmann's parse errors quote what was read; a long token is cut to keep the message a line.
constexpr std::size_t k_max_message_bytes = 240;

constexpr const char* k_row_hint =
    "a row is {\"name\": \"...\", \"args\": [\"--model\", \"llama-3.1-8b\", \"--gpu\", \"L4\"]}";
constexpr const char* k_file_hint =
    "write one JSON object per line ({\"name\": \"...\", \"args\": [\"--model\", ...]}), or a "
    "JSON array of such objects";

[[noreturn]] void file_error(const std::string& message, const std::string& hint = k_file_hint) {
  throw Error(ErrorKind::file, message, hint);
}

// nlohmann's message without its "[json.exception.parse_error.101] " prefix, cut to a line.
std::string parse_message(const std::exception& e) {
  std::string text = e.what();
  if (text.rfind("[json.exception.", 0) == 0) {
    const auto close = text.find("] ");
    if (close != std::string::npos) {
      text.erase(0, close + 2);
    }
  }
  if (text.size() > k_max_message_bytes) {
    text.resize(k_max_message_bytes);
    text += "...";
  }
  return text;
}

// One JSON value, refusing deep nesting and repeated keys as it is read (nlohmann's parser
// keeps no call stack per level, and the callback stops it at the first level too deep).
Json parse_value(std::string_view text, const std::string& where, bool one_line) {
  std::vector<std::set<std::string>> keys;  // the keys of each object being read
  const Json::parser_callback_t check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth > k_max_depth) {
      file_error(where + " nests deeper than " + std::to_string(k_max_depth) + " levels");
    }
    if (event == Json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == Json::parse_event_t::object_end && !keys.empty()) {
      keys.pop_back();
    } else if (event == Json::parse_event_t::key && !keys.empty() &&
               !keys.back().insert(parsed.get<std::string>()).second) {
      file_error(where + ": key '" + parsed.get<std::string>() + "' appears twice in one object",
                 "give a flag once; repeat a value as a list: \"gpu\": [\"4090\", \"3090\"]");
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), check);
  } catch (const nlohmann::json::exception& e) {
    std::string message = parse_message(e);
    // A line of JSON Lines is parsed alone: its position is the column.
    if (const auto at = message.find("at line 1, column "); one_line && at != std::string::npos) {
      message.erase(at + 3, 8);
    }
    file_error(where + " is not JSON: " + message);
  }
}

// A flag given as a key: "gpu" -> --gpu. Long names only, as `vramcalc --help` spells them.
bool is_flag_key(const std::string& key) {
  if (key.empty() || key.size() > 64 || key.front() == '-') {
    return false;
  }
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// A scalar value as an argument: strings as written, numbers as JSON writes them.
std::optional<std::string> scalar_argument(const Json& value) {
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_number()) {
    return value.dump();
  }
  return std::nullopt;
}

// The arguments of one flag key: "gpus": 2 -> --gpus 2, "offload": true -> --offload,
// false -> nothing, a list -> the flag once per item. Empty error when it can be read.
std::string append_flag(const std::string& key, const Json& value,
                        std::vector<std::string>& args) {
  const std::string flag = "--" + key;
  if (value.is_boolean()) {
    if (value.get<bool>()) {
      args.push_back(flag);
    }
    return {};
  }
  if (const auto text = scalar_argument(value)) {
    args.push_back(flag);
    args.push_back(*text);
    return {};
  }
  if (value.is_array()) {
    for (const Json& item : value) {
      const auto text = scalar_argument(item);
      if (!text) {
        return "'" + key + "' lists a " + std::string(item.type_name()) +
               "; list strings or numbers";
      }
      args.push_back(flag);
      args.push_back(*text);
    }
    return {};
  }
  return "'" + key + "' is " + std::string(value.type_name()) +
         "; give a string, a number, true or false, or a list";
}

// One row's name and arguments, or why they cannot be read.
CheckRowInput row_from_json(const Json& value, std::size_t position) {
  CheckRowInput row;
  row.name = "row " + std::to_string(position);
  const auto fail = [&row](const std::string& message) {
    row.args.reset();
    row.error = message;
    row.hint = k_row_hint;
    return row;
  };
  if (!value.is_object()) {
    return fail("the row is " + std::string(value.type_name()) + ", not an object");
  }
  if (const auto name = value.find("name"); name != value.end()) {
    if (!name->is_string() || name->get_ref<const std::string&>().empty()) {
      return fail("'name' must be a non-empty string");
    }
    row.name = name->get<std::string>();
  }
  std::vector<std::string> args;
  if (const auto given = value.find("args"); given != value.end()) {
    if (!given->is_array()) {
      return fail("'args' is " + std::string(given->type_name()) +
                  ", not a list of strings");
    }
    if (given->size() > k_check_max_args) {
      return fail(fmt::format("'args' holds {} arguments, more than {}", given->size(),
                              k_check_max_args));
    }
    for (std::size_t i = 0; i < given->size(); ++i) {
      const Json& arg = (*given)[i];
      if (!arg.is_string()) {
        return fail(fmt::format("'args' item {} is {}, not a string (write numbers as \"{}\")",
                                i + 1, arg.type_name(), arg.is_number() ? arg.dump() : "..."));
      }
      args.push_back(arg.get<std::string>());
    }
  }
  for (const auto& [key, flag_value] : value.items()) {
    if (key == "name" || key == "args") {
      continue;
    }
    if (!is_flag_key(key)) {
      return fail("unknown key '" + key +
                  "': a row has 'name', 'args', and flags by their long names without the "
                  "dashes (\"gpu\": \"L4\")");
    }
    if (const std::string error = append_flag(key, flag_value, args); !error.empty()) {
      return fail(error);
    }
    if (args.size() > k_check_max_args) {
      return fail(fmt::format("the row holds more than {} arguments", k_check_max_args));
    }
  }
  if (args.empty()) {
    return fail("the row gives no arguments");
  }
  row.args = std::move(args);
  return row;
}

// Lines of `text` over the cap are refused before any is parsed.
void check_line_lengths(std::string_view text, const std::string& origin) {
  std::size_t line = 1;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (end - start > k_check_max_line_bytes) {
      file_error(fmt::format("{}: line {} is {} bytes, longer than 1 MiB", origin, line,
                             end - start),
                 "write one deployment per line; no deployment needs a line that long");
    }
    start = end + 1;
    ++line;
  }
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

void add_row(std::vector<CheckRowInput>& rows, const Json& value, const std::string& origin) {
  if (rows.size() >= k_check_max_rows) {
    file_error(fmt::format("{} holds more than {} deployments", origin, k_check_max_rows),
               "split the file");
  }
  rows.push_back(row_from_json(value, rows.size() + 1));
}

// The arguments may not read standard input: the check file may be it, and a CI job's stdin
// is not a deployment's.
void refuse_stdin(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "-" || (arg.rfind("--", 0) == 0 && arg.size() > 2 &&
                       arg.compare(arg.size() - 2, 2, "=-") == 0)) {
      throw Error(ErrorKind::usage, "a row cannot read standard input ('-')",
                  "name the file (--config PATH, --gpu-db PATH) in the row");
    }
  }
}

// A check judges a deployment; a solver answers a question about many.
void refuse_solvers(const Request& r) {
  const char* flag = r.solve_max_context ? "--max-context"
                     : r.solve_max_batch ? "--max-batch"
                     : r.solve_min_gpus  ? "--min-gpus"
                     : r.solve_which_gpus ? "--which-gpus"
                                          : nullptr;
  if (flag != nullptr) {
    throw Error(ErrorKind::usage,
                std::string(flag) + " is a solver: a check row is one deployment to judge",
                std::string("drop ") + flag + " from the row (run it on its own as vramcalc ARGS)");
  }
}

void refuse_no_hardware(const Deployment& d) {
  if (d.gpus.empty() && !(d.cpu_only && d.ram_bytes)) {
    throw Error(ErrorKind::usage, "the row names no hardware: nothing to judge",
                "add --gpu NAME or --vram SIZE (or --cpu-only with --ram SIZE)");
  }
}

std::string hardware_text(const Deployment& d) {
  std::string text;
  for (const GpuGroup& group : d.gpus) {
    text += fmt::format("{}{} x {}", text.empty() ? "" : " + ", group.count, group.gpu.name);
  }
  if (d.nodes > 1) {
    text += fmt::format(" x {} nodes", d.nodes);
  }
  if (d.cpu_only) {
    text = "CPU only";
  }
  if (d.ram_bytes) {
    text += fmt::format("{}{:.1f} GB RAM", text.empty() ? "" : " + ", to_gb(*d.ram_bytes));
  }
  return text;
}

void fill_verdict(CheckRow& row, const Report& report) {
  const Plan& plan = report.plan;
  row.exit_code = exit_code_of(report);
  row.status = row.exit_code == k_exit_ok ? CheckStatus::fits : CheckStatus::does_not_fit;
  row.model = report.request.model.name;
  row.hardware = hardware_text(report.request.deployment);
  row.engine = std::string(engine_name(report.request.deployment.options.engine.kind));
  const WeightFormat& format = report.format();
  row.dtype = format.scheme == WeightScheme::as_stored ? report.request.model.stored_format
                                                       : format.name;
  const auto room = [](const DevicePlan& d) {
    return d.capacity_bytes - std::min(d.capacity_bytes, d.margin_bytes);
  };
  const DevicePlan* fullest = fullest_gpu(plan);
  if (fullest != nullptr) {
    row.per_gpu_bytes = fullest->used_bytes;
    row.capacity_bytes = room(*fullest);
  }
  // A CPU-only plan's one device is its RAM.
  const DevicePlan* deciding = fullest != nullptr ? fullest : &plan.devices.front();
  row.need_bytes = deciding->used_bytes;
  row.room_bytes = room(*deciding);
  row.headroom_bytes = plan.headroom_bytes;
  row.total_bytes = plan.total_bytes;
}

// A run with error rows exits 2 with its report on stdout, and says why in one stderr line.
void report_row_errors(const CheckResult& result) {
  const auto first = std::find_if(result.rows.begin(), result.rows.end(), [](const CheckRow& r) {
    return r.status == CheckStatus::error;
  });
  if (first == result.rows.end()) {
    return;
  }
  print_error(fmt::format("{} of {} deployments could not be checked; first '{}': {}",
                          result.errors, result.rows.size(), first->name, first->error),
              "each row's error is in the report; fix the row, or run its arguments as vramcalc "
              "ARGS to see the error alone");
}

}  // namespace

void setup_check(Flags& flags, CheckCommandOptions& options) {
  flags
      .positional("file", options.file, "FILE",
                  "Deployments: JSON Lines (one {\"name\", \"args\"} object per line) or a JSON "
                  "array; - for standard input")
      ->required();
  flags.text("--format", options.format, "FORMAT", "Output",
             "Output: text (default), json, or markdown (a table for a pull-request comment)");
  flags.text("--color", options.color, "WHEN", "Output",
             "Colour: auto (default: on a terminal, off with NO_COLOR), always, never");
}

std::vector<CheckRowInput> parse_check_rows(std::string_view text, const std::string& origin) {
  if (text.size() > k_check_max_bytes) {
    file_error(fmt::format("{} is larger than 16 MiB", origin), "split the file");
  }
  check_line_lengths(text, origin);
  std::vector<CheckRowInput> rows;
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '[') {
    const Json document = parse_value(text, origin, false);
    if (!document.is_array()) {  // "[1] [2]" is no JSON; anything else starting '[' is a list
      file_error(origin + " is not one JSON array");
    }
    for (const Json& value : document) {
      add_row(rows, value, origin);
    }
  } else {
    std::size_t line = 0;
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      const std::string_view content = text.substr(start, end - start);
      ++line;
      start = end + 1;
      if (is_blank(content)) {
        continue;
      }
      add_row(rows, parse_value(content, fmt::format("{}: line {}", origin, line), true), origin);
    }
  }
  if (rows.empty()) {
    file_error(origin + " lists no deployments");
  }
  return rows;
}

CheckRow check_row(const CheckRowInput& input) {
  CheckRow row;
  row.name = input.name;
  row.argv = input.args;
  if (!input.args) {
    row.error = input.error;
    row.hint = input.hint;
    return row;
  }
  try {
    refuse_stdin(*input.args);
    Query query = parse_query(*input.args);
    refuse_solvers(query.request);
    refuse_no_hardware(query.request.deployment);
    const Report report = build_report(std::move(query.request));
    fill_verdict(row, report);
  } catch (const Error& e) {
    row.error = e.what();
    row.hint = e.hint();
  } catch (const std::exception& e) {
    row.error = std::string("internal error: ") + e.what();
    row.hint = "please report this with the row that caused it";
  }
  if (!row.error.empty()) {
    row.status = CheckStatus::error;
    row.exit_code = k_exit_error;
  }
  return row;
}

CheckResult check_rows(const std::string& file, const std::vector<CheckRowInput>& inputs) {
  CheckResult result;
  result.file = file;
  for (const CheckRowInput& input : inputs) {
    CheckRow row = check_row(input);
    switch (row.status) {
      case CheckStatus::fits: ++result.fits; break;
      case CheckStatus::does_not_fit: ++result.does_not_fit; break;
      case CheckStatus::error: ++result.errors; break;
    }
    result.exit_code = std::max(result.exit_code, row.exit_code);
    result.rows.push_back(std::move(row));
  }
  return result;
}

int run_check(const CheckCommandOptions& options) {
  const std::string& format = options.format;
  if (format != "text" && format != "json" && format != "markdown") {
    throw Error(ErrorKind::input, "invalid --format '" + format + "'",
                "use --format text, json or markdown");
  }
  const bool color = use_color(parse_color_mode(options.color));
  TextInputLimits limits;
  limits.max_bytes = k_check_max_bytes;
  const std::string text = read_text_input(options.file, "check file", limits);
  const std::string origin = options.file == k_stdin_path
                                 ? std::string("check file (standard input)")
                                 : "check file '" + options.file + "'";
  const CheckResult result = check_rows(options.file, parse_check_rows(text, origin));
  // Rendered whole before writing, so a failure never leaves half a document on stdout.
  const std::string out = format == "json"       ? render_check_json(result)
                          : format == "markdown" ? render_check_markdown(result)
                                                 : render_check_text(result, color);
  write_output(out);
  report_row_errors(result);
  return result.exit_code;
}

}  // namespace vramcalc::cli
