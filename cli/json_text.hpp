#pragma once
// The JSON document of a command as text: pretty, two spaces, a final newline. Strings from a
// GGUF file or a file name may hold bytes that are not UTF-8; they become U+FFFD instead of
// failing the whole document (nlohmann's default throws), since JSON text must be UTF-8.

#include <string>

#include <nlohmann/json.hpp>

namespace vramcalc::cli {

/// `document` as pretty JSON text with a final newline; bytes that are not UTF-8 as U+FFFD.
[[nodiscard]] inline std::string json_text(const nlohmann::ordered_json& document) {
  return document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace vramcalc::cli
