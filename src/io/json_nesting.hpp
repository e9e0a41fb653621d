#pragma once
// Nesting depth of a JSON text, counted before parsing: the files vramcalc reads (config.json,
// GPU and model databases) nest a few levels, and a hostile one nested thousands deep should
// be refused with a message rather than parsed.
#include <cstddef>
#include <string_view>

namespace vramcalc::detail {

/// The deepest '[' / '{' nesting of `text`, brackets inside strings not counted; stops
/// counting (and returns) as soon as it exceeds `limit`.
[[nodiscard]] std::size_t json_nesting_depth(std::string_view text, std::size_t limit);

}  // namespace vramcalc::detail
