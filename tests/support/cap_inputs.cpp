#include "cap_inputs.hpp"

#include <cstdio>
#include <map>
#include <stdexcept>

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

void write_gguf_with_string_array(const std::string& path, std::uint64_t count) {
  GgufFixture f = small_model("llama", 2, 64, k_ggml_f16);
  f.metadata.insert(f.metadata.begin(), kv_zero_array("extra.padding", k_type_string, 0));
  const FixtureLayout layout = encode_gguf(f);
  // The array's count sits after the file header (24 bytes), the key and two type ids.
  const std::size_t count_at = 24 + 8 + std::string("extra.padding").size() + 4 + 4;
  std::string header = layout.header;
  const std::string encoded = le64(count);
  header.replace(count_at, 8, encoded);
  // [header up to the array's elements][count x 8 zero bytes, sparse][the rest]; the inserted
  // bytes are a multiple of the alignment, so the tensor offsets stay valid.
  const std::uint64_t inserted = count * 8;
  write_sparse_file(path, header.substr(0, count_at + 8), layout.file_size + inserted);
  std::FILE* file = std::fopen(path.c_str(), "r+b");
  if (file == nullptr) {
    throw std::runtime_error("cannot open " + path);
  }
  std::fseek(file, static_cast<long>(count_at + 8 + inserted), SEEK_SET);
  std::fwrite(header.data() + count_at + 8, 1, header.size() - count_at - 8, file);
  std::fclose(file);
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

std::string safetensors_with_header_bytes(const std::string& folder, std::size_t bytes) {
  const std::vector<SafetensorsFixtureTensor> list = small_llama(2);
  std::uint64_t data_bytes = 0;
  const std::string probe = header_json(list, {{"pad", ""}}, data_bytes);
  const std::size_t fill = bytes > probe.size() + 8 ? bytes - probe.size() - 8 : 0;
  const std::string header = header_json(list, {{"pad", std::string(fill, 'p')}}, data_bytes);
  write_safetensors_raw(folder + "/model.safetensors", header, data_bytes);
  write_file(folder + "/config.json", std::string(k_tiny_llama_config) + "}");
  return folder;
}

std::string index_of_bytes(std::size_t bytes, std::size_t entries) {
  std::string text = R"({"metadata": {"total_size": 8}, "weight_map": {)";
  const std::string tail = "}}";
  const std::string stem(200, 'n');
  for (std::size_t i = 0; i < entries; ++i) {
    std::string entry = (i == 0 ? "\"" : ",\"") + stem + std::to_string(i) +
                        R"(": "model.safetensors")";
    if (text.size() + entry.size() + tail.size() > bytes) {
      break;
    }
    text += entry;
  }
  text += tail;
  text.append(bytes > text.size() ? bytes - text.size() : 0, ' ');
  return text;
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
