// Split GGUF models (llama.cpp gguf-split): shard names, finding the siblings of any shard,
// merging their tensor tables, and the errors for missing or inconsistent shards.
#include <filesystem>

#include "catch.hpp"
#include "gguf_writer.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gguf.hpp"

using namespace vramcalc;
using namespace vramcalc::test;

namespace {

// Splits `model` into `count` shards the way gguf-split does: all metadata in the first,
// split.no / split.count / split.tensors.count in every shard, tensors dealt out in order.
std::vector<GgufFixture> split(const GgufFixture& model, std::uint16_t count) {
  std::vector<GgufFixture> shards(count);
  const std::size_t per_shard = (model.tensors.size() + count - 1) / count;
  for (std::uint16_t i = 0; i < count; ++i) {
    if (i == 0) {
      shards[i].metadata = model.metadata;
    }
    shards[i].metadata.push_back(kv_u16("split.no", i));
    shards[i].metadata.push_back(kv_u16("split.count", count));
    shards[i].metadata.push_back(
        kv_i32("split.tensors.count", static_cast<std::int32_t>(model.tensors.size())));
    for (std::size_t t = i * per_shard; t < model.tensors.size() && t < (i + 1) * per_shard; ++t) {
      shards[i].tensors.push_back(model.tensors[t]);
    }
  }
  return shards;
}

std::vector<std::string> write_shards(const TempDir& dir, const std::vector<GgufFixture>& shards,
                                      std::string_view prefix = "model") {
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    paths.push_back(dir.file(gguf_split_file_name(prefix, static_cast<std::uint32_t>(i + 1),
                                                  static_cast<std::uint32_t>(shards.size()))));
    write_gguf(paths.back(), shards[i]);
  }
  return paths;
}

std::string load_error(const std::string& path) {
  try {
    (void)load_gguf_model(path);
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::file);
    return error.what();
  }
  return "(accepted)";
}

std::uint64_t stored_bytes(const ModelSpec& model) {
  std::uint64_t bytes = 0;
  for (const TensorInfo& tensor : model.tensors) {
    bytes += tensor.stored_bytes;
  }
  return bytes;
}

}  // namespace

TEST_CASE("split GGUF file names") {
  const auto name = parse_gguf_split_name("Llama-3.1-70B-Q4_K_M-00002-of-00005.gguf");
  REQUIRE(name.has_value());
  CHECK(name->prefix == "Llama-3.1-70B-Q4_K_M");
  CHECK(name->index == 2);
  CHECK(name->count == 5);
  CHECK(parse_gguf_split_name("a-00001-of-00001.gguf")->prefix == "a");
  CHECK_FALSE(parse_gguf_split_name("model-00000-of-00003.gguf"));  // numbers start at 1
  CHECK_FALSE(parse_gguf_split_name("model-00004-of-00003.gguf"));  // beyond the count
  CHECK_FALSE(parse_gguf_split_name("model-0001-of-00003.gguf"));   // four digits
  CHECK_FALSE(parse_gguf_split_name("model-00001-of-00003.bin"));
  CHECK_FALSE(parse_gguf_split_name("-00001-of-00003.gguf"));           // no prefix
  CHECK_FALSE(parse_gguf_split_name("dir/model-00001-of-00003.gguf"));  // not a plain name
  CHECK_FALSE(parse_gguf_split_name("dir\\model-00001-of-00003.gguf"));
  CHECK_FALSE(parse_gguf_split_name("model.gguf"));
  CHECK(gguf_split_file_name("model", 2, 3) == "model-00002-of-00003.gguf");
  CHECK(gguf_split_file_name("m", 12345, 65535) == "m-12345-of-65535.gguf");
}

TEST_CASE("a split GGUF model loads from any shard as one model") {
  const TempDir dir;
  const GgufFixture whole = small_model("llama", 3);
  write_gguf(dir.file("whole.gguf"), whole);
  const ModelSpec expected = load_gguf_model(dir.file("whole.gguf"));
  const auto paths = write_shards(dir, split(whole, 3));
  for (const std::string& path : paths) {
    INFO(path);
    const ModelSpec model = load_gguf_model(path);
    CHECK(model.tensors.size() == expected.tensors.size());
    CHECK(model.total_params == expected.total_params);
    CHECK(stored_bytes(model) == stored_bytes(expected));
    CHECK(model.layers.size() == 3);
    CHECK(model.architecture == "llama");
    CHECK(model.source_detail == path);
    CHECK(model.name == "small llama");
  }
  GgufFixture unnamed = small_model("llama", 1);
  std::erase_if(unnamed.metadata, [](const FixtureKv& kv) { return kv.key == "general.name"; });
  const auto unnamed_paths = write_shards(dir, split(unnamed, 2), "Unnamed-Q8_0");
  CHECK(load_gguf_model(unnamed_paths[1]).name == "Unnamed-Q8_0");
  const std::vector<GgufHeader> shards = read_gguf_shards(paths[1]);
  REQUIRE(shards.size() == 3);
  CHECK(shards[0].source == paths[0]);
  CHECK(shards[2].source == paths[2]);
  const GgufHeader merged = merge_gguf_shards(shards);
  CHECK(merged.shard_count == 3);
  CHECK(merged.source == paths[0]);
  CHECK(merged.tensors.front().shard == 0);
  CHECK(merged.tensors.back().shard == 2);
  CHECK(merged.file_size == std::filesystem::file_size(paths[0]) +
                                std::filesystem::file_size(paths[1]) +
                                std::filesystem::file_size(paths[2]));
}

TEST_CASE("a missing GGUF shard is named") {
  const TempDir dir;
  const auto paths = write_shards(dir, split(small_model("llama", 3), 3));
  std::filesystem::remove(paths[2]);
  CHECK(load_error(paths[0]) == paths[0] + ": shard 3 of 3 is missing: " + paths[2]);
}

TEST_CASE("GGUF shards must agree with their names") {
  const TempDir dir;
  auto shards = split(small_model("llama", 2), 2);
  shards[1].metadata[0] = kv_u16("split.no", 0);  // says it is the first shard
  const auto paths = write_shards(dir, shards);
  CHECK(load_error(paths[0]) ==
        paths[1] +
            ": shard metadata says split.no 0 of split.count 2 but the file name says 2 "
            "of 2 (split.no counts from 0)");
}

TEST_CASE("a GGUF shard with split.count must be named like a shard") {
  const TempDir dir;
  const std::string path = dir.file("renamed.gguf");
  write_gguf(path, split(small_model("llama", 2), 2)[0]);
  CHECK(load_error(path) ==
        path +
            ": split.count is 2 but the file name does not follow <prefix>-NNNNN-of-00002.gguf, "
            "so the other shards cannot be found");
}

TEST_CASE("GGUF shards may not repeat a tensor") {
  const TempDir dir;
  auto shards = split(small_model("llama", 2), 2);
  shards[1].tensors.push_back(shards[0].tensors.front());  // token_embd.weight again
  const auto paths = write_shards(dir, shards);
  CHECK(load_error(paths[0]) ==
        paths[1] + ": tensor 'token_embd.weight' is also in shard 1 (" + paths[0] + ")");
}

TEST_CASE("GGUF shards must hold split.tensors.count tensors") {
  const TempDir dir;
  auto shards = split(small_model("llama", 2), 2);
  shards[1].tensors.pop_back();
  const auto paths = write_shards(dir, shards);
  CHECK(load_error(paths[0]) ==
        paths[0] + ": split.tensors.count says 21 tensors but the 2 shards hold 20");
}

TEST_CASE("a file named like a shard without split metadata loads alone") {
  const TempDir dir;
  const std::string path = dir.file("model-00001-of-00002.gguf");
  write_gguf(path, small_model("llama", 2));
  CHECK(read_gguf_shards(path).size() == 1);
  CHECK(load_gguf_model(path).layers.size() == 2);
}

TEST_CASE("GGUF split metadata must be integers") {
  const TempDir dir;
  GgufFixture fixture = small_model("llama", 1);
  fixture.metadata.push_back(kv_str("split.count", "2"));
  const std::string path = dir.file("model-00001-of-00002.gguf");
  write_gguf(path, fixture);
  CHECK(load_error(path) == path + ": split.count is not a non-negative integer (type STRING)");
}
