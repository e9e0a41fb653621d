#pragma once
/// GGUF model files (llama.cpp's format): a header reader and the model description built from
/// a header. Only headers are read: the metadata and the tensor table, never tensor data, so a
/// 100 GB file costs what a 1 MB one does. Every malformed input is a vramcalc::Error of kind
/// `file` naming the byte offset, key or tensor at fault.
///
/// Layout: the GGUF spec (ggml-org/ggml docs/gguf.md),
/// https://github.com/ggml-org/ggml/blob/01f0d4da3e444ca2bfe705e72adab08a4394bb1d/docs/gguf.md
/// Checks: llama.cpp's reader (ggml/src/gguf.cpp),
/// https://github.com/ggml-org/llama.cpp/blob/067d44f6c48459f7a82dbafc6fbd0bae97755a4e/ggml/src/gguf.cpp
/// ggml types: type_traits in ggml/src/ggml.c and the block structs of ggml-common.h,
/// https://github.com/ggml-org/llama.cpp/blob/00bdaa105cb03380daf899b4fc9f026555745269/ggml/src/ggml.c
/// https://github.com/ggml-org/llama.cpp/blob/01243c587feceaa5d6a6c2305535ef2f549c48b8/ggml/src/ggml-common.h
/// Rules for a header-only reader: those two plus the published GGUF parser bugs named where
/// each check is made (src/gguf/gguf_reader.cpp, tests/unit/gguf_malformed_test.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vramcalc/model.hpp"

namespace vramcalc {

/// Metadata value types (gguf `enum gguf_type`; ids as stored in the file).
enum class GgufValueType : std::uint32_t {
  uint8 = 0,
  int8 = 1,
  uint16 = 2,
  int16 = 3,
  uint32 = 4,
  int32 = 5,
  float32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  uint64 = 10,
  int64 = 11,
  float64 = 12,
};

/// One metadata value. A scalar holds one element. An array holds its elements while it is
/// short enough to keep (per-layer head counts, feed-forward widths) and only its length when
/// it is long (tokenizer vocabularies). Elements live in the vector that matches their type:
/// unsigned integers and booleans in `unsigned_values`, signed integers in `signed_values`,
/// floats in `float_values`, strings in `string_values`, nested arrays in `array_values`.
struct GgufValue {
  GgufValueType type = GgufValueType::uint8;          ///< the value's type (array for arrays)
  GgufValueType element_type = GgufValueType::uint8;  ///< scalars: == type; arrays: elements'
  std::uint64_t length = 1;  ///< scalars: 1; arrays: number of elements in the file
  bool kept = true;          ///< false when the elements (or a long string) were skipped
  std::vector<std::uint64_t> unsigned_values;
  std::vector<std::int64_t> signed_values;
  std::vector<double> float_values;
  std::vector<std::string> string_values;
  std::vector<GgufValue> array_values;
};

/// One metadata key-value pair.
struct GgufKv {
  std::string key;
  GgufValue value;
  std::uint64_t offset = 0;  ///< byte offset of the key's length field in its file
};

/// One entry of the tensor table.
struct GgufTensor {
  std::string name;
  std::vector<std::uint64_t> shape;  ///< ne[0..n_dims), innermost first, each >= 1
  std::uint32_t type_id = 0;         ///< ggml type id; always one ggml_type_by_id() knows
  std::uint64_t offset = 0;          ///< start of the data, relative to the data section
  std::uint64_t elements = 0;        ///< product of shape
  std::uint64_t bytes = 0;           ///< exact stored bytes (ggml_nbytes), unpadded
  std::uint32_t shard = 0;           ///< file of a split model holding it (0-based)
};

/// What the header of one GGUF file (or of all files of a split model, merged) says.
struct GgufHeader {
  std::string source;                 ///< path (or buffer name) it was read from; first shard's
  std::uint32_t version = 0;          ///< 2 or 3
  std::uint64_t file_size = 0;        ///< bytes; for a merged split model, the sum of the files
  std::uint64_t alignment = 32;       ///< general.alignment, default 32 (bytes, a power of two)
  std::uint64_t tensor_info_end = 0;  ///< offset just past the tensor table (bytes)
  std::uint64_t data_start = 0;       ///< offset of the tensor data: tensor_info_end aligned up
  std::vector<GgufKv> metadata;       ///< in file order; for a split model, the first shard's
  std::vector<GgufTensor> tensors;    ///< in file order (shard by shard)
  std::uint32_t shard_count = 1;      ///< files merged into this header
};

// Limits on hostile headers. llama.cpp's own caps are cited; the others are well above any
// published model and exist so that a crafted file cannot make the reader allocate or loop
// without bound: every count and length is checked against the bytes left before anything is
// allocated from it.

/// Longest string: llama.cpp GGUF_MAX_STRING_LENGTH (ggml/src/gguf.cpp), 1 GiB.
inline constexpr std::uint64_t k_gguf_max_string_bytes = 1024ULL * 1024 * 1024;
/// Most array elements: llama.cpp GGUF_MAX_ARRAY_ELEMENTS (ggml/src/gguf.cpp), 1 Gi.
inline constexpr std::uint64_t k_gguf_max_array_elements = 1024ULL * 1024 * 1024;
/// Longest key: 65535 bytes, the GGUF spec's limit on key length (ggml docs/gguf.md).
inline constexpr std::uint64_t k_gguf_max_key_bytes = 65535;
/// Longest tensor name: llama.cpp requires `name.length() < GGML_MAX_NAME` (64).
inline constexpr std::uint64_t k_gguf_max_tensor_name_bytes = 63;
/// Most dimensions of a tensor: GGML_MAX_DIMS (4).
inline constexpr std::uint32_t k_gguf_max_dims = 4;
/// Largest dimension and element count: ggml stores ne[] as int64_t, so INT64_MAX.
inline constexpr std::uint64_t k_gguf_max_dim = 0x7FFF'FFFF'FFFF'FFFFULL;
/// Most tensors in one file: 2^18 = 262,144. Published GGUF files hold about a thousand
/// (DeepSeek-V3: 1,025, experts merged per layer); a conversion with one tensor per expert
/// would hold ~50,000. llama.cpp bounds only by SIZE_MAX / sizeof(gguf_tensor_info); this cap
/// keeps a file at the limit within 1 s and 256 MB (bench/caps_bench.cpp), where 2^20 took
/// 10 s and 422 MB.
inline constexpr std::uint64_t k_gguf_max_tensors = 1ULL << 18;
/// Most metadata pairs in one file: 2^16 = 65,536. Published files have under 100; 2^20 took
/// 9 s and 520 MB (bench/caps_bench.cpp measures the cap).
inline constexpr std::uint64_t k_gguf_max_kv = 1ULL << 16;
/// Deepest nesting of arrays in arrays. The spec allows nesting; llama.cpp rejects it; no
/// published file uses it. Two levels are read, deeper is an error.
inline constexpr std::uint32_t k_gguf_max_array_depth = 2;
/// Largest general.alignment: 1 MiB (llama.cpp's gguf.cpp requires only a power of two; an
/// alignment of 0x80000000 aborts it, per an oss-security advisory of 2026-05-15, V-01). The
/// default is 32 (GGUF_DEFAULT_ALIGNMENT).
inline constexpr std::uint64_t k_gguf_max_alignment = 1024ULL * 1024;
/// Largest metadata + tensor table: 128 MiB. The biggest published headers (256k-token
/// vocabularies with merges) are under 20 MB (a 128k vocabulary: 8.6 MB); the cap bounds the
/// work a sparse file can cause: a header at the limit made of empty strings, whose lengths
/// must each be read, takes under a second (bench/caps_bench.cpp), where 1 GiB took seconds.
inline constexpr std::uint64_t k_gguf_max_header_bytes = 128ULL << 20;
/// Arrays up to this many elements keep their elements (per-layer values); longer ones keep
/// only their length.
inline constexpr std::uint64_t k_gguf_max_kept_array_elements = 65536;
/// Strings up to this many bytes are kept; longer ones keep only the fact that they exist.
inline constexpr std::uint64_t k_gguf_max_kept_string_bytes = 1024ULL * 1024;
/// Most bytes of metadata kept in memory per file; values past it keep only their length.
inline constexpr std::uint64_t k_gguf_max_kept_bytes = 64ULL * 1024 * 1024;
/// Most blocks (layers) of a model: llama.cpp LLAMA_MAX_LAYERS (src/llama-hparams.h), 512.
inline constexpr std::uint64_t k_gguf_max_layers = 512;
/// Most experts: 1024, the largest LLAMA_MAX_EXPERTS in llama.cpp trees seen (256 for
/// DeepSeek-V3, 512 for Qwen3-Next, 1024 later).
inline constexpr std::uint64_t k_gguf_max_experts = 1024;
/// Most files of a split model: the name pattern has five digits (`-%05d-of-%05d.gguf`,
/// tools/gguf-split) and split.count is a u16, so 65535.
inline constexpr std::uint32_t k_gguf_max_shards = 65535;

/// Name of a value type as the GGUF spec spells it ("UINT32", "STRING", "ARRAY").
[[nodiscard]] std::string_view gguf_value_type_name(GgufValueType type) noexcept;

/// The metadata value stored under `key`, or nullptr.
[[nodiscard]] const GgufValue* find_metadata(const GgufHeader& header, std::string_view key);

/// Element `index` of an integer or boolean value when it is a non-negative integer, else
/// nullopt (wrong type, negative, element not kept or out of range).
[[nodiscard]] std::optional<std::uint64_t> gguf_uint(const GgufValue& value,
                                                     std::size_t index = 0) noexcept;

/// The string of a STRING value, or nullopt (wrong type or too long to be kept).
[[nodiscard]] std::optional<std::string> gguf_string(const GgufValue& value);

/// Reads the header of one GGUF file: v2 or v3, little-endian. Throws vramcalc::Error (kind
/// file) naming the problem and its byte offset, key or tensor when the file is malformed,
/// including when a tensor's data would lie past the end of the file.
[[nodiscard]] GgufHeader read_gguf_header(const std::string& path);

/// True when `path` is a regular file that starts with the GGUF magic. Never blocks: a FIFO,
/// a device or anything unreadable is simply not a GGUF file.
[[nodiscard]] bool is_gguf_file(const std::string& path);

/// The parts of a split-model file name `<prefix>-00002-of-00005.gguf`.
struct GgufSplitName {
  std::string prefix;       ///< everything before `-00002-of-00005.gguf`
  std::uint32_t index = 0;  ///< 1-based number in the name
  std::uint32_t count = 0;  ///< number of files in the name
};

/// Parses a split-model file name (no folder), or nullopt when it does not follow the pattern
/// `<prefix>-NNNNN-of-MMMMM.gguf` with 1 <= NNNNN <= MMMMM.
[[nodiscard]] std::optional<GgufSplitName> parse_gguf_split_name(std::string_view file_name);

/// The file name of shard `index` (1-based) of `count`: `<prefix>-%05d-of-%05d.gguf`
/// (llama.cpp llama_split_path).
[[nodiscard]] std::string gguf_split_file_name(std::string_view prefix, std::uint32_t index,
                                               std::uint32_t count);

/// Reads the headers of every file of the model at `path`: just that file when its metadata
/// has no split.count above 1, else all shards found next to it by the name pattern (`path`
/// may be any shard). Throws vramcalc::Error (kind file) naming a missing shard, or a shard
/// whose split.no / split.count disagree with its name.
[[nodiscard]] std::vector<GgufHeader> read_gguf_shards(const std::string& path);

/// One header for a split model: the first shard's metadata and the tensors of all shards.
/// Throws vramcalc::Error (kind file) on a tensor name found in two shards or a total that
/// disagrees with split.tensors.count. Taken by value: pass an rvalue and nothing is copied.
[[nodiscard]] GgufHeader merge_gguf_shards(std::vector<GgufHeader> shards);

/// The model a header describes (llama.cpp's reading of the metadata, src/llama-model.cpp
/// load_hparams): architecture, layers with their attention kind, heads and window, MoE,
/// MLA and recurrent state; every tensor with its exact stored bytes. Throws vramcalc::Error
/// (kind file) naming the metadata key that is missing, mistyped or inconsistent.
[[nodiscard]] ModelSpec gguf_model(const GgufHeader& header);

/// read_gguf_shards + merge_gguf_shards + gguf_model: the model in the GGUF file (or split
/// model) at `path`, with source_detail = path.
[[nodiscard]] ModelSpec load_gguf_model(const std::string& path);

/// Name of a llama.cpp file type (`general.file_type`, `enum llama_ftype`): 15 -> "Q4_K_M",
/// 1 -> "F16"; gguf-py LlamaFileType (src/gguf/gguf_values.cpp). Unknown or removed values
/// give "file type N".
[[nodiscard]] std::string llama_ftype_name(std::uint64_t file_type);

}  // namespace vramcalc
