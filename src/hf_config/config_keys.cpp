#include "hf_config/config_keys.hpp"

#include <cmath>

#include "vramcalc/error.hpp"

namespace vramcalc::hf {

using nlohmann::json;

std::string describe_json(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::string: {
      std::string text = value.get<std::string>();
      if (text.size() > 40) {
        text = text.substr(0, 40) + "...";
      }
      return "the string \"" + text + "\"";
    }
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return value.dump();
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

ConfigKeys::ConfigKeys(const json& object, std::string origin, const json* outer)
    : m_object(object), m_origin(std::move(origin)), m_outer(outer) {}

void ConfigKeys::set_defaults(const std::vector<KeyDefault>* defaults,
                              std::string_view family_class) {
  m_defaults = defaults;
  m_family_class = std::string(family_class);
}

void ConfigKeys::fail(std::string_view key, const std::string& what) const {
  throw Error(ErrorKind::file, m_origin + ": key '" + std::string(key) + "' " + what,
              "fix the config.json (its keys follow the model's transformers configuration class)");
}

void ConfigKeys::fail_config(const std::string& what) const {
  throw Error(ErrorKind::file, m_origin + ": " + what,
              "fix the config.json (its keys follow the model's transformers configuration class)");
}

const json* ConfigKeys::find(std::initializer_list<std::string_view> keys) const {
  for (const auto key : keys) {
    const auto it = m_object.find(key);
    if (it != m_object.end() && !it->is_null()) {
      return &*it;
    }
  }
  return nullptr;
}

bool ConfigKeys::has(std::string_view key) const {
  return m_object.contains(key);
}

const json* ConfigKeys::find_with_outer(std::string_view key) const {
  if (const json* inner = find({key})) {
    return inner;
  }
  if (m_outer != nullptr) {
    const auto it = m_outer->find(key);
    if (it != m_outer->end() && !it->is_null()) {
      return &*it;
    }
  }
  return nullptr;
}

std::uint64_t ConfigKeys::to_uint(std::string_view key, const json& value,
                                  std::uint64_t max) const {
  const std::string range = "0 to " + std::to_string(max);
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v > max) {
      fail(key, "is " + value.dump() + ", beyond the sane range " + range);
    }
    return v;
  }
  if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (v < 0) {
      fail(key, "is " + value.dump() + "; it must not be negative");
    }
    if (static_cast<std::uint64_t>(v) > max) {
      fail(key, "is " + value.dump() + ", beyond the sane range " + range);
    }
    return static_cast<std::uint64_t>(v);
  }
  if (value.is_number_float()) {
    // Some writers emit whole numbers as floats (4096.0); anything else is not a count.
    const double v = value.get<double>();
    if (!std::isfinite(v) || v != std::floor(v)) {
      fail(key, "is " + value.dump() + "; it must be a whole number");
    }
    if (v < 0) {
      fail(key, "is " + value.dump() + "; it must not be negative");
    }
    if (v > static_cast<double>(max)) {
      fail(key, "is " + value.dump() + ", beyond the sane range " + range);
    }
    return static_cast<std::uint64_t>(v);
  }
  fail(key, "must be a whole number, not " + describe_json(value));
}

std::optional<std::uint64_t> ConfigKeys::family_default(std::string_view key) {
  if (m_defaults == nullptr) {
    return std::nullopt;
  }
  for (const auto& entry : *m_defaults) {
    if (entry.key == key) {
      m_defaulted.push_back(std::string(key) + " = " + std::to_string(entry.value) +
                            " (not in the config: the " + m_family_class + " default)");
      return entry.value;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ConfigKeys::optional_uint(std::initializer_list<std::string_view> keys,
                                                       std::uint64_t max) {
  bool explicit_null = false;
  for (const auto key : keys) {
    const auto it = m_object.find(key);
    if (it == m_object.end()) {
      continue;
    }
    if (!it->is_null()) {
      return to_uint(key, *it, max);
    }
    explicit_null = true;
  }
  // An explicit null overrides the family default, as it does in transformers (Mistral 7B
  // v0.3 writes "sliding_window": null to turn MistralConfig's 4096 off).
  if (explicit_null) {
    return std::nullopt;
  }
  for (const auto key : keys) {
    if (auto value = family_default(key)) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ConfigKeys::optional_positive(
    std::initializer_list<std::string_view> keys, std::uint64_t max) {
  const auto value = optional_uint(keys, max);
  if (value && *value == 0) {
    std::string_view present = *keys.begin();
    for (const auto key : keys) {
      if (find({key}) != nullptr) {
        present = key;
        break;
      }
    }
    fail(present, "is 0; it must be positive");
  }
  return value;
}

std::uint64_t ConfigKeys::required_positive(std::initializer_list<std::string_view> keys,
                                            std::uint64_t max) {
  const auto value = optional_positive(keys, max);
  if (!value) {
    std::string names;
    for (const auto key : keys) {
      names += names.empty() ? "" : " / ";
      names += std::string(key);
    }
    fail(*keys.begin(), keys.size() > 1 ? "is missing (looked for " + names + ")" : "is missing");
  }
  return *value;
}

std::optional<bool> ConfigKeys::optional_bool(std::string_view key) const {
  const json* value = find({key});
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_boolean()) {
    fail(key, "must be true or false, not " + describe_json(*value));
  }
  return value->get<bool>();
}

std::optional<std::string> ConfigKeys::optional_string(std::string_view key) const {
  const json* value = find({key});
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_string()) {
    fail(key, "must be a string, not " + describe_json(*value));
  }
  return value->get<std::string>();
}

std::optional<std::vector<std::string>> ConfigKeys::optional_string_list(std::string_view key) const {
  const json* value = find({key});
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_array()) {
    fail(key, "must be a list of strings, not " + describe_json(*value));
  }
  std::vector<std::string> out;
  out.reserve(value->size());
  for (std::size_t i = 0; i < value->size(); ++i) {
    const json& item = (*value)[i];
    if (!item.is_string()) {
      fail(key, "entry " + std::to_string(i) + " must be a string, not " + describe_json(item));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::vector<std::uint64_t>> ConfigKeys::optional_uint_list(std::string_view key,
                                                                         std::uint64_t max) const {
  const json* value = find({key});
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_array()) {
    fail(key, "must be a list of whole numbers, not " + describe_json(*value));
  }
  std::vector<std::uint64_t> out;
  out.reserve(value->size());
  for (std::size_t i = 0; i < value->size(); ++i) {
    out.push_back(to_uint(std::string(key) + "[" + std::to_string(i) + "]", (*value)[i], max));
  }
  return out;
}

}  // namespace vramcalc::hf
