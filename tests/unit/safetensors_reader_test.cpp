// read_safetensors: single files, shards with an index, folders, and the index's rules.
#include <filesystem>
#include <string>
#include <vector>

#include "catch.hpp"
#include "run_cli.hpp"
#include "safetensors/safetensors_header.hpp"
#include "safetensors_writer.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/safetensors.hpp"

using namespace vramcalc;
using vramcalc::test::error_message;
using FixtureTensor = vramcalc::test::SafetensorsFixtureTensor;
using vramcalc::test::index_json;
using vramcalc::test::write_checkpoint;
using vramcalc::test::write_file;
using vramcalc::test::write_safetensors;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A two-layer llama-shaped checkpoint in two shards: hidden 64, vocab 100, MLP 128, BF16.
// Shard 1: embeddings (100 x 64 x 2 = 12,800 bytes) and layer 0's q_proj (64 x 64 x 2 = 8192);
// shard 2: layer 1's down_proj (64 x 128 x 2 = 16,384), the final norm (128) and lm_head
// (12,800). Total 50,304 bytes.
const std::vector<std::pair<std::string, std::vector<FixtureTensor>>> k_two_shards = {
    {"model-00001-of-00002.safetensors",
     {{"model.embed_tokens.weight", "BF16", {100, 64}},
      {"model.layers.0.self_attn.q_proj.weight", "BF16", {64, 64}}}},
    {"model-00002-of-00002.safetensors",
     {{"model.layers.1.mlp.down_proj.weight", "BF16", {64, 128}},
      {"model.norm.weight", "BF16", {64}},
      {"lm_head.weight", "BF16", {100, 64}}}},
};
constexpr std::uint64_t k_two_shards_bytes = 12'800 + 8'192 + 16'384 + 128 + 12'800;

std::vector<std::string> names_of(const SafetensorsInventory& inventory) {
  std::vector<std::string> names;
  for (const auto& tensor : inventory.tensors) {
    names.push_back(tensor.name);
  }
  return names;
}

void check_two_shards(const SafetensorsInventory& inventory) {
  CHECK(inventory.total_bytes == k_two_shards_bytes);
  CHECK(inventory.total_elements == k_two_shards_bytes / 2);
  REQUIRE(inventory.shards.size() == 2);
  CHECK(inventory.shards[0].file_name == "model-00001-of-00002.safetensors");
  CHECK(inventory.shards[0].tensor_count == 2);
  CHECK(inventory.shards[0].data_bytes == 20'992);
  CHECK(inventory.shards[1].tensor_count == 3);
  CHECK(inventory.shards[1].data_bytes == 29'312);
  CHECK(names_of(inventory) ==
        std::vector<std::string>{"model.embed_tokens.weight",
                                 "model.layers.0.self_attn.q_proj.weight",
                                 "model.layers.1.mlp.down_proj.weight", "model.norm.weight",
                                 "lm_head.weight"});
  CHECK(inventory.tensors[2].shard == "model-00002-of-00002.safetensors");
  CHECK(inventory.tensors[2].bytes == 16'384);
  REQUIRE(inventory.dtype_totals.size() == 1);
  CHECK(inventory.dtype_totals[0].dtype == "BF16");
  CHECK(inventory.dtype_totals[0].tensors == 5);
  CHECK(inventory.dtype_totals[0].bytes == k_two_shards_bytes);
}

// A folder holding `k_two_shards` and their index with `weight_map` replaced by `map_text`.
std::string folder_with_index(const std::string& index_text) {
  std::string dir = test::temp_dir();
  write_checkpoint(dir, k_two_shards, "");
  write_file(dir + "/model.safetensors.index.json", index_text);
  return dir;
}

std::vector<std::pair<std::string, std::string>> true_map() {
  std::vector<std::pair<std::string, std::string>> map;
  for (const auto& [shard, tensors] : k_two_shards) {
    for (const auto& tensor : tensors) {
      map.emplace_back(tensor.name, shard);
    }
  }
  return map;
}

std::string read_error(const std::string& path) {
  return error_message([&] { (void)read_safetensors(path); });
}

}  // namespace

TEST_CASE("read_safetensors: one file with FP8 weights and BF16 norms and F32 scales") {
  // Hand-worked bytes: F8_E4M3 [4096, 14336] = 58,720,256; its F32 block scales [32, 112]
  // (128 x 128 blocks) = 3584 x 4 = 14,336; two BF16 norms [4096] = 8192 each; an F32 scalar
  // = 4; an F16 [0, 7] = 0; F4 [2, 6] = 6; F6_E2M3 [4] = 3; BOOL [5] = 5; C64 [3] = 24.
  const std::string path = test::temp_dir() + "/model.safetensors";
  write_safetensors(path,
                    {{"model.layers.0.mlp.down_proj.weight", "F8_E4M3", {4096, 14336}},
                     {"model.layers.0.mlp.down_proj.weight_scale_inv", "F32", {32, 112}},
                     {"model.layers.0.input_layernorm.weight", "BF16", {4096}},
                     {"model.norm.weight", "BF16", {4096}},
                     {"scalar", "F32", {}},
                     {"empty", "F16", {0, 7}},
                     {"fp4", "F4", {2, 6}},
                     {"fp6", "F6_E2M3", {4}},
                     {"flags", "BOOL", {5}},
                     {"complex", "C64", {3}}},
                    {{"format", "pt"}, {"producer", "test"}});
  const SafetensorsInventory inventory = read_safetensors(path);
  CHECK(inventory.path == path);
  CHECK(inventory.index_path.empty());
  CHECK(inventory.total_bytes == 58'751'018);
  CHECK(inventory.tensors.size() == 10);
  REQUIRE(inventory.shards.size() == 1);
  CHECK(inventory.shards[0].file_name == "model.safetensors");
  CHECK(inventory.shards[0].data_bytes == 58'751'018);
  CHECK(inventory.shards[0].file_bytes == 8 + inventory.shards[0].header_bytes + 58'751'018);
  CHECK(inventory.metadata ==
        std::map<std::string, std::string>{{"format", "pt"}, {"producer", "test"}});
  CHECK(inventory.tensors[1].shard == "model.safetensors");

  const struct {
    const char* dtype;
    std::size_t tensors;
    std::uint64_t elements, bytes;
  } expected[] = {
      {"BF16", 2, 8192, 16'384},  {"BOOL", 1, 5, 5},  {"C64", 1, 3, 24},
      {"F16", 1, 0, 0},           {"F32", 2, 3585, 14'340}, {"F4", 1, 12, 6},
      {"F6_E2M3", 1, 4, 3},       {"F8_E4M3", 1, 58'720'256, 58'720'256},
  };
  REQUIRE(inventory.dtype_totals.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) {
    INFO(expected[i].dtype);
    CHECK(inventory.dtype_totals[i].dtype == expected[i].dtype);
    CHECK(inventory.dtype_totals[i].tensors == expected[i].tensors);
    CHECK(inventory.dtype_totals[i].elements == expected[i].elements);
    CHECK(inventory.dtype_totals[i].bytes == expected[i].bytes);
  }
}

TEST_CASE("read_safetensors: shards through their index") {
  const std::string dir = test::temp_dir();
  CHECK(write_checkpoint(dir, k_two_shards) == k_two_shards_bytes);
  const SafetensorsInventory inventory = read_safetensors(dir + "/model.safetensors.index.json");
  CHECK(inventory.index_path == dir + "/model.safetensors.index.json");
  REQUIRE(inventory.index_total_size.has_value());
  CHECK(*inventory.index_total_size == k_two_shards_bytes);
  check_two_shards(inventory);
}

TEST_CASE("read_safetensors: a folder with an index uses it and ignores other files") {
  // Mistral repositories ship consolidated.safetensors beside the shards and their index.
  const std::string dir = test::temp_dir();
  write_checkpoint(dir, k_two_shards);
  write_safetensors(dir + "/consolidated.safetensors", {{"tok_embeddings.weight", "BF16", {9}}});
  write_file(dir + "/config.json", "{}");
  const SafetensorsInventory inventory = read_safetensors(dir);
  CHECK(inventory.index_path == dir + "/model.safetensors.index.json");
  check_two_shards(inventory);
}

TEST_CASE("read_safetensors: a folder's only index of another name is used") {
  const std::string dir = test::temp_dir();
  write_checkpoint(dir, k_two_shards, "diffusion_pytorch_model.safetensors.index.json");
  const SafetensorsInventory inventory = read_safetensors(dir);
  CHECK(inventory.index_path == dir + "/diffusion_pytorch_model.safetensors.index.json");
  check_two_shards(inventory);
}

TEST_CASE("read_safetensors: a folder without an index reads every .safetensors file") {
  const std::string dir = test::temp_dir();
  write_checkpoint(dir, k_two_shards, "");
  write_file(dir + "/README.md", "not a shard");
  std::filesystem::create_directory(dir + "/sub.safetensors");  // a folder, not a shard
  const SafetensorsInventory inventory = read_safetensors(dir);
  CHECK(inventory.index_path.empty());
  CHECK(!inventory.index_total_size.has_value());
  check_two_shards(inventory);
}

TEST_CASE("read_safetensors: tensors a shard holds but the index does not map are kept") {
  auto map = true_map();
  map.pop_back();  // lm_head.weight is no longer mapped, but its shard is
  const SafetensorsInventory inventory = read_safetensors(folder_with_index(index_json(map)));
  CHECK(inventory.tensors.size() == 5);
  CHECK(inventory.total_bytes == k_two_shards_bytes);
}

TEST_CASE("read_safetensors: a sparse 3 x 8 GB checkpoint costs only its headers") {
  // Llama-3.1-70B-sized tensors, BF16, written as holes: 3 shards of 8,192 x 28,672 x 2 x 17 =
  // 7,985,954,816 bytes each (17 tensors of 469,762,048 bytes).
  const std::string dir = test::temp_dir();
  std::vector<std::pair<std::string, std::vector<FixtureTensor>>> shards;
  for (int s = 0; s < 3; ++s) {
    std::vector<FixtureTensor> tensors;
    tensors.reserve(17);
    for (int t = 0; t < 17; ++t) {
      tensors.push_back({"model.layers." + std::to_string(s * 17 + t) + ".mlp.up_proj.weight",
                         "BF16",
                         {28672, 8192}});
    }
    shards.emplace_back("model-0000" + std::to_string(s + 1) + "-of-00003.safetensors", tensors);
  }
  write_checkpoint(dir, shards);
  const SafetensorsInventory inventory = read_safetensors(dir);
  CHECK(inventory.total_bytes == 3ULL * 17 * 469'762'048ULL);
  CHECK(inventory.total_bytes == 23'957'864'448ULL);
  CHECK(inventory.tensors.size() == 51);
  std::uintmax_t on_disk = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    on_disk += entry.file_size();
  }
  CHECK(on_disk > inventory.total_bytes);  // apparent sizes: the files really are that long
}

// The index's rules (huggingface_hub split_state_dict_into_shards_factory; docs/safetensors.md).

TEST_CASE("read_safetensors rejects: an index naming a shard outside its folder") {
  // Cross-directory shard substitution (promptfoo/modelaudit #1667): only plain file names.
  auto map = true_map();
  map[0].second = "../x.safetensors";
  auto message = read_error(folder_with_index(index_json(map)));
  INFO(message);
  CHECK(has(message, "model.safetensors.index.json: weight_map maps "
                     "'model.embed_tokens.weight' to '../x.safetensors', which is not a plain "
                     "shard file name in the index's folder: it contains '..'"));

  map[0].second = "/abs/path.safetensors";
  message = read_error(folder_with_index(index_json(map)));
  CHECK(has(message, "to '/abs/path.safetensors', which is not a plain shard file name in the "
                     "index's folder: it is an absolute path"));

  map[0].second = "C:\\models\\x.safetensors";
  message = read_error(folder_with_index(index_json(map)));
  CHECK(has(message, "it is an absolute path"));

  map[0].second = "sub\\x.safetensors";
  message = read_error(folder_with_index(index_json(map)));
  CHECK(has(message, "it names a file in another folder (path separator '\\')"));

  map[0].second = "sub/x.safetensors";
  message = read_error(folder_with_index(index_json(map)));
  CHECK(has(message, "it names a file in another folder (path separator '/')"));
}

TEST_CASE("read_safetensors rejects: shard names that are not .safetensors files") {
  auto map = true_map();
  map[0].second = "pytorch_model.bin";
  CHECK(has(read_error(folder_with_index(index_json(map))),
            "to 'pytorch_model.bin', which is not a plain shard file name in the index's folder: "
            "it does not end in '.safetensors'"));
  map[0].second = std::string("a.safetensors") + '\0' + "../../etc/passwd";  // open() stops at NUL
  CHECK(has(read_error(folder_with_index(index_json(map))), "it contains a control character"));
  map[0].second = "";
  CHECK(has(read_error(folder_with_index(index_json(map))), "it is empty"));
}

TEST_CASE("read_safetensors rejects: an index naming a missing shard") {
  auto map = true_map();
  map[4].second = "model-00003-of-00003.safetensors";
  const std::string dir = folder_with_index(index_json(map));
  const auto message = read_error(dir);
  INFO(message);
  CHECK(has(message, "model.safetensors.index.json: weight_map names shard "
                     "'model-00003-of-00003.safetensors', which is not in '" + dir + "'"));
}

TEST_CASE("read_safetensors rejects: a mapped tensor missing from every shard") {
  auto map = true_map();
  map.emplace_back("model.layers.1.mlp.up_proj.weight", "model-00002-of-00002.safetensors");
  const auto message = read_error(folder_with_index(index_json(map)));
  INFO(message);
  CHECK(has(message, "weight_map puts tensor 'model.layers.1.mlp.up_proj.weight' in "
                     "'model-00002-of-00002.safetensors', which does not hold it"));
}

TEST_CASE("read_safetensors rejects: a tensor mapped to one shard but found in another") {
  auto map = true_map();
  map[4].second = "model-00001-of-00002.safetensors";  // lm_head.weight is in shard 2
  const auto message = read_error(folder_with_index(index_json(map)));
  INFO(message);
  CHECK(has(message, "weight_map puts tensor 'lm_head.weight' in "
                     "'model-00001-of-00002.safetensors', but it is in "
                     "'model-00002-of-00002.safetensors'"));
}

TEST_CASE("read_safetensors rejects: a tensor mapped twice in the index") {
  // openasr #73 duplicate keys, in the index: the last would win silently.
  auto map = true_map();
  map.emplace_back("model.norm.weight", "model-00001-of-00002.safetensors");
  const auto message = read_error(folder_with_index(index_json(map)));
  INFO(message);
  CHECK(has(message, "tensor 'model.norm.weight' is mapped twice, to "
                     "'model-00002-of-00002.safetensors' and to "
                     "'model-00001-of-00002.safetensors': a tensor can be in one shard only"));
}

TEST_CASE("read_safetensors rejects: a tensor present in two shards") {
  auto shards = k_two_shards;
  shards[1].second.push_back({"model.embed_tokens.weight", "BF16", {100, 64}});
  // The index maps it once, to shard 1; shard 2 holds a copy.
  const std::string with_index = test::temp_dir();
  write_checkpoint(with_index, shards, "");
  write_file(with_index + "/model.safetensors.index.json", index_json(true_map()));
  auto message = read_error(with_index);
  INFO(message);
  CHECK(has(message, "tensor 'model.embed_tokens.weight' is in two shards, "
                     "'model-00001-of-00002.safetensors' and 'model-00002-of-00002.safetensors'"));

  const std::string without_index = test::temp_dir();
  write_checkpoint(without_index, shards, "");
  message = read_error(without_index);
  CHECK(has(message, "tensor 'model.embed_tokens.weight' is in two shards"));
}

TEST_CASE("read_safetensors rejects: indexes that are not index documents") {
  CHECK(has(read_error(folder_with_index("{\"metadata\": {}}")),
            "model.safetensors.index.json: the index has no weight_map object"));
  CHECK(has(read_error(folder_with_index("{\"weight_map\": []}")),
            "weight_map is a list, not an object"));
  CHECK(has(read_error(folder_with_index("{\"weight_map\": {\"a\": 5}}")),
            "weight_map entry 'a' is a number, not a shard file name"));
  CHECK(has(read_error(folder_with_index("[]")), "the index is a list, not a JSON object"));
  CHECK(has(read_error(folder_with_index("{\"weight_map\": {")), "not valid JSON at byte"));
  CHECK(has(read_error(folder_with_index("{\"weight_map\": {}, \"weight_map\": {}}")),
            "key 'weight_map' appears twice"));
}

TEST_CASE("read_safetensors: index metadata is read but not trusted") {
  auto text = index_json(true_map(), 123);  // a wrong total_size is only reported
  const SafetensorsInventory inventory = read_safetensors(folder_with_index(text));
  CHECK(inventory.index_total_size == std::optional<std::uint64_t>(123));
  CHECK(inventory.total_bytes == k_two_shards_bytes);
  // A total_size that is not an integer is ignored, as are keys vramcalc does not use.
  text = index_json(true_map());
  text.replace(text.find("\"metadata\": {}"), 14,
               "\"metadata\": {\"total_size\": 5.0e4, \"x\": [1]}, \"extra\": {\"y\": null}");
  const auto fractional = read_safetensors(folder_with_index(text));
  CHECK(!fractional.index_total_size.has_value());
  CHECK(fractional.tensors.size() == 5);
}

TEST_CASE("read_safetensors rejects: an index that maps no tensor") {
  CHECK(has(read_error(folder_with_index(index_json({}))),
            "model.safetensors.index.json: the index's weight_map is empty"));
}

TEST_CASE("read_safetensors rejects: an index naming more shards than the cap") {
  // Checked before any shard is looked for: 10,001 names cost no file system work.
  std::vector<std::pair<std::string, std::string>> map;
  for (int i = 0; i <= 10'000; ++i) {
    map.emplace_back("t" + std::to_string(i), "s" + std::to_string(i) + ".safetensors");
  }
  const std::string dir = test::temp_dir();
  write_file(dir + "/model.safetensors.index.json", index_json(map));
  CHECK(read_error(dir) == dir + ": 10001 shard files, over the limit of 10000");
}

TEST_CASE("read_safetensors rejects: paths that hold no checkpoint") {
  const std::string dir = test::temp_dir();
  CHECK(has(read_error(dir + "/nothing.safetensors"), "cannot open '" + dir +
                                                          "/nothing.safetensors'"));
  CHECK(read_error(dir) == "'" + dir + "' holds no .safetensors file");
  write_file(dir + "/a.safetensors.index.json", index_json({}));
  write_file(dir + "/b.safetensors.index.json", index_json({}));
  CHECK(has(read_error(dir), "holds 2 safetensors indexes ('a.safetensors.index.json', "
                             "'b.safetensors.index.json', ...) and none is "
                             "model.safetensors.index.json"));
}

TEST_CASE("read_safetensors: a malformed shard is named in the error") {
  const std::string dir = test::temp_dir();
  write_checkpoint(dir, k_two_shards);
  write_file(dir + "/model-00002-of-00002.safetensors", std::string(4, '\0'));
  CHECK(read_error(dir) == dir + "/model-00002-of-00002.safetensors: the file has 4 bytes, too "
                                 "few for the 8-byte header length");
}
