// The model catalog: every entry parses through the config reader, counts are the verified
// ones (released, or PyTorch's count of the same config), and lookups forgive spelling.
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/error.hpp"

using namespace vramcalc;

namespace {

std::string error_of(std::string_view name) {
  try {
    (void)find_catalog_entry(name);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    return std::string(e.what()) + " | " + e.hint();
  }
  return "no error";
}

std::string data_error_of(const std::string& json_text) {
  try {
    (void)parse_catalog(json_text, "test.json");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::data);
    return e.what();
  }
  return "no error";
}

nlohmann::json pytorch_counts() {
  std::ifstream in(std::string(VRAMCALC_TEST_DATA_DIR) + "/transformers/param_counts.json");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("every catalog entry parses and ids unique and sorted and each has a source") {
  const auto& entries = catalog_entries();
  REQUIRE(entries.size() >= 150);
  std::set<std::string> ids;
  std::string previous;
  for (const auto& entry : entries) {
    INFO(entry.id);
    CHECK(ids.insert(entry.id).second);
    CHECK(previous < entry.id);
    previous = entry.id;
    CHECK_FALSE(entry.sources.empty());
    CHECK_FALSE(entry.name.empty());
    const HfConfigReading reading = read_catalog_entry(entry);
    CHECK_NOTHROW(validate_model(reading.model));
    CHECK(reading.model.source == ModelSource::catalog);
    CHECK(reading.model.source_detail == entry.id);
    CHECK(reading.model.name == entry.name);
    if (entry.params) {
      CHECK(reading.model.total_params == *entry.params);
      CHECK_FALSE(entry.params_basis.empty());
    }
  }
}

TEST_CASE("the raw data file is sorted by id and as the data rules ask") {
  std::ifstream in(std::string(VRAMCALC_SOURCE_DIR) + "/data/models.json");
  const auto document = nlohmann::json::parse(in);
  std::vector<std::string> ids;
  for (const auto& entry : document) {
    ids.push_back(entry.at("id").get<std::string>());
  }
  CHECK(std::is_sorted(ids.begin(), ids.end()));
}

TEST_CASE("catalog counts equal PyTorch's and block by block and for every entry") {
  // tests/data/transformers/param_counts.json: tools/count_params_transformers.py run with
  // transformers 5.17 (models built on the meta device from the catalog's configs). PyTorch
  // leaves persistent buffers out of parameters(); checkpoints store them (DeepSeek-V3's
  // e_score_correction_bias), so they are added back where they sit.
  const nlohmann::json counts = pytorch_counts();
  const std::regex layer_index(R"(\.layers\.(\d+)\.)");
  for (const auto& entry : catalog_entries()) {
    INFO(entry.id);
    if (!counts.contains(entry.id) || counts.at(entry.id).contains("error")) {
      continue;  // checked against its published count below (no PyTorch row, or PyTorch
                 // could not build it: a remote-code config)
    }
    const auto& row = counts.at(entry.id);
    std::vector<std::uint64_t> layers = row.at("layers").get<std::vector<std::uint64_t>>();
    std::uint64_t total = row.at("params").get<std::uint64_t>();
    for (const auto& [name, shape] : row.at("persistent_buffers").items()) {
      std::uint64_t elements = 1;
      for (const auto& dim : shape) {
        elements *= dim.get<std::uint64_t>();
      }
      total += elements;
      std::smatch match;
      if (std::regex_search(name, match, layer_index)) {
        layers.at(std::stoul(match[1].str())) += elements;
      }
    }
    const ModelSpec model = read_catalog_entry(entry).model;
    CHECK(model.total_params == total);
    REQUIRE(model.layers.size() == layers.size());
    for (std::size_t i = 0; i < layers.size(); ++i) {
      INFO("layer " << i);
      CHECK(model.layers[i].params == layers[i]);
    }
    CHECK(model.embedding_params + model.head_params == row.at("outside_layers").get<std::uint64_t>());
  }
}

TEST_CASE("catalog lookups forgive case and punctuation and the organisation and variant words") {
  for (const char* name : {"llama-3.1-8b", "llama3.1-8b", "Llama-3.1-8B", "LLAMA 3.1 8B",
                           "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B-Instruct",
                           "Llama 3.1 8B", "llama_3_1_8b"}) {
    INFO(name);
    CHECK(find_catalog_entry(name).id == "llama-3.1-8b");
  }
  CHECK(find_catalog_entry("gemma-2-9b-it").id == "gemma-2-9b");
  CHECK(find_catalog_entry("Qwen/Qwen3-30B-A3B").id == "qwen3-30b-a3b");
  CHECK(find_catalog_entry("mixtral").id == "mixtral-8x7b");  // alias
  CHECK(find_catalog_entry("openai/gpt-oss-20b").id == "gpt-oss-20b");
}

TEST_CASE("an unknown model name suggests the closest and the command that lists them") {
  const std::string message = error_of("lama-3.1-8b");
  CHECK(message.find("unknown model 'lama-3.1-8b'; did you mean 'llama-3.1-8b'?") !=
        std::string::npos);
  CHECK(message.find("vramcalc models") != std::string::npos);
  CHECK(error_of("zzzzzzzzzzzz").find("did you mean") == std::string::npos);
}

TEST_CASE("catalog_model gives the entry's model with its display name") {
  const ModelSpec m = catalog_model("deepseek-v3");
  CHECK(m.name == "DeepSeek-V3 671B");
  CHECK(m.total_params == 671'026'419'200ULL);  // released, main model
  CHECK(m.source == ModelSource::catalog);
  const ModelSpec scout = catalog_model("llama-4-scout");
  // Llama 4 chunked attention: RoPE layers keep 8192 tokens, every 4th (NoPE) layer is global.
  CHECK(scout.layers[0].attention == AttentionKind::sliding_window);
  CHECK(scout.layers[0].sliding_window == 8192);
  CHECK(scout.layers[3].attention == AttentionKind::full);
  const ModelSpec oss = catalog_model("gpt-oss-20b");
  CHECK(oss.layers[0].attention == AttentionKind::sliding_window);
  CHECK(oss.layers[0].sliding_window == 128);
  CHECK(oss.layers[1].attention == AttentionKind::full);
  const HfConfigReading reading = read_catalog_entry(find_catalog_entry("gpt-oss-20b"));
  REQUIRE(reading.quantization.has_value());
  CHECK(reading.quantization->method == "mxfp4");
  CHECK(reading.quantization->bits == std::optional<std::uint32_t>(4));
  CHECK(reading.quantization->unquantized_modules.size() == 4);
}

TEST_CASE("a broken catalog is rejected naming the entry") {
  CHECK(data_error_of("{}").find("must be a JSON array") != std::string::npos);
  CHECK(data_error_of(R"([{"id": "a", "name": "A", "config": {}}])").find("'source' is missing") !=
        std::string::npos);
  CHECK(data_error_of(R"([{"id": "a", "name": "A", "source": "x", "config": 3}])")
            .find("'config' must be an object") != std::string::npos);
  CHECK(data_error_of(R"([{"id": "a", "name": "A", "source": "x", "params": 5, "config": {}}])")
            .find("needs a 'params_basis'") != std::string::npos);
  CHECK(data_error_of(R"([{"id": "a-1", "name": "A", "source": "x", "config": {}},
                          {"id": "a1", "name": "B", "source": "x", "config": {}}])")
            .find("also names entry 'a-1'") != std::string::npos);
  // A malformed config inside an entry is a data error naming the entry.
  const auto entries = parse_catalog(
      R"([{"id": "bad", "name": "Bad", "source": "x", "config": {"model_type": "llama"}}])", "t");
  try {
    (void)read_catalog_entry(entries.front());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::data);
    CHECK(std::string(e.what()).find("model catalog entry 'bad': key 'hidden_size' is missing") !=
          std::string::npos);
  }
}

TEST_CASE("every catalog entry is checked against PyTorch or against its published count") {
  // Entries added without a PyTorch row (the counting tool needs torch and transformers) are
  // checked against the count their model card or paper publishes, within its rounding:
  // tests/data/catalog_published_params.json names the source of each.
  const nlohmann::json counts = pytorch_counts();
  std::ifstream in(std::string(VRAMCALC_TEST_DATA_DIR) + "/catalog_published_params.json");
  REQUIRE(in.good());
  const nlohmann::json published = nlohmann::json::parse(in);
  std::size_t checked_by_pytorch = 0;
  for (const auto& entry : catalog_entries()) {
    INFO(entry.id);
    if (counts.contains(entry.id) && !counts.at(entry.id).contains("error")) {
      ++checked_by_pytorch;
      continue;
    }
    REQUIRE(published.contains(entry.id));
    const auto& row = published.at(entry.id);
    CHECK_FALSE(row.at("source").get<std::string>().empty());
    const double expected = row.at("params").get<double>();
    const double tolerance = row.at("tolerance").get<double>();
    const double got = static_cast<double>(read_catalog_entry(entry).model.total_params);
    INFO("reader " << got << " published " << expected);
    CHECK(std::abs(got - expected) <= tolerance * expected);
  }
  CHECK(checked_by_pytorch >= 58);
}
