#include "cap_inputs.hpp"

#include <map>

#include "run_cli.hpp"
#include "safetensors_models.hpp"
#include "safetensors_writer.hpp"

namespace vramcalc::test {

namespace {

// small_llama(2) as its config.json says it: hidden 8, 2 heads of 4, 1 KV head, MLP 16.
constexpr const char* k_tiny_llama_config =
    R"({"model_type": "llama", "hidden_size": 8, "intermediate_size": 16,
        "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1,
        "vocab_size": 10, "max_position_embeddings": 2048, "tie_word_embeddings": false,
        "torch_dtype": "bfloat16")";

}  // namespace

GgufFixture gguf_with_tensors(std::uint64_t tensors) {
  GgufFixture f = small_model("llama", 2, 64, k_ggml_f16);
  f.metadata.push_back(kv_u32("llama.vocab_size", 64));
  for (std::uint64_t i = f.tensors.size(); i < tensors; ++i) {
    f.tensors.push_back({"extra." + std::to_string(i) + ".weight", {8}, k_ggml_f32, std::nullopt});
  }
  return f;
}

GgufFixture gguf_with_keys(std::uint64_t pairs) {
  GgufFixture f = small_model("llama", 2, 64, k_ggml_f16);
  for (std::uint64_t i = f.metadata.size(); i < pairs; ++i) {
    f.metadata.push_back(kv_u32("extra." + std::to_string(i), static_cast<std::uint32_t>(i)));
  }
  return f;
}

std::string safetensors_with_tensors(const std::string& folder, std::size_t tensors) {
  std::vector<SafetensorsFixtureTensor> list = small_llama(2);
  list.reserve(tensors);
  for (std::size_t i = list.size(); i < tensors; ++i) {
    list.push_back({"extra." + std::to_string(i) + ".weight", "F32", {1}});
  }
  write_safetensors(folder + "/model.safetensors", list);
  write_file(folder + "/config.json", std::string(k_tiny_llama_config) + "}");
  return folder;
}

std::string config_of_bytes(std::size_t bytes) {
  std::string text = std::string(k_tiny_llama_config) + R"(, "padding": [0)";
  const std::string tail = "]}";
  while (text.size() + 2 + tail.size() <= bytes) {
    text += ",0";
  }
  text += tail;
  text.append(bytes > text.size() ? bytes - text.size() : 0, ' ');
  return text;
}

std::string gpu_db_with_entries(std::size_t entries) {
  std::string text = R"({"gpus": [)";
  for (std::size_t i = 0; i < entries; ++i) {
    text += (i == 0 ? "" : ",") + std::string(R"({"id":"card-)") + std::to_string(i) +
            R"(","memory_gb":24})";
  }
  return text + "]}";
}

std::string gpu_db_of_bytes(std::size_t bytes) {
  std::string text = R"({"gpus": [{"id": "card", "memory_gb": 24, "notes": [0)";
  const std::string tail = "]}]}";
  while (text.size() + 2 + tail.size() <= bytes) {
    text += ",0";
  }
  text += tail;
  text.append(bytes > text.size() ? bytes - text.size() : 0, ' ');
  return text;
}

}  // namespace vramcalc::test
