#pragma once
// The GGUF header parser over a bounded byte source (internal: the public entry points are in
// vramcalc/gguf.hpp). Tests and the fuzz target feed it memory.

#include <string>
#include <string_view>
#include <vector>

#include "io/byte_source.hpp"
#include "io/file_set.hpp"
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

namespace vramcalc {

/// read_gguf_shards over the files of `folder`: the file `name` of it, and when its metadata
/// says it is one shard of a split model, every shard of that split found in `folder` by the
/// name pattern. Throws as read_gguf_shards.
[[nodiscard]] std::vector<GgufHeader> read_gguf_shards_in(const io::FileSet& folder,
                                                         const std::string& name);

}  // namespace vramcalc
