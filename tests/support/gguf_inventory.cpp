#include "gguf_inventory.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace vramcalc::test {

namespace {

using json = nlohmann::ordered_json;

FixtureKv integer_kv(std::string key, const json& value) {
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    return v <= std::numeric_limits<std::uint32_t>::max()
               ? kv_u32(std::move(key), static_cast<std::uint32_t>(v))
               : kv_u64(std::move(key), v);
  }
  const auto v = value.get<std::int64_t>();
  return v >= std::numeric_limits<std::int32_t>::min() &&
                 v <= std::numeric_limits<std::int32_t>::max()
             ? kv_i32(std::move(key), static_cast<std::int32_t>(v))
             : kv_i64(std::move(key), v);
}

FixtureKv array_kv(std::string key, const json& values) {
  if (!values.empty() && values.front().is_string()) {
    return kv_str_array(std::move(key), values.get<std::vector<std::string>>());
  }
  if (!values.empty() && values.front().is_boolean()) {
    return kv_bool_array(std::move(key), values.get<std::vector<bool>>());
  }
  const bool negative = std::any_of(values.begin(), values.end(),
                                    [](const json& v) { return v.get<std::int64_t>() < 0; });
  if (negative) {
    return kv_i32_array(std::move(key), values.get<std::vector<std::int32_t>>());
  }
  return kv_u32_array(std::move(key), values.get<std::vector<std::uint32_t>>());
}

FixtureKv placeholder_kv(std::string key, const json& value) {
  const auto count = value.at("__list_len__").get<std::uint64_t>();
  const auto element = value.at("__elem__").get<std::string>();
  if (element == "str") {
    return kv_token_array(std::move(key), count);
  }
  if (element == "float") {
    return kv_zero_array(std::move(key), k_type_float32, count);
  }
  if (element == "int") {
    return kv_zero_array(std::move(key), k_type_int32, count);
  }
  throw std::runtime_error("unknown placeholder element type " + element);
}

FixtureKv to_kv(std::string key, const json& value) {
  if (value.is_string()) {
    return kv_str(std::move(key), value.get<std::string>());
  }
  if (value.is_boolean()) {
    return kv_bool(std::move(key), value.get<bool>());
  }
  if (value.is_number_integer()) {
    return integer_kv(std::move(key), value);
  }
  if (value.is_number_float()) {
    return kv_f32(std::move(key), value.get<float>());
  }
  if (value.is_array()) {
    return array_kv(std::move(key), value);
  }
  if (value.is_object() && value.contains("__list_len__")) {
    return placeholder_kv(std::move(key), value);
  }
  throw std::runtime_error("inventory value of key " + key + " has an unsupported form");
}

}  // namespace

std::string inventory_dir() {
  return std::string(VRAMCALC_TEST_DATA_DIR) + "/gguf-inventories";
}

std::vector<std::string> inventory_paths() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(inventory_dir())) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 10 && name.ends_with(".gguf.json")) {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

Inventory load_inventory(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  const json doc = json::parse(in);
  Inventory inventory;
  inventory.file = doc.at("file").get<std::string>();
  inventory.file_bytes = doc.at("file_bytes").get<std::uint64_t>();
  inventory.tensor_bytes = doc.at("tensor_bytes").get<std::uint64_t>();
  inventory.fixture.version = doc.at("version").get<std::uint32_t>();
  for (const auto& [key, value] : doc.at("kv").items()) {
    inventory.fixture.metadata.push_back(to_kv(key, value));
  }
  for (const json& tensor : doc.at("tensors")) {
    inventory.fixture.tensors.push_back({tensor.at(0).get<std::string>(),
                                         tensor.at(1).get<std::vector<std::uint64_t>>(),
                                         tensor.at(2).get<std::uint32_t>(), std::nullopt});
  }
  return inventory;
}

}  // namespace vramcalc::test
