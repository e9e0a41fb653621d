#include "hub_fixtures.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gguf_inventory.hpp"
#include "run_cli.hpp"
#include "safetensors_models.hpp"
#include "vramcalc/gguf.hpp"

namespace vramcalc::test {

namespace {

std::string config_text(const std::string& name) {
  std::ifstream in(test_data_dir() + "/configs/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const char* const k_generation_config =
    R"({"bos_token_id": 128000, "eos_token_id": [128001, 128009], "do_sample": true,)"
    R"( "temperature": 0.6, "top_p": 0.9})";

}  // namespace

std::string add_llama31_safetensors(HubServer& hub, const std::string& repo, RepoKind kind) {
  const std::string dir = hub.repo_dir(repo, kind);
  write_sharded(dir, llama_tensors({32, 4096, 32, 8, 128, 14336, 128256, false}, "BF16"), 4);
  write_file(dir + "/config.json", config_text("llama-3.1-8b.json"));
  write_file(dir + "/generation_config.json", k_generation_config);
  write_file(dir + "/README.md", "# Llama-3.1-8B (test fixture)\n");
  return dir;
}

std::vector<std::string> llama32_gguf_files() {
  return {"Llama-3.2-1B-Instruct-Q4_K_M.gguf", "Llama-3.2-1B-Instruct-Q6_K.gguf",
          "Llama-3.2-1B-Instruct-F16.gguf"};
}

std::string add_llama32_gguf(HubServer& hub, const std::string& repo) {
  const std::string dir = hub.repo_dir(repo);
  const char* inventories[] = {"llama32_1b.Q4_K_M.gguf.json", "llama32_1b.Q6_K.gguf.json",
                               "llama32_1b.F16.gguf.json"};
  const auto names = llama32_gguf_files();
  for (std::size_t i = 0; i < names.size(); ++i) {
    write_gguf(dir + "/" + names[i], load_inventory(inventory_dir() + "/" + inventories[i]).fixture);
  }
  // A vision projector: a GGUF file that is never the model.
  write_gguf(dir + "/mmproj-Llama-3.2-1B-F16.gguf", small_model("clip", 2, 64, k_ggml_f16));
  write_file(dir + "/README.md", "# Llama-3.2-1B-Instruct GGUF (test fixture)\n");
  return dir;
}

std::vector<GgufFixture> split_gguf(const GgufFixture& model, std::uint16_t count) {
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

std::string add_llama32_split_gguf(HubServer& hub, const std::string& repo) {
  const std::string dir = hub.repo_dir(repo) + "/F16";
  std::filesystem::create_directories(dir);
  const auto shards =
      split_gguf(load_inventory(inventory_dir() + "/llama32_1b.F16.gguf.json").fixture, 3);
  for (std::uint32_t i = 0; i < shards.size(); ++i) {
    write_gguf(dir + "/" + gguf_split_file_name("Llama-3.2-1B-Instruct-F16", i + 1, 3),
               shards[i]);
  }
  write_file(hub.repo_dir(repo) + "/README.md", "# split (test fixture)\n");
  return dir + "/" + gguf_split_file_name("Llama-3.2-1B-Instruct-F16", 1, 3);
}

std::string add_qwen_config_only(HubServer& hub, const std::string& repo, RepoKind kind) {
  const std::string dir = hub.repo_dir(repo, kind);
  write_file(dir + "/config.json", config_text("qwen2.5-7b.json"));
  write_file(dir + "/generation_config.json", k_generation_config);
  return dir;
}

}  // namespace vramcalc::test
