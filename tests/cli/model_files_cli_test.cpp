// End-to-end: --safetensors, inspect of safetensors, and hostile model files of both formats
// through the binary: each exit 2, one error line naming the problem, nothing on stdout.
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "gguf_writer.hpp"
#include "run_cli.hpp"
#include "safetensors_models.hpp"
#include "safetensors_writer.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Llama-3.1-8B as released: 4 BF16 shards with an index, and its config.json beside them.
std::string llama31_checkpoint() {
  const std::string dir = temp_dir();
  write_sharded(dir, llama_tensors({32, 4096, 32, 8, 128, 14336, 128256, false}, "BF16"), 4);
  write_file(dir + "/config.json", read_text(test_data_dir() + "/configs/llama-3.1-8b.json"));
  return dir;
}

}  // namespace

TEST_CASE("cli: --safetensors gives the exact stored bytes and the released parameter count") {
  const std::string dir = llama31_checkpoint();
  for (const std::string& path : {dir, dir + "/model.safetensors.index.json"}) {
    INFO(path);
    const auto r = run_cli({"--safetensors", path, "--format", "json"});
    REQUIRE(r.exit_code == 0);
    const json doc = json::parse(r.out);
    CHECK(doc["model"]["source"] == "safetensors");
    CHECK(doc["model"]["params"] == 8'030'261'248ULL);
    CHECK(doc["memory"]["weights_bytes"] == 8'030'261'248ULL * 2);
    CHECK(doc["memory"]["provenance"]["weights"] == "exact");
    CHECK(doc["memory"]["kv_cache_bytes"] == 4096ULL * 131'072);
  }
  // A precision conversion costs the parameters of the config beside the weights.
  const auto q = run_cli({"--safetensors", dir, "--dtype", "int4", "--format", "json"});
  REQUIRE(q.exit_code == 0);
  CHECK(json::parse(q.out)["memory"]["weights_bytes"] == 8'030'261'248ULL / 2);
}

TEST_CASE("cli: inspect reads safetensors checkpoints") {
  const std::string dir = llama31_checkpoint();
  const auto r = run_cli({"inspect", dir, "--format", "json"});
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  CHECK(doc["format"] == "safetensors");
  CHECK(doc["model"]["params"] == 8'030'261'248ULL);
  CHECK(doc["bytes"]["total"] == 16'060'522'496ULL);
  CHECK(doc["bytes"]["by_type"][0]["type"] == "BF16");
  CHECK(doc["layers"].size() == 32);
}

TEST_CASE("cli: hostile model files are exit 2 with a message naming the problem") {
  const std::string dir = temp_dir();
  struct Case {
    std::string file;
    std::string flag;
    std::string needle;  // part of the message that names the problem
  };
  std::vector<Case> cases;
  const auto gguf = [&](const std::string& name, const std::string& bytes, const std::string& needle) {
    write_file(dir + "/" + name, bytes);
    cases.push_back({name, "--gguf", needle});
  };
  const std::string v3 = std::string("GGUF") + le32(3);
  gguf("empty.gguf", "", "magic");
  gguf("magic.gguf", std::string("GGML") + le32(3) + le64(0) + le64(0), "magic");
  gguf("v1.gguf", std::string("GGUF") + le32(1) + le64(0) + le64(0), "version 1");
  gguf("v9.gguf", std::string("GGUF") + le32(9) + le64(0) + le64(0), "version");
  gguf("swapped.gguf", std::string("GGUF") + std::string("\0\0\0\3", 4) + le64(0) + le64(0),
       "byte");
  gguf("short.gguf", v3, "truncated");
  gguf("counts.gguf", v3 + le64(1ULL << 40) + le64(0), "tensor");
  gguf("kvcount.gguf", v3 + le64(0) + le64(1ULL << 40), "metadata");
  gguf("keylen.gguf", v3 + le64(0) + le64(1) + le64(1ULL << 60), "key");
  gguf("valtype.gguf", v3 + le64(0) + le64(1) + gguf_string("k") + le32(99), "type");
  gguf("strlen.gguf", v3 + le64(0) + le64(1) + gguf_string("k") + le32(8) + le64(1ULL << 50),
       "length");
  gguf("arrlen.gguf",
       v3 + le64(0) + le64(1) + gguf_string("k") + le32(9) + le32(4) + le64(1ULL << 61), "array");
  gguf("dupkey.gguf",
       v3 + le64(0) + le64(2) + gguf_string("k") + le32(4) + le32(1) + gguf_string("k") + le32(4) +
           le32(2),
       "k");
  {
    GgufFixture f;
    f.tensors.push_back({"t", {32}, 99, std::nullopt});  // unknown ggml type
    gguf("ggmltype.gguf", gguf_file_bytes(f), "type");
  }
  {
    GgufFixture f;
    f.tensors.push_back({"t", {32}, k_ggml_f32, std::nullopt});
    f.tensors.push_back({"t", {32}, k_ggml_f32, std::nullopt});
    gguf("duptensor.gguf", gguf_file_bytes(f), "'t'");
  }
  {
    GgufFixture f;
    f.tensors.push_back({"a", {64}, k_ggml_f32, 0});
    f.tensors.push_back({"b", {64}, k_ggml_f32, 128});
    f.tensors.push_back({"c", {64}, k_ggml_f32, 160});  // overlaps b
    gguf("overlap.gguf", gguf_file_bytes(f), "overlap");
  }
  {
    GgufFixture f;
    f.tensors.push_back({"t", {1024}, k_ggml_f32, std::nullopt});
    const std::string bytes = gguf_file_bytes(f);
    gguf("pastend.gguf", bytes.substr(0, bytes.size() - 64), "past the end");
  }
  {
    GgufFixture f;
    f.tensors.push_back({"t", {33}, k_ggml_q8_0, std::nullopt});  // partial block
    gguf("block.gguf", gguf_file_bytes(f), "block");
  }
  {
    GgufFixture f;
    f.tensors.push_back({"t", {0}, k_ggml_f32, std::nullopt});
    gguf("zerodim.gguf", gguf_file_bytes(f), "0");
  }

  const auto st = [&](const std::string& name, const std::string& bytes, const std::string& needle) {
    write_file(dir + "/" + name, bytes);
    cases.push_back({name, "--safetensors", needle});
  };
  std::uint64_t data = 0;
  const std::string good = header_json({{"w", "F32", {4}}}, {}, data);
  st("tiny.safetensors", "abc", "8");
  st("hugelen.safetensors", safetensors_bytes(good, data, 1ULL << 40), "header");
  st("over100mb.safetensors", safetensors_bytes(good, data, 200'000'000ULL), "header");
  st("notjson.safetensors", safetensors_bytes("{not json", 0), "JSON");
  st("array.safetensors", safetensors_bytes("[1,2]", 0), "object");
  st("dup.safetensors",
     safetensors_bytes("{" + tensor_entry("w", "F32", {1}, 0, 4) + "," +
                           tensor_entry("w", "F32", {1}, 4, 8) + "}",
                       8),
     "'w'");
  st("dtype.safetensors", safetensors_bytes("{" + tensor_entry("w", "F33", {1}, 0, 4) + "}", 4),
     "F33");
  st("size.safetensors", safetensors_bytes("{" + tensor_entry("w", "F32", {2}, 0, 4) + "}", 4),
     "'w'");
  st("gap.safetensors",
     safetensors_bytes("{" + tensor_entry("a", "F32", {1}, 0, 4) + "," +
                           tensor_entry("b", "F32", {1}, 8, 12) + "}",
                       12),
     "gap");
  st("overlap.safetensors",
     safetensors_bytes("{" + tensor_entry("a", "F32", {2}, 0, 8) + "," +
                           tensor_entry("b", "F32", {1}, 4, 8) + "}",
                       8),
     "overlap");
  st("pastend.safetensors", safetensors_bytes("{" + tensor_entry("w", "F32", {4}, 0, 16) + "}", 8),
     "16");
  st("trailing.safetensors", safetensors_bytes("{" + tensor_entry("w", "F32", {1}, 0, 4) + "}", 12),
     "goes on");
  st("start.safetensors", safetensors_bytes("{" + tensor_entry("w", "F32", {1}, 4, 8) + "}", 8),
     "0");
  write_file(dir + "/traversal.index.json", index_json({{"w", "../outside.safetensors"}}));
  cases.push_back({"traversal.index.json", "--safetensors", "outside"});
  write_file(dir + "/absolute.index.json", index_json({{"w", "/etc/shard.safetensors"}}));
  cases.push_back({"absolute.index.json", "--safetensors", "shard"});
  write_file(dir + "/missing.index.json", index_json({{"w", "absent.safetensors"}}));
  cases.push_back({"missing.index.json", "--safetensors", "absent.safetensors"});

  REQUIRE(cases.size() >= 30);
  for (const Case& c : cases) {
    INFO(c.flag << " " << c.file);
    const auto r = run_cli({c.flag, dir + "/" + c.file});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("vramcalc: error: ", 0) == 0);
    CHECK(r.err.find(c.needle) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
  }
}
