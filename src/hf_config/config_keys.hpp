#pragma once
// Reading keys of a config.json object with validation (internal header). Every value is
// checked for type and range before use; a wrong one throws vramcalc::Error (kind file)
// naming the key and the file. `null` counts as absent, as transformers treats it.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vramcalc::hf {

/// A value a family's configuration class gives a key the config.json leaves out.
struct KeyDefault {
  std::string_view key;
  std::uint64_t value;
};

/// Sane upper bounds on config values: far above any released model, low enough that the
/// tensor arithmetic cannot overflow 64 bits before the total-parameter cap stops it.
inline constexpr std::uint64_t k_max_layers = 4096;            // largest released: 126
inline constexpr std::uint64_t k_max_width = 1ULL << 20;       // hidden/head widths
inline constexpr std::uint64_t k_max_ffn = 1ULL << 22;         // MLP widths
inline constexpr std::uint64_t k_max_heads = 1ULL << 16;
inline constexpr std::uint64_t k_max_vocab = 1ULL << 27;       // largest released: ~262k
inline constexpr std::uint64_t k_max_experts = 1ULL << 16;     // largest released: 384
inline constexpr std::uint64_t k_max_positions = 1ULL << 40;   // largest released: 10M
inline constexpr std::uint64_t k_max_total_params = 1'000'000'000'000'000ULL;  // 10^15

/// One JSON object of a config (the top level, or a wrapper's text_config) with the file's
/// name for messages, the family's defaults, and an optional outer object consulted for
/// keys a wrapper keeps at the top (dtype, tie_word_embeddings, quantization_config).
class ConfigKeys {
 public:
  ConfigKeys(const nlohmann::json& object, std::string origin, const nlohmann::json* outer);

  void set_defaults(const std::vector<KeyDefault>* defaults, std::string_view family_class);

  /// The raw value of the first present (non-null) key, or nullptr.
  [[nodiscard]] const nlohmann::json* find(std::initializer_list<std::string_view> keys) const;
  /// The value of `key` here, else in the outer (wrapper) object, or nullptr.
  [[nodiscard]] const nlohmann::json* find_with_outer(std::string_view key) const;
  /// True when `key` is written in the object, even as null.
  [[nodiscard]] bool has(std::string_view key) const;

  /// A non-negative integer of the first present key in `keys`, at most `max`; nullopt when
  /// the keys are written as null; a family default when none is written (noted); nullopt
  /// when there is neither.
  [[nodiscard]] std::optional<std::uint64_t> optional_uint(std::initializer_list<std::string_view> keys,
                                                           std::uint64_t max);
  /// As optional_uint, and positive; throws naming keys.front() when missing.
  [[nodiscard]] std::uint64_t required_positive(std::initializer_list<std::string_view> keys,
                                                std::uint64_t max);
  /// A positive integer or nullopt; zero is rejected like any other out-of-range value.
  [[nodiscard]] std::optional<std::uint64_t> optional_positive(
      std::initializer_list<std::string_view> keys, std::uint64_t max);

  [[nodiscard]] std::optional<bool> optional_bool(std::string_view key) const;
  [[nodiscard]] std::optional<std::string> optional_string(std::string_view key) const;
  /// A list of strings (layer_types), or nullopt.
  [[nodiscard]] std::optional<std::vector<std::string>> optional_string_list(std::string_view key) const;
  /// A list of non-negative integers below `max`, or nullopt.
  [[nodiscard]] std::optional<std::vector<std::uint64_t>> optional_uint_list(std::string_view key,
                                                                             std::uint64_t max) const;

  [[nodiscard]] const std::string& origin() const { return m_origin; }
  [[nodiscard]] const nlohmann::json& object() const { return m_object; }
  /// Sentences about keys taken from family defaults, in the order they were used.
  [[nodiscard]] const std::vector<std::string>& defaulted() const { return m_defaulted; }

  /// Throws vramcalc::Error (kind file): "<origin>: key '<key>' <what>".
  [[noreturn]] void fail(std::string_view key, const std::string& what) const;
  /// Throws vramcalc::Error (kind file): "<origin>: <what>".
  [[noreturn]] void fail_config(const std::string& what) const;

 private:
  [[nodiscard]] std::uint64_t to_uint(std::string_view key, const nlohmann::json& value,
                                      std::uint64_t max) const;
  [[nodiscard]] std::optional<std::uint64_t> family_default(std::string_view key);

  const nlohmann::json& m_object;
  std::string m_origin;
  const nlohmann::json* m_outer = nullptr;
  const std::vector<KeyDefault>* m_defaults = nullptr;
  std::string m_family_class;
  std::vector<std::string> m_defaulted;
};

/// Human-readable JSON type of a value, for messages ("a string", "a number", ...).
[[nodiscard]] std::string describe_json(const nlohmann::json& value);

}  // namespace vramcalc::hf
