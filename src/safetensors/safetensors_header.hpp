#pragma once
// Parsers of the two safetensors documents, over bounded byte sources (internal header): the
// header of one .safetensors file and a model.safetensors.index.json. Both validate everything
// the reference implementation validates (huggingface/safetensors safetensors/src/tensor.rs
// `read_metadata` and `Metadata::validate`) and what it misses (duplicate keys); both throw
// vramcalc::Error (kind file) naming the source, the tensor or key, and the offset.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/byte_source.hpp"
#include "vramcalc/safetensors.hpp"

namespace vramcalc::safetensors {

/// The header of one file.
struct Header {
  std::uint64_t file_bytes = 0;
  std::uint64_t header_bytes = 0;  ///< N
  std::uint64_t data_bytes = 0;    ///< file_bytes - 8 - N
  std::vector<SafetensorsTensor> tensors;  ///< in data order; `shard` left empty
  std::map<std::string, std::string> metadata;
};

/// Reads and validates the header of the safetensors file `source` (reads 8 + N bytes, never
/// the data): N <= k_max_header_bytes and 8 + N <= size; UTF-8 JSON object without duplicate
/// keys, nested at most k_max_json_depth; optional `__metadata__` string -> string map; each
/// tensor a known dtype, a shape of at most k_max_dims non-negative integers whose product and
/// bit count fit 64 bits and make whole bytes, exactly two data_offsets with end - begin equal
/// to those bytes; offsets contiguous from 0 without gaps or overlaps and ending exactly at the
/// end of the file; at most k_max_tensors tensors.
[[nodiscard]] Header parse_header(const io::ByteSource& source);

/// How the JSON of a header or index is read: the fast path for writer-made JSON with the
/// reference parser behind it (the default), or the reference parser alone (for tests and the
/// fuzz targets, which check that both give the same answer).
enum class JsonPath { fast, reference };

/// parse_header, reading the JSON by `path`.
[[nodiscard]] Header parse_header(const io::ByteSource& source, JsonPath path);

/// What a model.safetensors.index.json says.
struct Index {
  /// tensor name -> shard file name, in the index's order; names unique, files plain names.
  std::vector<std::pair<std::string, std::string>> weight_map;
  std::optional<std::uint64_t> total_size;  ///< metadata.total_size when a non-negative integer
};

/// Reads and validates the index `source` (at most k_max_index_bytes): a JSON object without
/// duplicate keys whose `weight_map` object maps each tensor name to a shard file name that is a
/// plain `*.safetensors` name (see shard_name_problem); at most k_max_tensors entries.
[[nodiscard]] Index parse_index(const io::ByteSource& source);

/// parse_index, reading the JSON by `path`.
[[nodiscard]] Index parse_index(const io::ByteSource& source, JsonPath path);

/// Why `name` cannot be a shard named by an index (empty, a path separator, "..", a drive
/// colon, a control character, not ending in ".safetensors"), or nullopt when it can.
[[nodiscard]] std::optional<std::string> shard_name_problem(std::string_view name);

/// `text` from a file, fit for a message: control bytes (and, when `escape_non_ascii`, bytes
/// of 0x80 and above, for text that may not be UTF-8) as \xNN, cut after 200 bytes.
[[nodiscard]] std::string printable(std::string_view text, bool escape_non_ascii = true);

/// printable(text, false) in single quotes: for names from JSON (already valid UTF-8).
[[nodiscard]] std::string quote_name(std::string_view text);

}  // namespace vramcalc::safetensors
