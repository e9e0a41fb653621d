// End-to-end: --gguf and `vramcalc inspect` on GGUF files rebuilt (sparse) from the
// inventories of files llama.cpp itself wrote and measured.
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "gguf_inventory.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

std::string rebuild(const std::string& inventory_file) {
  const Inventory inventory = load_inventory(inventory_dir() + "/" + inventory_file);
  const std::string path = temp_dir() + "/" + inventory.file;
  write_gguf(path, inventory.fixture);
  return path;
}

}  // namespace

TEST_CASE("cli: --gguf weights equal the file's tensor bytes and llama.cpp's parameter count") {
  // tests/data/gguf-inventories/llamacpp_measured_extract.json (and
  // tests/data/validation/llamacpp_cpu_measured.json): llama_model_size_bytes and n_params as
  // llama.cpp reported them for these files.
  struct Expect {
    const char* inventory;
    std::uint64_t bytes;
    std::uint64_t params;
  };
  const Expect files[] = {
      {"llama32_1b.Q4_K_M.gguf.json", 799'862'912ULL, 1'235'814'432ULL},
      {"qwen25_05b.IQ4_XS.gguf.json", 345'497'088ULL, 494'032'768ULL},
      {"gemma2_2b.Q8_0.gguf.json", 2'778'448'896ULL, 2'614'341'888ULL},
      {"deepseek_v2_lite.Q8_0.gguf.json", 16'698'521'600ULL, 15'706'484'224ULL},
  };
  for (const Expect& e : files) {
    INFO(e.inventory);
    const Inventory inventory = load_inventory(inventory_dir() + "/" + e.inventory);
    const std::string path = rebuild(e.inventory);
    const auto r = run_cli({"--gguf", path, "--format", "json"});
    REQUIRE(r.exit_code == 0);
    const json doc = json::parse(r.out);
    CHECK(doc["memory"]["weights_bytes"] == inventory.tensor_bytes);
    if (e.bytes != 0) {
      CHECK(inventory.tensor_bytes == e.bytes);
    }
    CHECK(doc["model"]["params"] == e.params);
    CHECK(doc["model"]["source"] == "gguf");
    CHECK(doc["memory"]["provenance"]["weights"] == "exact");
    CHECK(doc["precision"]["as_stored"] == true);
  }
}

TEST_CASE("cli: inspect shows what was read from a GGUF and as text and JSON") {
  const std::string path = rebuild("llama32_1b.Q4_K_M.gguf.json");
  const auto j = run_cli({"inspect", path, "--format", "json"});
  REQUIRE(j.exit_code == 0);
  const json doc = json::parse(j.out);
  CHECK(doc["format"] == "gguf");
  CHECK(doc["model"]["architecture"] == "llama");
  CHECK(doc["model"]["params"] == 1'235'814'432ULL);
  CHECK(doc["model"]["stored_format"] == "Q4_K_M");
  CHECK(doc["bytes"]["total"] == 799'862'912ULL);
  CHECK(doc["layers"].size() == 16);
  // 8 kv heads x 64 x (K + V) x 2 bytes = 2,048 bytes per token per layer.
  CHECK(doc["layers"][0]["kv_bytes_per_token_f16"] == 2048);
  std::uint64_t by_type = 0;
  for (const auto& t : doc["bytes"]["by_type"]) {
    by_type += t["bytes"].get<std::uint64_t>();
  }
  CHECK(by_type == 799'862'912ULL);
  const auto text = run_cli({"inspect", path});
  CHECK(text.exit_code == 0);
  for (const char* needle : {"Q4_K_M", "Q4_K", "Q6_K", "1235814432", "Layers", "full"}) {
    INFO(needle);
    CHECK(text.out.find(needle) != std::string::npos);
  }
}

TEST_CASE("cli: inspect of a 100 GB sparse GGUF reads only its header") {
  // A 100 GB model: 2 blocks of 32768 x 786432 F16 matrices... laid out sparsely.
  GgufFixture big = small_model("llama", 2, 64, k_ggml_f16);
  big.tensors.push_back({"blk.0.ffn_extra.weight", {65536, 786432}, k_ggml_f16, std::nullopt});
  const std::string path = temp_dir() + "/big.gguf";
  const FixtureLayout layout = write_gguf(path, big);
  REQUIRE(layout.file_size > 100'000'000'000ULL);
  const auto r = run_cli({"inspect", path, "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["bytes"]["total"].get<std::uint64_t>() > 100'000'000'000ULL);
}

TEST_CASE("cli: malformed GGUF files are exit 2 with a message naming the problem") {
  const std::string dir = temp_dir();
  write_file(dir + "/v1.gguf", std::string("GGUF") + le32(1) + le64(0) + le64(0));
  write_file(dir + "/magic.gguf", std::string("GGML") + le32(3) + le64(0) + le64(0));
  write_file(dir + "/short.gguf", std::string("GGUF") + le32(3));
  const std::pair<const char*, const char*> cases[] = {
      {"v1.gguf", "version 1"},
      {"magic.gguf", "magic"},
      {"short.gguf", "truncated"},
  };
  for (const auto& [file, needle] : cases) {
    INFO(file);
    const auto r = run_cli({"--gguf", dir + "/" + file});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(needle) != std::string::npos);
    const auto i = run_cli({"inspect", dir + "/" + file});
    CHECK(i.exit_code == 2);
    CHECK(i.out.empty());
  }
}
