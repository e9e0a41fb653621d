#pragma once
// Typed access to a GGUF header's metadata for the model builder (internal). Every getter
// throws vramcalc::Error (kind file) naming the key when the value has the wrong type or
// range; a missing optional key is nullopt.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vramcalc/gguf.hpp"

namespace vramcalc::gguf {

class Metadata {
 public:
  /// Reads general.architecture (required) and indexes the keys.
  explicit Metadata(const GgufHeader& header);

  [[nodiscard]] const std::string& architecture() const { return m_arch; }
  [[nodiscard]] const std::string& source() const { return m_header.source; }
  [[nodiscard]] const GgufHeader& header() const { return m_header; }

  /// "{arch}.<suffix>", e.g. arch_key("block_count") -> "llama.block_count".
  [[nodiscard]] std::string arch_key(std::string_view suffix) const;

  [[nodiscard]] const GgufValue* find(std::string_view key) const;

  /// A non-negative integer scalar of at most `max`; nullopt when absent.
  [[nodiscard]] std::optional<std::uint64_t> uint(std::string_view key, std::uint64_t max) const;
  /// As uint(), but the key is required.
  [[nodiscard]] std::uint64_t require_uint(std::string_view key, std::uint64_t max) const;
  /// A BOOL scalar (or an integer 0/1); nullopt when absent.
  [[nodiscard]] std::optional<bool> boolean(std::string_view key) const;
  /// A string scalar; nullopt when absent or too long to have been kept.
  [[nodiscard]] std::optional<std::string> string(std::string_view key) const;
  /// A per-layer value: a scalar repeated `n_layer` times, or an array of exactly `n_layer`
  /// integers (llama.cpp get_key_or_arr); nullopt when absent.
  [[nodiscard]] std::optional<std::vector<std::uint32_t>> per_layer(std::string_view key,
                                                                    std::size_t n_layer,
                                                                    std::uint64_t max) const;

  /// Throws vramcalc::Error (kind file) about `key`.
  [[noreturn]] void fail_key(std::string_view key, const std::string& problem) const;

 private:
  [[nodiscard]] std::uint64_t element(std::string_view key, const GgufValue& value,
                                      std::size_t index, std::uint64_t max) const;

  const GgufHeader& m_header;
  std::unordered_map<std::string_view, const GgufValue*> m_index;
  std::string m_arch;
};

}  // namespace vramcalc::gguf
