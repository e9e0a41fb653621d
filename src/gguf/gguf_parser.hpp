#pragma once
// The GGUF header parser over a bounded byte source (internal: the public entry points are in
// vramcalc/gguf.hpp). Tests and the fuzz target feed it memory.

#include <string>
#include <string_view>

#include "io/byte_source.hpp"
#include "vramcalc/gguf.hpp"

namespace vramcalc::gguf {

/// Parses the GGUF header `source` holds; see read_gguf_header for what is checked.
[[nodiscard]] GgufHeader parse_header(const io::ByteSource& source);

/// `text` quoted for an error message: bytes outside printable ASCII as \xNN, long text cut.
[[nodiscard]] std::string quoted(std::string_view text);

/// Throws vramcalc::Error (kind file): "<source>: <message>" with `hint`.
[[noreturn]] void fail(const std::string& source, const std::string& message,
                       const std::string& hint);

}  // namespace vramcalc::gguf
