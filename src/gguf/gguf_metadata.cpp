#include "gguf/gguf_metadata.hpp"

#include <algorithm>
#include <cstdint>

#include "gguf/gguf_parser.hpp"

namespace vramcalc::gguf {

namespace {

constexpr std::string_view k_metadata_hint =
    "the model's metadata is damaged or inconsistent; convert it again with a current "
    "llama.cpp";

bool is_integer(GgufValueType type) {
  switch (type) {
    case GgufValueType::uint8:
    case GgufValueType::int8:
    case GgufValueType::uint16:
    case GgufValueType::int16:
    case GgufValueType::uint32:
    case GgufValueType::int32:
    case GgufValueType::uint64:
    case GgufValueType::int64:
    case GgufValueType::boolean:
      return true;
    default:
      return false;
  }
}

}  // namespace

Metadata::Metadata(const GgufHeader& header) : m_header(header) {
  m_index.reserve(header.metadata.size());
  for (const GgufKv& kv : header.metadata) {
    m_index.emplace(kv.key, &kv.value);
  }
  const GgufValue* arch = find("general.architecture");
  if (arch == nullptr) {
    fail_key("general.architecture", "is missing; it names the model family");
  }
  auto name = gguf_string(*arch);
  if (!name || name->empty()) {
    fail_key("general.architecture", "must be a non-empty STRING");
  }
  m_arch = std::move(*name);
}

std::string Metadata::arch_key(std::string_view suffix) const {
  return m_arch + "." + std::string(suffix);
}

const GgufValue* Metadata::find(std::string_view key) const {
  const auto it = m_index.find(key);
  return it == m_index.end() ? nullptr : it->second;
}

void Metadata::fail_key(std::string_view key, const std::string& problem) const {
  fail(m_header.source, "metadata " + quoted(key) + " " + problem, std::string(k_metadata_hint));
}

std::uint64_t Metadata::element(std::string_view key, const GgufValue& value, std::size_t index,
                                std::uint64_t max) const {
  const auto number = gguf_uint(value, index);
  if (!number) {
    fail_key(key, "must hold non-negative integers (it is " +
                      std::string(gguf_value_type_name(value.element_type)) + ")");
  }
  if (*number > max) {
    fail_key(key, "is " + std::to_string(*number) + ", above the limit of " + std::to_string(max));
  }
  return *number;
}

std::optional<std::uint64_t> Metadata::uint(std::string_view key, std::uint64_t max) const {
  const GgufValue* value = find(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->type == GgufValueType::array || !is_integer(value->type)) {
    fail_key(key, "must be an integer, not " + std::string(gguf_value_type_name(value->type)));
  }
  return element(key, *value, 0, max);
}

std::uint64_t Metadata::require_uint(std::string_view key, std::uint64_t max) const {
  const auto value = uint(key, max);
  if (!value) {
    fail_key(key, "is missing");
  }
  return *value;
}

std::optional<bool> Metadata::boolean(std::string_view key) const {
  const auto value = uint(key, 1);
  if (!value) {
    return std::nullopt;
  }
  return *value != 0;
}

std::optional<std::string> Metadata::string(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->type != GgufValueType::string) {
    fail_key(key, "must be a STRING, not " + std::string(gguf_value_type_name(value->type)));
  }
  return gguf_string(*value);
}

std::optional<std::vector<std::uint32_t>> Metadata::per_layer(std::string_view key,
                                                              std::size_t n_layer,
                                                              std::uint64_t max) const {
  const GgufValue* value = find(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  max = std::min<std::uint64_t>(max, UINT32_MAX);
  std::vector<std::uint32_t> values(n_layer, 0);
  if (value->type != GgufValueType::array) {
    const auto scalar = static_cast<std::uint32_t>(uint(key, max).value_or(0));
    values.assign(n_layer, scalar);
    return values;
  }
  // Per-layer arrays must have exactly block_count entries (one value per layer).
  if (!is_integer(value->element_type) || value->length != n_layer || !value->kept) {
    fail_key(key, "is an ARRAY of " + std::to_string(value->length) + " " +
                      std::string(gguf_value_type_name(value->element_type)) +
                      " elements; one integer per block (" + std::to_string(n_layer) +
                      ") is required");
  }
  for (std::size_t i = 0; i < n_layer; ++i) {
    values[i] = static_cast<std::uint32_t>(element(key, *value, i, max));
  }
  return values;
}

}  // namespace vramcalc::gguf
