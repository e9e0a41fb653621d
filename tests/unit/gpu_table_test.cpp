// The built-in GPU table (generated from data/gpus.json at build time) gives exactly the cards
// that data/gpus.json gives when read as a database file, with every field validated.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "catch.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gpu.hpp"

using namespace vramcalc;

TEST_CASE("the built-in GPU table equals data/gpus.json read as a database") {
  std::ifstream in(std::string(VRAMCALC_SOURCE_DIR) + "/data/gpus.json", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  GpuDatabase from_json;
  from_json.merge_json(text.str(), "built-in");  // validates every entry and field
  const GpuDatabase table = GpuDatabase::built_in();
  REQUIRE(table.gpus().size() == from_json.gpus().size());
  REQUIRE(table.gpus().size() >= 150);
  for (std::size_t i = 0; i < table.gpus().size(); ++i) {
    INFO(from_json.gpus()[i].id);
    CHECK(table.gpus()[i] == from_json.gpus()[i]);
  }
}

TEST_CASE("the built-in GPU table answers every name as data/gpus.json read as a database does") {
  std::ifstream in(std::string(VRAMCALC_SOURCE_DIR) + "/data/gpus.json", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  GpuDatabase from_json;
  from_json.merge_json(text.str(), "built-in");
  // Names people type: every id, name and alias, in other spellings too, and near misses.
  std::vector<std::string> names = {"L4", "4090", "RTX 4090", "a100", "A100 80GB", "h100",
                                    "NVIDIA GeForce RTX 3090", "mi300x", "m2 max", "nosuchcard",
                                    "", "--", "radeon"};
  for (const GpuSpec& gpu : from_json.gpus()) {
    names.push_back(gpu.id);
    names.push_back(gpu.name);
    names.insert(names.end(), gpu.aliases.begin(), gpu.aliases.end());
    names.push_back(gpu.name + " ");
  }
  for (const std::string& name : names) {
    INFO(name);
    // A fresh table per name: each lookup makes only the cards it finds.
    const GpuDatabase table = GpuDatabase::built_in();
    std::string table_answer;
    std::string json_answer;
    try {
      const GpuMatch match = table.resolve(name);
      table_answer = match.gpu->id + " " + std::to_string(match.variants.size());
      CHECK(*match.gpu == *from_json.resolve(name).gpu);
    } catch (const Error& e) {
      table_answer = e.what();
    }
    try {
      const GpuMatch match = from_json.resolve(name);
      json_answer = match.gpu->id + " " + std::to_string(match.variants.size());
    } catch (const Error& e) {
      json_answer = e.what();
    }
    CHECK(table_answer == json_answer);
  }
}

TEST_CASE("a card found by name in the built-in table equals its entry in the whole list") {
  const GpuDatabase table = GpuDatabase::built_in();
  const GpuSpec* found = table.resolve("L4").gpu;
  const auto& all = table.gpus();  // made after the lookup: the card found stays valid
  const auto it = std::find_if(all.begin(), all.end(),
                               [](const GpuSpec& gpu) { return gpu.id == "nvidia-l4"; });
  REQUIRE(it != all.end());
  CHECK(*it == *found);
  CHECK(found->usable_bytes == 23034ULL * 1024 * 1024);  // nvidia-smi: 23034 MiB (data/gpus.json)
  CHECK(table.resolve("nvidia-l4").gpu->id == "nvidia-l4");  // after gpus(): from the list
}

TEST_CASE("card figures are the cards without their aliases sources and notes") {
  const GpuDatabase table = GpuDatabase::built_in();
  const auto& figures = table.card_figures();  // before gpus(): made from the table's rows
  const auto& all = table.gpus();
  REQUIRE(figures.size() == all.size());
  GpuDatabase merged = GpuDatabase::built_in();
  merged.merge_json(R"([{"id": "my-card", "name": "My Card", "memory_gb": 48,
                         "sources": ["https://example.com/spec"], "aliases": ["mine"]}])",
                    "test.json");
  const auto& merged_figures = merged.card_figures();  // after merge_json: from the cards
  REQUIRE(merged_figures.size() == all.size() + 1);
  for (std::size_t i = 0; i < all.size(); ++i) {
    GpuSpec expected = all[i];
    expected.aliases.clear();
    expected.default_for.clear();
    expected.sources.clear();
    expected.notes.clear();
    INFO(expected.id);
    CHECK(figures[i] == expected);
  }
  for (const GpuSpec& gpu : merged_figures) {
    CHECK(gpu.sources.empty());
    CHECK(gpu.aliases.empty());
  }
}
