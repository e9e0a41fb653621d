// End-to-end: the slow-but-bounded inputs of issue 9 (1 M safetensors tensors 29 s and 819 MB,
// 2^20 GGUF tensors 10.6 s and 422 MB, 2^20 GGUF keys 9.2 s and 520 MB, a 15 MiB config.json
// 7.6 s and 351 MB). The caps are lowered so that an input at the cap fits 1 s and 256 MB
// (measured in bench/caps_bench.cpp); these exact inputs are now refused, naming the limit,
// and the inputs at the caps are accepted.
#include <nlohmann/json.hpp>

#include "cap_inputs.hpp"
#include "catch.hpp"
#include "cli_checks.hpp"
#include "gguf_writer.hpp"
#include "run_cli.hpp"
#include "safetensors_writer.hpp"
#include "vramcalc/gguf.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/safetensors.hpp"

using nlohmann::json;
using namespace vramcalc::test;

TEST_CASE("caps: 1 M safetensors tensors are refused naming the limit") {
  // A million entries make a header over 64 MiB: refused before it is read.
  const std::string dir = safetensors_with_tensors(temp_dir(), 1'000'000);
  check_input_error(run_cli({"--safetensors", dir}), "is over the limit of 67108864 bytes");
  check_input_error(run_cli({"inspect", dir}), "over the limit of 67108864 bytes (64 MiB)");
  // One past the tensor cap, in a header under 64 MiB.
  const std::string over = safetensors_with_tensors(temp_dir(), (1U << 18U) + 1);
  check_input_error(run_cli({"--safetensors", over}), "header lists more than 262144 tensors");
}

TEST_CASE("caps: 2^20 GGUF tensors and 2^20 GGUF keys are refused naming the limit") {
  const std::string dir = temp_dir();
  write_gguf(dir + "/tensors.gguf", gguf_with_tensors(1ULL << 20));
  check_input_error(run_cli({"--gguf", dir + "/tensors.gguf"}),
                    "tensor count 1048576 at offset 8 exceeds the limit of 262144");
  write_gguf(dir + "/keys.gguf", gguf_with_keys(1ULL << 20));
  check_input_error(run_cli({"inspect", dir + "/keys.gguf"}),
                    "metadata count 1048576 at offset 16 exceeds the limit of 65536");
}

TEST_CASE("caps: a 15 MiB config.json is refused naming the limit") {
  const std::string dir = temp_dir();
  write_file(dir + "/config.json", config_of_bytes(15U << 20U));
  check_input_error(run_cli({"--config", dir + "/config.json"}), "is larger than 1 MiB");
}

TEST_CASE("caps: inputs at the caps are read") {
  const std::string dir = temp_dir();
  write_gguf(dir + "/tensors.gguf", gguf_with_tensors(vramcalc::k_gguf_max_tensors));
  const auto tensors = run_cli({"inspect", dir + "/tensors.gguf", "--format", "json"});
  REQUIRE(tensors.exit_code == 0);
  CHECK(json::parse(tensors.out)["tensors"] == vramcalc::k_gguf_max_tensors);
  write_gguf(dir + "/keys.gguf", gguf_with_keys(vramcalc::k_gguf_max_kv));
  CHECK(run_cli({"inspect", dir + "/keys.gguf"}).exit_code == 0);
  write_file(dir + "/config.json", config_of_bytes(1U << 20U));
  CHECK(run_cli({"--config", dir + "/config.json"}).exit_code == 0);
  const std::string st = safetensors_with_tensors(temp_dir(), vramcalc::safetensors::k_max_tensors);
  const auto read = run_cli({"inspect", st, "--format", "json"});
  REQUIRE(read.exit_code == 0);
  CHECK(json::parse(read.out)["tensors"] == vramcalc::safetensors::k_max_tensors);
  write_file(dir + "/db.json", gpu_db_with_entries(vramcalc::k_gpu_db_max_entries));
  CHECK(run_cli({"--params", "7B", "--gpu", "card-16383", "--gpu-db", dir + "/db.json"})
            .exit_code == 0);
  write_file(dir + "/big.json", gpu_db_of_bytes(vramcalc::k_gpu_db_max_bytes));
  check_input_error(run_cli({"gpus", "--gpu-db", dir + "/big.json"}), "'notes' must be a list");
}

TEST_CASE("caps: inputs nested a million deep are refused at the depth limit") {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  const std::string dir = temp_dir();
  write_file(dir + "/config.json", "{\"x\": " + deep.substr(0, 500'000) + "}");
  check_input_error(run_cli({"--config", dir + "/config.json"}), "nested more than 64 levels");
  const std::string header =
      R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"x":)" + deep + "}}";
  write_safetensors_raw(dir + "/model.safetensors", header, 0);
  write_file(dir + "/model.safetensors.index.json",
             R"({"weight_map": {"w": "model.safetensors"}, "x": )" + deep + "}");
  check_input_error(run_cli({"--safetensors", dir + "/model.safetensors"}),
                    "header nests deeper than 64 levels");
  check_input_error(run_cli({"--safetensors", dir + "/model.safetensors.index.json"}),
                    "nests deeper than 64 levels");
}
