// End-to-end: strings from files, databases and the command line never reach the terminal raw
// (issue 9 case 6). One test per source of strings: each puts the issue's hostile name
// (retitle the terminal, clear the screen, return to column 0 and print a fake verdict) where
// that source allows, and checks the text output holds no control byte but the escaped form.
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "cli_checks.hpp"
#include "gguf_writer.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

// Issue 9: general.name = "\x1b]0;PWNED\x07\x1b[2J\rFAKE: FITS".
const std::string k_hostile = "\x1b]0;PWNED\x07\x1b[2J\rFAKE: FITS";
const std::string k_escaped = "\\x1b]0;PWNED\\x07\\x1b[2J\\x0dFAKE: FITS";

// Text output that shows the hostile string only escaped.
void check_escaped(const CliResult& r, int exit_code = 0) {
  INFO(r.err);
  CHECK(r.exit_code == exit_code);
  CHECK_FALSE(has_terminal_controls(r.out));
  CHECK(r.out.find(k_escaped) != std::string::npos);
}

std::string hostile_json() {
  return json(k_hostile).dump();  // "\u001b]0;PWNED\u0007..."
}

std::string llama_config(const std::string& extra) {
  return R"({"hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16,
             "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
             "max_position_embeddings": 131072, "tie_word_embeddings": true)" +
         extra + "}";
}

std::string config_file(const std::string& extra) {
  const std::string dir = temp_dir();
  write_file(dir + "/config.json", llama_config(extra));
  return dir + "/config.json";
}

std::string gpu_db(const std::string& field, const std::string& value_json) {
  const std::string dir = temp_dir();
  write_file(dir + "/db.json", R"({"gpus": [{"id": "lab-card", "memory_gb": 24, ")" + field +
                                   "\": " + value_json + "}]}");
  return dir + "/db.json";
}

}  // namespace

TEST_CASE("escapes: GGUF general.name") {
  const std::string dir = temp_dir();
  GgufFixture model = small_model();
  for (auto& kv : model.metadata) {
    if (kv.key == "general.name") {
      kv = kv_str("general.name", k_hostile);
    }
  }
  write_gguf(dir + "/m.gguf", model);
  check_escaped(run_cli({"--gguf", dir + "/m.gguf", "--gpu", "L4"}));
  check_escaped(run_cli({"inspect", dir + "/m.gguf"}));
  // JSON keeps the name as it is, escaped by the JSON writer.
  const auto doc = run_cli({"--gguf", dir + "/m.gguf", "--format", "json"});
  CHECK(json::parse(doc.out)["model"]["name"] == k_hostile);
}

TEST_CASE("escapes: GGUF general.architecture in an error message") {
  const std::string dir = temp_dir();
  GgufFixture model = small_model();
  for (auto& kv : model.metadata) {
    if (kv.key == "general.architecture") {
      kv = kv_str("general.architecture", k_hostile);
    }
  }
  write_gguf(dir + "/m.gguf", model);
  check_input_error(run_cli({"inspect", dir + "/m.gguf"}), "PWNED");
}

TEST_CASE("escapes: config.json model_type") {
  check_escaped(run_cli({"--config", config_file(R"(, "model_type": )" + hostile_json())}));
  check_escaped(run_cli({"inspect", config_file(R"(, "model_type": )" + hostile_json())}));
}

TEST_CASE("escapes: config.json architectures and _name_or_path") {
  const std::string path = config_file(R"(, "model_type": "llama", "architectures": [)" +
                                       hostile_json() + R"(], "_name_or_path": )" + hostile_json());
  check_escaped(run_cli({"--config", path, "--gpu", "L4"}));
  check_escaped(run_cli({"inspect", path}));
}

TEST_CASE("escapes: config.json torch_dtype and quantization_config") {
  check_escaped(
      run_cli({"--config", config_file(R"(, "model_type": "llama", "torch_dtype": )" + hostile_json())}));
  check_escaped(run_cli({"--config", config_file(R"(, "model_type": "llama",
      "quantization_config": {"quant_method": )" + hostile_json() + "}")}));
}

TEST_CASE("escapes: GPU database name") {
  const std::string db = gpu_db("name", hostile_json());
  check_escaped(run_cli({"gpus", "--gpu-db", db}));
  check_escaped(run_cli({"--params", "7B", "--gpu", "lab-card", "--gpu-db", db}));
  // Does not fit: the card's name reaches the plan's device rows and the recommendations.
  check_escaped(run_cli({"--params", "70B", "--gpu", "lab-card", "--gpu-db", db, "--gpus", "4"}),
                1);
  const auto which = run_cli({"--params", "7B", "--which-gpus", "--gpu-db", db});
  check_escaped(which);
}

TEST_CASE("escapes: GPU database id") {
  const std::string dir = temp_dir();
  write_file(dir + "/db.json",
             R"({"gpus": [{"id": )" + hostile_json() + R"(, "name": "Lab", "memory_gb": 24}]})");
  check_escaped(run_cli({"gpus", "--gpu-db", dir + "/db.json"}));
  // The id reaches error messages too: a broken entry names it, escaped.
  write_file(dir + "/bad.json",
             R"({"gpus": [{"id": )" + hostile_json() + R"(, "memory_gb": -1}]})");
  check_input_error(run_cli({"gpus", "--gpu-db", dir + "/bad.json"}), "PWNED");
}

TEST_CASE("escapes: GPU database vendor memory type interconnect and pcie") {
  for (const char* field : {"vendor", "memory_type", "interconnect", "pcie"}) {
    INFO(field);
    const std::string db = gpu_db(field, hostile_json());
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"gpus", "--gpu-db", db},
             {"--params", "7B", "--gpu", "lab-card", "--gpu-db", db},
             {"--params", "70B", "--gpu", "lab-card", "--gpus", "4", "--gpu-db", db}}) {
      const auto r = run_cli(args);
      CHECK(r.exit_code <= 1);
      CHECK_FALSE(has_terminal_controls(r.out));
    }
  }
}

TEST_CASE("escapes: GPU database aliases in a note on variants") {
  const std::string dir = temp_dir();
  write_file(dir + "/db.json", R"({"gpus": [
      {"id": "lab-a", "name": )" + hostile_json() + R"(, "memory_gb": 24, "aliases": ["lab"],
       "default_for": ["lab"]},
      {"id": "lab-b", "name": )" + hostile_json() + R"(, "memory_gb": 24, "aliases": ["lab"]}]})");
  check_escaped(run_cli({"--params", "7B", "--gpu", "lab", "--gpu-db", dir + "/db.json"}));
}

TEST_CASE("escapes: file names in inspect") {
  const std::string dir = temp_dir();
  const std::string path = dir + "/" + k_hostile + ".gguf";
  write_gguf(path, small_model());
  check_escaped(run_cli({"inspect", path}));
}

TEST_CASE("escapes: catalog strings and command-line names") {
  const auto models = run_cli({"models"});
  CHECK(models.exit_code == 0);
  CHECK_FALSE(has_terminal_controls(models.out));
  check_input_error(run_cli({"--params", "7B", "--gpu", k_hostile}), "PWNED");
  check_input_error(run_cli({"--model", k_hostile}), "PWNED");
  check_input_error(run_cli({"--params", k_hostile}), "PWNED");
}

TEST_CASE("escapes: names that are not UTF-8 keep the JSON output valid") {
  // Found while hardening: a GGUF general.name (or a file name) with bytes that are not UTF-8
  // made the JSON writer throw, and the command failed with "internal error".
  const std::string dir = temp_dir();
  GgufFixture model = small_model();
  for (auto& kv : model.metadata) {
    if (kv.key == "general.name") {
      kv = kv_str("general.name", "bad\xff\xfename");
    }
  }
  const std::string path = dir + "/m\xfe.gguf";
  write_gguf(path, model);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--gguf", path, "--format", "json"}, {"inspect", path, "--format", "json"}}) {
    const auto r = run_cli(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["model"]["name"] == "bad\xef\xbf\xbd\xef\xbf\xbdname");  // U+FFFD
  }
  const auto text = run_cli({"--gguf", path});
  CHECK(text.out.find("bad\\xff\\xfename") != std::string::npos);
}
