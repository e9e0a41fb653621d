// End-to-end: `vramcalc check FILE`, many deployments in one step (issue 15 item 7). Every row
// is judged as `vramcalc ARGS` judges it; the exit code is the worst row's.
#include <algorithm>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "cli_checks.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

const std::string k_fits = R"({"name": "8b-l4", "args": ["--model", "llama-3.1-8b", "--gpu", "L4"]})";
const std::string k_too_big =
    R"({"name": "70b-l4", "args": ["--params", "70B", "--gpu", "L4", "--engine", "vllm"]})";
const std::string k_typo = R"({"name": "typo", "args": ["--model", "llama-3.1-8b", "--gpu", "L5"]})";

std::string file_with(const std::string& content, const std::string& name = "rows.jsonl") {
  const std::string path = temp_dir() + "/" + name;
  write_file(path, content);
  return path;
}

json check_json(const std::vector<std::string>& args, int expected_exit) {
  const auto r = run_cli(args);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == expected_exit);
  return json::parse(r.out);
}

// Each row's verdict and figures are those of running its arguments alone.
void check_matches_alone(const json& row) {
  std::vector<std::string> args = row["argv"].get<std::vector<std::string>>();
  args.insert(args.end(), {"--format", "json"});
  const auto alone = run_cli(args);
  INFO(row["name"]);
  CHECK(alone.exit_code == row["exit_code"].get<int>());
  const json doc = json::parse(alone.out);
  CHECK(doc["fits"] == row["fits"]);
  CHECK(doc["headroom_bytes"] == row["headroom_bytes"]);
  CHECK(doc["plan"]["total_bytes"] == row["total_bytes"]);
  CHECK(doc["model"]["name"] == row["model"]);
}

}  // namespace

TEST_CASE("check: rows that fit exit 0 and each matches vramcalc ARGS") {
  const std::string path = file_with(k_fits + "\n\n" +
                                     R"({"name": "7b-4090", "args": ["--params", "7B", "--gpu", "4090", "--engine", "llama.cpp"]})" +
                                     "\n");
  const json doc = check_json({"check", path, "--format", "json"}, 0);
  CHECK(doc["schema_version"] == 2);
  CHECK(doc["command"] == "check");
  CHECK(doc["file"] == path);
  CHECK(doc["exit_code"] == 0);
  CHECK(doc["summary"] == json{{"rows", 2}, {"fits", 2}, {"does_not_fit", 0}, {"errors", 0}});
  REQUIRE(doc["rows"].size() == 2);
  const json& row = doc["rows"][0];
  CHECK(row["name"] == "8b-l4");
  CHECK(row["status"] == "fits");
  CHECK(row["fits"] == true);
  CHECK(row["exit_code"] == 0);
  CHECK(row["error"].is_null());
  CHECK(row["hardware"] == "1 x NVIDIA L4");
  CHECK(row["command"] == "vramcalc --model llama-3.1-8b --gpu L4");
  CHECK(row["per_gpu_bytes"].get<std::uint64_t>() < row["capacity_bytes"].get<std::uint64_t>());
  CHECK(row["headroom_bytes"].get<std::int64_t>() > 0);
  for (const json& each : doc["rows"]) {
    check_matches_alone(each);
  }
}

TEST_CASE("check: a row that does not fit exits 1") {
  const std::string path = file_with(k_fits + "\n" + k_too_big + "\n");
  const json doc = check_json({"check", path, "--format", "json"}, 1);
  CHECK(doc["summary"]["does_not_fit"] == 1);
  const json& row = doc["rows"][1];
  CHECK(row["status"] == "does_not_fit");
  CHECK(row["fits"] == false);
  CHECK(row["exit_code"] == 1);
  CHECK(row["engine"] == "vllm");
  CHECK(row["headroom_bytes"].get<std::int64_t>() < 0);
  check_matches_alone(row);
}

TEST_CASE("check: an error row is reported in place and the run exits 2") {
  const std::string path = file_with(k_fits + "\n" + k_too_big + "\n" + k_typo + "\n");
  const auto r = run_cli({"check", path, "--format", "json"});
  CHECK(r.exit_code == 2);
  // The report is still printed; stderr says why the exit code is 2, in the one-line form.
  CHECK(r.err.rfind("vramcalc: error: 1 of 3 deployments could not be checked; first 'typo': "
                    "unknown GPU 'L5'",
                    0) == 0);
  CHECK(r.err.find("\n  hint: ") != std::string::npos);
  const json doc = json::parse(r.out);
  CHECK(doc["exit_code"] == 2);
  CHECK(doc["summary"] == json{{"rows", 3}, {"fits", 1}, {"does_not_fit", 1}, {"errors", 1}});
  const json& row = doc["rows"][2];
  CHECK(row["status"] == "error");
  CHECK(row["exit_code"] == 2);
  CHECK(row["fits"].is_null());
  CHECK(row["model"].is_null());
  CHECK(row["headroom_bytes"].is_null());
  CHECK(row["error"] == "unknown GPU 'L5'");
  CHECK_FALSE(row["hint"].is_null());
  // The same arguments alone exit 2 too.
  CHECK(run_cli(row["argv"].get<std::vector<std::string>>()).exit_code == 2);
}

TEST_CASE("check: a JSON array of rows and JSON Lines give the same report") {
  const std::string lines = file_with(k_fits + "\n" + k_too_big + "\n", "rows.jsonl");
  const std::string array = file_with("[\n  " + k_fits + ",\n  " + k_too_big + "\n]\n", "rows.json");
  json a = check_json({"check", lines, "--format", "json"}, 1);
  json b = check_json({"check", array, "--format", "json"}, 1);
  a.erase("file");
  b.erase("file");
  CHECK(a == b);
}

TEST_CASE("check: - reads the rows from standard input") {
  CliSetup setup;
  setup.stdin_data = k_fits + "\n" + k_too_big + "\n";
  const auto r = run_cli_with({"check", "-", "--format", "json"}, setup);
  CHECK(r.exit_code == 1);
  const json doc = json::parse(r.out);
  CHECK(doc["file"] == "-");
  CHECK(doc["rows"].size() == 2);
}

TEST_CASE("check: the text table names every row with its verdict and re-run command") {
  const std::string path = file_with(k_fits + "\n" + k_too_big + "\n" + k_typo + "\n");
  const auto r = run_cli({"check", path});
  CHECK(r.exit_code == 2);
  for (const char* needle :
       {"name", "model", "hardware", "verdict", "need / capacity", "headroom", "re-run", "8b-l4",
        "FITS", "DOES NOT FIT", "ERROR", "1 x NVIDIA L4", "vramcalc --model llama-3.1-8b --gpu L4",
        "vramcalc --params 70B --gpu L4 --engine vllm", "typo: unknown GPU 'L5'",
        "3 deployments: 1 fits, 1 does not fit, 1 error (exit code 2)"}) {
    INFO(needle);
    CHECK(r.out.find(needle) != std::string::npos);
  }
  CHECK_FALSE(has_terminal_controls(r.out));
}

TEST_CASE("check: markdown is a table for a pull-request comment") {
  const std::string path = file_with(k_fits + "\n" + k_too_big + "\n" + k_typo + "\n" +
                                     R"({"name": "pipe | and *stars*", "args": ["--params", "1B", "--gpu", "L4"]})" +
                                     "\n");
  const auto r = run_cli({"check", path, "--format", "markdown"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.rfind("| | deployment | model | hardware | engine | need / capacity | headroom | "
                    "check |\n|:-:|---|---|---|---|--:|--:|---|\n",
                    0) == 0);
  CHECK(r.out.find("| \u2705 | 8b-l4 | ") != std::string::npos);
  CHECK(r.out.find("| \u274c | 70b-l4 | ") != std::string::npos);
  CHECK(r.out.find("| \u26a0\ufe0f | typo | **error**: unknown GPU 'L5'") != std::string::npos);
  CHECK(r.out.find("` vramcalc --model llama-3.1-8b --gpu L4 `") != std::string::npos);
  // A name cannot break the table or start emphasis.
  CHECK(r.out.find("pipe \\| and \\*stars\\*") != std::string::npos);
  CHECK(r.out.find("**2 of 4 deployments fit**") != std::string::npos);
  // Every table line has the same number of unescaped cell separators.
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < r.out.size() && r.out.compare(start, 1, "|") == 0) {
    const std::size_t end = r.out.find('\n', start);
    const std::string line = r.out.substr(start, end - start);
    std::size_t bars = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      bars += line[i] == '|' && (i == 0 || line[i - 1] != '\\') ? 1U : 0U;
    }
    INFO(line);
    CHECK(bars == 9);
    ++lines;
    start = end + 1;
  }
  CHECK(lines == 6);
}

TEST_CASE("check: flags may be given as keys of the row") {
  const std::string path = file_with(
      R"({"name": "keys", "model": "qwen2.5-7b", "gpu": ["4090", "3090"], "engine": "llama.cpp", "context": 8192, "swa-full": false, "kv-unified": true})"
      "\n");
  const json doc = check_json({"check", path, "--format", "json"}, 0);
  const json& row = doc["rows"][0];
  CHECK(row["argv"] == json{"--model", "qwen2.5-7b", "--gpu", "4090", "--gpu", "3090", "--engine",
                            "llama.cpp", "--context", "8192", "--kv-unified"});
  CHECK(row["hardware"] == "1 x GeForce RTX 4090 + 1 x GeForce RTX 3090");
  check_matches_alone(row);
}

TEST_CASE("check: malformed rows are errors of their own row") {
  const std::string path = file_with(
      R"({"name": "numbers", "args": ["--params", 7, "--gpu", "L4"]})" "\n"
      R"({"name": "not a list", "args": "--params 7B"})" "\n"
      R"([1, 2])" "\n"
      R"({"name": "", "args": ["--params", "7B"]})" "\n"
      R"({"name": "bad key", "Model": "x"})" "\n"
      R"({"name": "null flag", "gpu": null})" "\n"
      R"({"name": "nothing"})" "\n"
      R"({"name": "solver", "args": ["--params", "7B", "--gpu", "L4", "--max-context"]})" "\n"
      R"({"name": "no card", "args": ["--params", "7B"]})" "\n"
      R"({"name": "stdin", "args": ["--config", "-", "--gpu", "L4"]})" "\n"
      R"({"name": "help", "args": ["--help"]})" "\n" +
      k_fits + "\n");
  const json doc = check_json({"check", path, "--format", "json"}, 2);
  REQUIRE(doc["rows"].size() == 12);
  const auto error_of = [&](std::size_t i) { return doc["rows"][i]["error"].get<std::string>(); };
  CHECK(error_of(0) == "'args' item 2 is number, not a string (write numbers as \"7\")");
  CHECK(doc["rows"][0]["argv"].is_null());
  CHECK(doc["rows"][0]["name"] == "numbers");
  CHECK(error_of(1) == "'args' is string, not a list of strings");
  CHECK(error_of(2) == "the row is array, not an object");
  CHECK(doc["rows"][2]["name"] == "row 3");
  CHECK(error_of(3) == "'name' must be a non-empty string");
  CHECK(error_of(4).rfind("unknown key 'Model'", 0) == 0);
  CHECK(error_of(5).rfind("'gpu' is null", 0) == 0);
  CHECK(error_of(6) == "the row gives no arguments");
  CHECK(error_of(7) == "--max-context is a solver: a check row is one deployment to judge");
  CHECK(error_of(8) == "the row names no hardware: nothing to judge");
  CHECK(error_of(9) == "a row cannot read standard input ('-')");
  CHECK(error_of(10).find("--help") != std::string::npos);
  CHECK(doc["rows"][11]["status"] == "fits");
  CHECK(doc["summary"]["errors"] == 11);
}

TEST_CASE("check: a malformed file is one error line and exit 2") {
  check_input_error(run_cli({"check", file_with(k_fits + "\n{\"name\": \n")}),
                    "line 2 is not JSON: parse error at column");
  check_input_error(run_cli({"check", file_with("[" + k_fits + ",]")}), "is not JSON");
  check_input_error(run_cli({"check", file_with(R"({"name": "a", "name": "b", "args": []})")}),
                    "key 'name' appears twice in one object");
  check_input_error(run_cli({"check", file_with(std::string(20, '[') + std::string(20, ']'))}),
                    "nests deeper than 8 levels");
}

TEST_CASE("check: an empty file lists no deployments") {
  check_input_error(run_cli({"check", file_with("")}), "lists no deployments");
  check_input_error(run_cli({"check", file_with("\n  \n")}), "lists no deployments");
  check_input_error(run_cli({"check", file_with("[]")}), "lists no deployments");
  CliSetup empty;
  empty.stdin_data = "";
  check_input_error(run_cli_with({"check", "-"}, empty), "is empty");
}

TEST_CASE("check: a line over 1 MiB and a file over 16 MiB are refused") {
  const std::string long_name(1024 * 1024 + 1, 'x');
  check_input_error(
      run_cli({"check", file_with(R"({"name": ")" + long_name + R"(", "args": []})" "\n")}),
      "longer than 1 MiB");
  std::string big;
  const std::string line = k_fits + std::string(1000, ' ') + "\n";
  while (big.size() <= 16 * 1024 * 1024) {
    big += line;
  }
  check_input_error(run_cli({"check", file_with(big)}), "larger than 16 MiB");
  std::string many;
  for (int i = 0; i < 10'001; ++i) {
    many += "{}\n";
  }
  check_input_error(run_cli({"check", file_with(many)}), "holds more than 10000 deployments");
}

TEST_CASE("check: bad flags and files of the command itself") {
  check_input_error(run_cli({"check"}), "file is required");
  check_input_error(run_cli({"check", file_with(k_fits), "--format", "yaml"}),
                    "invalid --format 'yaml'");
  check_input_error(run_cli({"check", temp_dir() + "/missing.jsonl"}), "missing.jsonl");
  check_input_error(run_cli({"check", temp_dir()}), "directory");
}

TEST_CASE("check: the README's example file gives the README's table") {
  // README "CI: many deployments": the JSON Lines block, and the table it prints.
  std::ifstream in(std::string(VRAMCALC_SOURCE_DIR) + "/README.md");
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto block = [&readme](const std::string& opening) {
    const std::size_t start = readme.find(opening);
    REQUIRE(start != std::string::npos);
    const std::size_t body = start + opening.size();
    return readme.substr(body, readme.find("```", body) - body);
  };
  const std::string rows = block("```jsonl\n");
  const std::string table = block("$ vramcalc check deployments.jsonl\n");
  const auto r = run_cli({"check", file_with(rows, "deployments.jsonl")});
  CHECK(r.exit_code == 1);
  // The same lines after the first (which names the file as given).
  const auto tail = [](const std::string& text) { return text.substr(text.find('\n') + 1); };
  CHECK(tail(r.out) == tail(table));
}

TEST_CASE("check: names from the file cannot act on the terminal") {
  const std::string path = file_with(
      R"({"name": "evil\u001b[2J\u202e\u0007", "args": ["--params", "7B", "--gpu", "L4"]})" "\n"
      R"({"name": "evil2\u001b[31m", "args": ["--params", "7B", "--gpu", "\u001b[31mL4"]})" "\n");
  for (const char* format : {"text", "markdown"}) {
    INFO(format);
    const auto r = run_cli({"check", path, "--format", format});
    CHECK(r.exit_code == 2);
    CHECK_FALSE(has_terminal_controls(r.out));
    CHECK_FALSE(has_terminal_controls(r.err));
    CHECK(r.out.find("x1b") != std::string::npos);  // shown, as \x1b (markdown: \\x1b)
    CHECK(r.out.find("\u202e") == std::string::npos);
  }
  // JSON keeps the name as written, escaped as JSON escapes it.
  const json doc = check_json({"check", path, "--format", "json"}, 2);
  CHECK(doc["rows"][0]["name"] == "evil\x1b[2J\u202e\a");
}
