#pragma once
#include <string_view>

namespace vramcalc {
/// The library version (semantic versioning).
[[nodiscard]] std::string_view version();
/// The JSON output schema version: bumped when a field is renamed or removed.
inline constexpr int k_json_schema_version = 2;
}  // namespace vramcalc
