#pragma once
// GGUF fixture writer for tests: builds GGUF v2/v3 headers of any shape from a description
// (metadata + tensor table), lays tensor offsets out contiguously with alignment padding, and
// extends files SPARSELY to full size (ftruncate) without writing tensor data. Every field can
// be overridden to produce malformed files, and the encoded bytes can be edited directly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc::test {

// GGUF metadata value type ids (gguf `enum gguf_type`).
inline constexpr std::uint32_t k_type_uint8 = 0;
inline constexpr std::uint32_t k_type_int8 = 1;
inline constexpr std::uint32_t k_type_uint16 = 2;
inline constexpr std::uint32_t k_type_int16 = 3;
inline constexpr std::uint32_t k_type_uint32 = 4;
inline constexpr std::uint32_t k_type_int32 = 5;
inline constexpr std::uint32_t k_type_float32 = 6;
inline constexpr std::uint32_t k_type_bool = 7;
inline constexpr std::uint32_t k_type_string = 8;
inline constexpr std::uint32_t k_type_array = 9;
inline constexpr std::uint32_t k_type_uint64 = 10;
inline constexpr std::uint32_t k_type_int64 = 11;
inline constexpr std::uint32_t k_type_float64 = 12;

// ggml type ids used by tests (ggml `enum ggml_type`).
inline constexpr std::uint32_t k_ggml_f32 = 0;
inline constexpr std::uint32_t k_ggml_f16 = 1;
inline constexpr std::uint32_t k_ggml_q4_0 = 2;
inline constexpr std::uint32_t k_ggml_q8_0 = 8;
inline constexpr std::uint32_t k_ggml_q4_k = 12;
inline constexpr std::uint32_t k_ggml_q6_k = 14;
inline constexpr std::uint32_t k_ggml_bf16 = 30;

/// Little-endian encodings.
std::string le16(std::uint16_t value);
std::string le32(std::uint32_t value);
std::string le64(std::uint64_t value);
/// A gguf_string: u64 length + bytes.
std::string gguf_string(std::string_view text);

/// One metadata pair: the key and its encoded value type id + value bytes.
struct FixtureKv {
  std::string key;
  std::string encoded;  ///< u32 value type followed by the value
};

FixtureKv kv_u8(std::string key, std::uint8_t value);
FixtureKv kv_u16(std::string key, std::uint16_t value);
FixtureKv kv_u32(std::string key, std::uint32_t value);
FixtureKv kv_i32(std::string key, std::int32_t value);
FixtureKv kv_u64(std::string key, std::uint64_t value);
FixtureKv kv_i64(std::string key, std::int64_t value);
FixtureKv kv_f32(std::string key, float value);
FixtureKv kv_f64(std::string key, double value);
FixtureKv kv_bool(std::string key, bool value);
FixtureKv kv_str(std::string key, std::string_view value);
FixtureKv kv_u32_array(std::string key, const std::vector<std::uint32_t>& values);
FixtureKv kv_i32_array(std::string key, const std::vector<std::int32_t>& values);
FixtureKv kv_bool_array(std::string key, const std::vector<bool>& values);
FixtureKv kv_str_array(std::string key, const std::vector<std::string>& values);
/// An array of `count` strings "tok0", "tok1", ... (a tokenizer vocabulary).
FixtureKv kv_token_array(std::string key, std::uint64_t count);
/// An array of `count` zero elements of a fixed-size type (scores: FLOAT32, types: INT32).
FixtureKv kv_zero_array(std::string key, std::uint32_t element_type, std::uint64_t count);
/// Any type id and raw value bytes, for malformed files.
FixtureKv kv_raw(std::string key, std::uint32_t type, std::string value_bytes);

/// One tensor-table entry.
struct FixtureTensor {
  std::string name;
  std::vector<std::uint64_t> shape;     ///< innermost first
  std::uint32_t type = k_ggml_f32;      ///< ggml type id
  std::optional<std::uint64_t> offset;  ///< explicit data offset; default: laid out in order
};

/// A GGUF file to write. Defaults give a well-formed v3 file.
struct GgufFixture {
  std::string magic = "GGUF";
  std::uint32_t version = 3;
  std::vector<FixtureKv> metadata;
  std::vector<FixtureTensor> tensors;
  /// Alignment used to lay out data (write general.alignment yourself when it is not 32).
  std::uint64_t alignment = 32;
  std::optional<std::uint64_t> tensor_count;  ///< overrides the count field
  std::optional<std::uint64_t> kv_count;      ///< overrides the count field
};

/// Where things are in an encoded fixture.
struct FixtureLayout {
  std::string header;                  ///< bytes from the magic to the end of the tensor infos
  std::uint64_t data_start = 0;        ///< header size aligned up
  std::vector<std::uint64_t> offsets;  ///< per tensor, relative to data_start
  std::vector<std::uint64_t> bytes;    ///< per tensor (32 when the type is unknown)
  std::uint64_t file_size = 0;         ///< data_start + each tensor padded to the alignment
};

/// Encodes `fixture`: offsets are laid out contiguously in table order, each tensor padded to
/// the alignment (as llama.cpp's writer does), unless given explicitly.
FixtureLayout encode_gguf(const GgufFixture& fixture);

/// Writes `bytes` to `path` and extends the file to `size` bytes with ftruncate (sparse; no
/// data is written past `bytes`). `size` may be smaller than bytes.size() to truncate.
void write_sparse_file(const std::string& path, std::string_view bytes, std::uint64_t size);

/// Encodes and writes `fixture` sparsely at `path`, `file_size` bytes long (default: the full
/// layout size). Returns the layout.
FixtureLayout write_gguf(const std::string& path, const GgufFixture& fixture,
                         std::optional<std::uint64_t> file_size = std::nullopt);

/// The whole file in memory (tensor data as zeros), for memory sources and fuzz seeds.
std::string gguf_file_bytes(const GgufFixture& fixture);

/// A small well-formed model: `arch` with `layers` blocks of width `hidden`, 4 heads, 2 kv
/// heads, MLP 2 x hidden, vocab 64, untied output; F32 norms, `type` matrices. hidden must be
/// a multiple of the type's block size.
GgufFixture small_model(std::string_view arch = "llama", std::uint32_t layers = 2,
                        std::uint32_t hidden = 64, std::uint32_t type = k_ggml_f16);

/// A folder removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return m_path; }
  [[nodiscard]] std::string file(std::string_view name) const;

 private:
  std::string m_path;
};

}  // namespace vramcalc::test
