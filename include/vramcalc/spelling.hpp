#pragma once
/// "Did you mean" for names: the closest candidate by edit distance (as ninja's
/// SpellcheckStringV does), compared case-insensitively.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc {

/// Levenshtein distance between `a` and `b`, case-insensitive.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `query`, if one is close enough to be a plausible typo
/// (distance at most max(2, |query| / 3)).
[[nodiscard]] std::optional<std::string> closest_name(std::string_view query,
                                                      const std::vector<std::string>& candidates);

}  // namespace vramcalc
