// GGUF header reader: magic, version, metadata, tensor table, alignment, data section bounds.
// Layout: ggml-org/ggml docs/gguf.md; checks: llama.cpp ggml/src/gguf.cpp
// (gguf_init_from_reader) and src/llama-model-loader (file bounds), plus rules derived from
// published parser vulnerabilities (llama.cpp CVEs, GHSAs and PRs, and bugs of other GGUF
// parsers), each named where its check is made and in tests/unit/gguf_malformed_test.cpp.
// Every length and count is checked against the bytes that remain before anything is
// allocated from it.

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <bit>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "gguf/gguf_cursor.hpp"
#include "gguf/gguf_parser.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/ggml_types.hpp"

namespace vramcalc::gguf {

namespace {

// "GGUF" as bytes (docs/gguf.md: GGUF_MAGIC 0x46554747 little-endian).
constexpr std::array<char, 4> k_magic = {'G', 'G', 'U', 'F'};
// Default alignment of the data section: GGUF_DEFAULT_ALIGNMENT (ggml/src/gguf.cpp).
constexpr std::uint64_t k_default_alignment = 32;
// Smallest encodings (GGUF spec): a pair is a key length (8), a key byte (1), a type (4)
// and a 1-byte value; a tensor info is a name length (8), a name byte (1), n_dims (4), one
// dimension (8), a type (4) and an offset (8).
constexpr std::uint64_t k_min_kv_bytes = 8 + 1 + 4 + 1;
constexpr std::uint64_t k_min_tensor_info_bytes = 8 + 1 + 4 + 8 + 4 + 8;
// Removed ggml type ids, named so that the error says what the file holds (ggml.c type_traits
// marks them DEPRECATED with block size 0).
constexpr std::array<std::pair<std::uint32_t, std::string_view>, 8> k_removed_types = {{
    {4, "Q4_2"},
    {5, "Q4_3"},
    {31, "Q4_0_4_4"},
    {32, "Q4_0_4_8"},
    {33, "Q4_0_8_8"},
    {36, "IQ4_NL_4_4"},
    {37, "IQ4_NL_4_8"},
    {38, "IQ4_NL_8_8"},
}};
std::string at(std::uint64_t offset) {
  return " at offset " + std::to_string(offset);
}

bool valid_value_type(std::uint32_t raw) {
  return raw <= static_cast<std::uint32_t>(12);
}

// Bytes of one element of a fixed-size type; 0 for STRING and ARRAY.
std::uint64_t fixed_size(GgufValueType type) {
  switch (type) {
    case GgufValueType::uint8:
    case GgufValueType::int8:
    case GgufValueType::boolean:
      return 1;
    case GgufValueType::uint16:
    case GgufValueType::int16:
      return 2;
    case GgufValueType::uint32:
    case GgufValueType::int32:
    case GgufValueType::float32:
      return 4;
    case GgufValueType::uint64:
    case GgufValueType::int64:
    case GgufValueType::float64:
      return 8;
    case GgufValueType::string:
    case GgufValueType::array:
      return 0;
  }
  return 0;
}

// Smallest encoding of one element: a string is at least its length field, a nested array its
// type and count.
std::uint64_t min_element_bytes(GgufValueType type) {
  switch (type) {
    case GgufValueType::string:
      return 8;
    case GgufValueType::array:
      return 4 + 8;
    default:
      return fixed_size(type);
  }
}

// Appends the element encoded little-endian in `bytes` to the vector of `value` its type uses.
void append_scalar(GgufValue& value, GgufValueType type, const unsigned char* bytes) {
  std::uint64_t raw = 0;
  const std::uint64_t size = fixed_size(type);
  for (std::uint64_t i = 0; i < size; ++i) {
    raw |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
  }
  switch (type) {
    case GgufValueType::uint8:
    case GgufValueType::uint16:
    case GgufValueType::uint32:
    case GgufValueType::uint64:
      value.unsigned_values.push_back(raw);
      break;
    case GgufValueType::boolean:
      // llama.cpp reads bools as int8 and tests != 0.
      value.unsigned_values.push_back(raw != 0 ? 1 : 0);
      break;
    case GgufValueType::int8:
      value.signed_values.push_back(static_cast<std::int8_t>(static_cast<std::uint8_t>(raw)));
      break;
    case GgufValueType::int16:
      value.signed_values.push_back(static_cast<std::int16_t>(static_cast<std::uint16_t>(raw)));
      break;
    case GgufValueType::int32:
      value.signed_values.push_back(static_cast<std::int32_t>(static_cast<std::uint32_t>(raw)));
      break;
    case GgufValueType::int64:
      value.signed_values.push_back(static_cast<std::int64_t>(raw));
      break;
    case GgufValueType::float32:
      value.float_values.push_back(
          static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(raw))));
      break;
    case GgufValueType::float64:
      value.float_values.push_back(std::bit_cast<double>(raw));
      break;
    case GgufValueType::string:
    case GgufValueType::array:
      break;
  }
}

// Reads metadata values, keeping what fits the budget of k_gguf_max_kept_bytes.
class ValueReader {
 public:
  explicit ValueReader(Cursor& cursor) : m_cursor(cursor) {}

  /// Whether a string is kept: always (keys, names), while the budget allows, or never
  /// (elements of an array that is not kept).
  enum class Keep { always, if_budget, never };

  GgufValueType read_type(const std::string& what, std::string_view detail) {
    const std::uint64_t where = m_cursor.offset();
    const auto raw = m_cursor.read_uint<std::uint32_t>(what, detail);
    if (!valid_value_type(raw)) {
      fail(m_cursor.name(),
           what + std::string(detail) + " is " + std::to_string(raw) + at(where) +
               "; GGUF value types are 0..12",
           std::string(k_corrupt_hint));
    }
    return static_cast<GgufValueType>(raw);
  }

  /// Reads a string of at most `max_bytes`; a string that is not kept is skipped and nullopt
  /// returned.
  std::optional<std::string> read_string(const std::string& what, std::uint64_t max_bytes,
                                         Keep keep) {
    const std::uint64_t where = m_cursor.offset();
    const auto length = m_cursor.read_uint<std::uint64_t>(what, " length");
    if (length > max_bytes) {
      fail(m_cursor.name(),
           what + " length " + std::to_string(length) + at(where) + " exceeds the limit of " +
               std::to_string(max_bytes) + " bytes",
           std::string(k_corrupt_hint));
    }
    if (length > m_cursor.available()) {
      m_cursor.need(length, what, " of " + std::to_string(length) + " bytes");
    }
    if (keep == Keep::never ||
        (keep == Keep::if_budget && !charge(length + sizeof(std::string), length))) {
      m_cursor.skip(length, what);
      return std::nullopt;
    }
    std::string text(static_cast<std::size_t>(length), '\0');
    m_cursor.read(text.data(), text.size(), what);
    return text;
  }

  GgufValue read_value(GgufValueType type, const std::string& what, std::uint32_t depth) {
    GgufValue value;
    value.type = type;
    value.element_type = type;
    if (type == GgufValueType::array) {
      read_array(value, what, depth);
    } else if (type == GgufValueType::string) {
      auto text = read_string(what, k_gguf_max_string_bytes, Keep::if_budget);
      value.kept = text.has_value();
      if (text) {
        value.string_values.push_back(std::move(*text));
      }
    } else {
      std::array<unsigned char, 8> bytes{};
      m_cursor.read(bytes.data(), static_cast<std::size_t>(fixed_size(type)), what);
      append_scalar(value, type, bytes.data());
    }
    return value;
  }

 private:
  // Charges `bytes` to the keep budget when a string of `length` bytes may be kept and the
  // budget allows; false when the value is to be skipped.
  bool charge(std::uint64_t bytes, std::uint64_t length) {
    if (length > k_gguf_max_kept_string_bytes || bytes > k_gguf_max_kept_bytes - m_kept) {
      return false;
    }
    m_kept += bytes;
    return true;
  }

  void read_array(GgufValue& value, const std::string& what, std::uint32_t depth) {
    if (depth >= k_gguf_max_array_depth) {
      fail(m_cursor.name(),
           what + ": arrays nested more than " + std::to_string(k_gguf_max_array_depth) + " deep" +
               at(m_cursor.offset()),
           std::string(k_corrupt_hint));
    }
    const GgufValueType element = read_type(what, " element type");
    const std::uint64_t where = m_cursor.offset();
    const auto count = m_cursor.read_uint<std::uint64_t>(what, " element count");
    if (count > k_gguf_max_array_elements) {
      fail(m_cursor.name(),
           what + ": array of " + std::to_string(count) + " elements" + at(where) +
               " exceeds the limit of " + std::to_string(k_gguf_max_array_elements),
           std::string(k_corrupt_hint));
    }
    // count <= 2^30 and element sizes <= 12: the product cannot overflow.
    if (count * min_element_bytes(element) > m_cursor.available()) {
      m_cursor.need(count * min_element_bytes(element), what,
                    ": array of " + std::to_string(count) + " " +
                        std::string(gguf_value_type_name(element)) + " elements");
    }
    value.element_type = element;
    value.length = count;
    const bool keep =
        count <= k_gguf_max_kept_array_elements && charge(count * sizeof(std::uint64_t), 0);
    if (element == GgufValueType::string) {
      read_string_elements(value, what, count, keep);
    } else if (element == GgufValueType::array) {
      value.kept = keep;
      const std::string inner_label = what + "[]";
      for (std::uint64_t i = 0; i < count; ++i) {
        GgufValue inner = read_value(GgufValueType::array, inner_label, depth + 1);
        if (keep) {
          value.array_values.push_back(std::move(inner));
        }
      }
    } else {
      read_fixed_elements(value, what, count, keep);
    }
  }

  void read_fixed_elements(GgufValue& value, const std::string& what, std::uint64_t count,
                           bool keep) {
    const std::uint64_t size = fixed_size(value.element_type);
    value.kept = keep;
    if (!keep) {
      m_cursor.skip(count * size, what);
      return;
    }
    std::vector<unsigned char> bytes(static_cast<std::size_t>(count * size));
    m_cursor.read(bytes.data(), bytes.size(), what);
    for (std::uint64_t i = 0; i < count; ++i) {
      append_scalar(value, value.element_type, bytes.data() + i * size);
    }
  }

  // Keeps the strings while the array and the budget allow; the rest (all of a long array,
  // such as a tokenizer's vocabulary and merges) are skipped without being kept.
  void read_string_elements(GgufValue& value, const std::string& what, std::uint64_t count,
                            bool keep) {
    value.kept = keep;
    std::uint64_t done = 0;
    if (keep) {
      const std::string element = what + " element";
      for (; done < count && value.kept; ++done) {
        auto text = read_string(element, k_gguf_max_string_bytes, Keep::if_budget);
        if (text) {
          value.string_values.push_back(std::move(*text));
        } else {
          value.kept = false;
        }
      }
      if (!value.kept) {
        value.string_values.clear();
        value.string_values.shrink_to_fit();
      }
    }
    skip_string_elements(what, count - done);
  }

  // Skips `count` strings by walking their lengths in the cursor's window (nothing allocated,
  // copied or read per string). A string the walk stops at is read by read_string, whose
  // checks throw naming the offset and the limit at fault (too long, past the end of the
  // file or the header cap); the walk goes on after it should it not throw.
  void skip_string_elements(const std::string& what, std::uint64_t count) {
    std::uint64_t done = 0;
    while (done < count) {
      done += m_cursor.skip_strings(count - done, k_gguf_max_string_bytes);
      if (done < count) {
        static_cast<void>(read_string(what + " element", k_gguf_max_string_bytes, Keep::never));
        ++done;
      }
    }
  }

  Cursor& m_cursor;
  std::uint64_t m_kept = 0;
};

void check_version(const Cursor& cursor, std::uint32_t version) {
  const std::string& name = cursor.name();
  // A file written on a big-endian host has its version bytes swapped: llama.cpp detects it
  // by `(version & 0x0000FFFF) == 0` (gguf.cpp).
  if (version != 0 && (version & 0x0000FFFFU) == 0) {
    fail(name,
         "byte-swapped (big-endian) GGUF file: version field " + std::to_string(version) +
             " at offset 4",
         "only little-endian GGUF files are supported; convert the model on a little-endian "
         "machine");
  }
  if (version == 1) {
    fail(name, "GGUF version 1 at offset 4 is not supported (32-bit counts, pre-2023-10)",
         "convert the model again with a current llama.cpp (GGUF v3)");
  }
  if (version != 2 && version != 3) {
    fail(name, "unsupported GGUF version " + std::to_string(version) + " at offset 4",
         "versions 2 and 3 are supported");
  }
}

void check_counts(const Cursor& cursor, std::uint64_t n_tensors, std::uint64_t n_kv) {
  const std::string& name = cursor.name();
  if (n_tensors > k_gguf_max_tensors) {
    fail(name,
         "tensor count " + std::to_string(n_tensors) + " at offset 8 exceeds the limit of " +
             std::to_string(k_gguf_max_tensors),
         std::string(k_corrupt_hint));
  }
  if (n_kv > k_gguf_max_kv) {
    fail(name,
         "metadata count " + std::to_string(n_kv) + " at offset 16 exceeds the limit of " +
             std::to_string(k_gguf_max_kv),
         std::string(k_corrupt_hint));
  }
  // Both are at most 2^20 here: no overflow.
  const std::uint64_t least = n_kv * k_min_kv_bytes + n_tensors * k_min_tensor_info_bytes;
  if (least > cursor.available()) {
    fail(name,
         "truncated: " + std::to_string(n_kv) + " metadata pairs and " + std::to_string(n_tensors) +
             " tensor infos (counts at offsets 16 and 8) need at " + "least " +
             std::to_string(least) + " bytes but only " + std::to_string(cursor.available()) +
             " remain",
         "the counts are corrupt or the file is incomplete; download it again");
  }
}

std::vector<GgufKv> read_metadata(Cursor& cursor, ValueReader& values, std::uint64_t n_kv) {
  std::vector<GgufKv> metadata;
  metadata.reserve(static_cast<std::size_t>(n_kv));
  // Views of the keys already stored: `metadata` never reallocates (reserved above).
  std::unordered_map<std::string_view, std::uint64_t> seen;
  seen.reserve(static_cast<std::size_t>(n_kv));
  for (std::uint64_t i = 0; i < n_kv; ++i) {
    GgufKv kv;
    kv.offset = cursor.offset();
    const std::string what = "metadata key #" + std::to_string(i);
    kv.key = *values.read_string(what, k_gguf_max_key_bytes, ValueReader::Keep::always);
    if (kv.key.empty()) {
      fail(cursor.name(), what + " is empty" + at(kv.offset), std::string(k_corrupt_hint));
    }
    if (const auto it = seen.find(kv.key); it != seen.end()) {
      fail(cursor.name(),
           "duplicate metadata key " + quoted(kv.key) + at(kv.offset) + " (first at offset " +
               std::to_string(it->second) + ")",
           "a file must not define a key twice; convert the model again");
    }
    const std::string label = "metadata " + quoted(kv.key);
    const GgufValueType type = values.read_type(label, " value type");
    kv.value = values.read_value(type, label, 0);
    metadata.push_back(std::move(kv));
    seen.emplace(metadata.back().key, metadata.back().offset);
  }
  return metadata;
}

std::uint64_t read_alignment(const Cursor& cursor, const std::vector<GgufKv>& metadata) {
  for (const GgufKv& kv : metadata) {
    if (kv.key != "general.alignment") {
      continue;
    }
    // llama.cpp requires UINT32 and a non-zero power of two (gguf.cpp).
    if (kv.value.type != GgufValueType::uint32) {
      fail(cursor.name(),
           "general.alignment" + at(kv.offset) + " has type " +
               std::string(gguf_value_type_name(kv.value.type)) + "; UINT32 is required",
           std::string(k_corrupt_hint));
    }
    const std::uint64_t alignment = kv.value.unsigned_values.at(0);
    if (!std::has_single_bit(alignment) || alignment > k_gguf_max_alignment) {
      fail(cursor.name(),
           "general.alignment" + at(kv.offset) + " is " + std::to_string(alignment) +
               "; a power of two up to " + std::to_string(k_gguf_max_alignment) + " is required",
           std::string(k_corrupt_hint));
    }
    return alignment;
  }
  return k_default_alignment;
}

std::string_view removed_type_name(std::uint32_t id) {
  for (const auto& [removed, name] : k_removed_types) {
    if (removed == id) {
      return name;
    }
  }
  return {};
}

const GgmlType& read_tensor_type(Cursor& cursor, const std::string& label) {
  const std::uint64_t where = cursor.offset();
  const auto id = cursor.read_uint<std::uint32_t>(label, " type");
  const GgmlType* type = ggml_type_by_id(id);
  if (type != nullptr) {
    return *type;
  }
  const std::string_view removed = removed_type_name(id);
  if (!removed.empty()) {
    fail(cursor.name(),
         label + " has ggml type " + std::to_string(id) + " (" + std::string(removed) +
             "), which ggml removed" + at(where),
         "requantize the model with a current llama.cpp");
  }
  fail(cursor.name(), label + " has unknown ggml type " + std::to_string(id) + at(where),
       "the file is damaged, or newer than this vramcalc knows (types 0-41)");
}

void read_shape(Cursor& cursor, GgufTensor& tensor, const std::string& label) {
  const std::uint64_t dims_at = cursor.offset();
  const auto n_dims = cursor.read_uint<std::uint32_t>(label, " n_dims");
  if (n_dims == 0 || n_dims > k_gguf_max_dims) {
    fail(cursor.name(),
         label + " has " + std::to_string(n_dims) + " dimensions" + at(dims_at) +
             "; 1 to 4 are allowed (GGML_MAX_DIMS)",
         std::string(k_corrupt_hint));
  }
  std::uint64_t elements = 1;
  for (std::uint32_t d = 0; d < n_dims; ++d) {
    const std::uint64_t where = cursor.offset();
    const auto dim = cursor.read_uint<std::uint64_t>(label, " dimension");
    if (dim == 0 || dim > k_gguf_max_dim) {
      fail(cursor.name(),
           label + " dimension " + std::to_string(d) + " is " + std::to_string(dim) + at(where) +
               "; it must be between 1 and 2^63-1",
           std::string(k_corrupt_hint));
    }
    // Checked per dimension (llama.cpp issue #27203: never gate the check on the product).
    const auto product = try_mul(elements, dim);
    if (!product || *product > k_gguf_max_dim) {
      fail(cursor.name(),
           label + " has more than 2^63-1 elements (dimension " + std::to_string(d) + " = " +
               std::to_string(dim) + at(where) + ")",
           std::string(k_corrupt_hint));
    }
    elements = *product;
    tensor.shape.push_back(dim);
  }
  tensor.elements = elements;
}

GgufTensor read_tensor_info(Cursor& cursor, ValueReader& values, std::uint64_t index,
                            std::uint64_t alignment) {
  GgufTensor tensor;
  const std::uint64_t name_at = cursor.offset();
  const std::string what = "tensor #" + std::to_string(index) + " name";
  tensor.name = *values.read_string(what, k_gguf_max_tensor_name_bytes, ValueReader::Keep::always);
  if (tensor.name.empty()) {
    fail(cursor.name(), what + " is empty" + at(name_at), std::string(k_corrupt_hint));
  }
  const std::string label = "tensor " + quoted(tensor.name);
  read_shape(cursor, tensor, label);
  const std::uint64_t type_at = cursor.offset();
  const GgmlType& type = read_tensor_type(cursor, label);
  tensor.type_id = type.id;
  if (tensor.shape[0] % type.block_elements != 0) {
    fail(cursor.name(),
         label + " first dimension " + std::to_string(tensor.shape[0]) +
             " is not a multiple of the " + std::string(type.name) + " block of " +
             std::to_string(type.block_elements) + " elements (type" + at(type_at) + ")",
         std::string(k_corrupt_hint));
  }
  // (ne0 / block) * block_bytes * ne1 * ne2 * ne3, checked at every step (CVE-2026-33298).
  std::optional<std::uint64_t> bytes =
      try_mul(tensor.shape[0] / type.block_elements, type.block_bytes);
  for (std::size_t d = 1; d < tensor.shape.size() && bytes; ++d) {
    bytes = try_mul(*bytes, tensor.shape[d]);
  }
  if (!bytes) {
    fail(cursor.name(), label + " takes more than 2^64 bytes (type" + at(type_at) + ")",
         std::string(k_corrupt_hint));
  }
  tensor.bytes = *bytes;
  const std::uint64_t offset_at = cursor.offset();
  tensor.offset = cursor.read_uint<std::uint64_t>(label, " data offset");
  if (tensor.offset % alignment != 0) {
    fail(cursor.name(),
         label + " data offset " + std::to_string(tensor.offset) + at(offset_at) +
             " is not a multiple of the alignment " + std::to_string(alignment),
         std::string(k_corrupt_hint));
  }
  return tensor;
}

std::vector<GgufTensor> read_tensor_infos(Cursor& cursor, ValueReader& values,
                                          std::uint64_t n_tensors, std::uint64_t alignment) {
  std::vector<GgufTensor> tensors;
  tensors.reserve(static_cast<std::size_t>(n_tensors));
  // Views of the names already stored: `tensors` never reallocates (reserved above).
  std::unordered_set<std::string_view> seen;
  seen.reserve(static_cast<std::size_t>(n_tensors));
  for (std::uint64_t i = 0; i < n_tensors; ++i) {
    const std::uint64_t where = cursor.offset();
    GgufTensor tensor = read_tensor_info(cursor, values, i, alignment);
    if (seen.count(tensor.name) != 0) {
      fail(cursor.name(), "duplicate tensor name " + quoted(tensor.name) + at(where),
           "a file must not hold two tensors of one name; convert the model again");
    }
    tensors.push_back(std::move(tensor));
    seen.insert(tensors.back().name);
  }
  return tensors;
}

// Tensor data must lie inside the file (llama-model-loader: "tensor data is not within the
// file bounds") and tensors must not overlap (gguf.cpp: each offset is the padded end of the
// tensor before it).
void check_data_layout(const Cursor& cursor, const GgufHeader& header) {
  const std::string& name = cursor.name();
  std::vector<std::size_t> order(header.tensors.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return header.tensors[a].offset < header.tensors[b].offset;
  });
  for (std::size_t k = 0; k < order.size(); ++k) {
    const GgufTensor& tensor = header.tensors[order[k]];
    const auto start = try_add(header.data_start, tensor.offset);
    const auto end = start ? try_add(*start, tensor.bytes) : std::nullopt;
    if (!end || *end > header.file_size) {
      fail(name,
           "tensor " + quoted(tensor.name) + " data (offset " + std::to_string(tensor.offset) +
               ", " + std::to_string(tensor.bytes) + " bytes, from data start " +
               std::to_string(header.data_start) + ") lies past the end of the file (" +
               std::to_string(header.file_size) + " bytes)",
           "the file is truncated; download it again");
    }
    if (k > 0) {
      const GgufTensor& previous = header.tensors[order[k - 1]];
      // previous.offset + previous.bytes fits: it was bounded by the file size just before.
      if (tensor.offset < previous.offset + previous.bytes) {
        fail(name,
             "tensors " + quoted(previous.name) + " and " + quoted(tensor.name) +
                 " overlap: data offset " + std::to_string(tensor.offset) + " lies inside [" +
                 std::to_string(previous.offset) + ", " +
                 std::to_string(previous.offset + previous.bytes) + ")",
             std::string(k_corrupt_hint));
      }
    }
  }
}

}  // namespace

std::string quoted(std::string_view text) {
  constexpr std::size_t k_max_shown = 80;
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < k_max_shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += k_hex[c >> 4];
      out += k_hex[c & 0xf];
    }
  }
  if (text.size() > k_max_shown) {
    out += "...";
  }
  out += "'";
  return out;
}

void fail(const std::string& source, const std::string& message, const std::string& hint) {
  throw Error(ErrorKind::file, source + ": " + message, hint);
}

GgufHeader parse_header(const io::ByteSource& source) {
  Cursor cursor(source);
  GgufHeader header;
  header.source = source.name();
  header.file_size = source.size();
  if (header.file_size < 4) {
    fail(source.name(),
         "not a GGUF file: " + std::to_string(header.file_size) +
             " bytes, too short for the "
             "magic at offset 0",
         "name a .gguf model file");
  }
  std::array<char, 4> magic{};
  cursor.read(magic.data(), magic.size(), "magic");
  if (magic != k_magic) {
    fail(source.name(),
         "not a GGUF file: magic " + quoted({magic.data(), magic.size()}) +
             " at offset 0, 'GGUF' expected",
         "name a .gguf model file");
  }
  header.version = cursor.read_uint<std::uint32_t>("version");
  check_version(cursor, header.version);
  const auto n_tensors = cursor.read_uint<std::uint64_t>("tensor count");
  const auto n_kv = cursor.read_uint<std::uint64_t>("metadata count");
  check_counts(cursor, n_tensors, n_kv);

  ValueReader values(cursor);
  header.metadata = read_metadata(cursor, values, n_kv);
  header.alignment = read_alignment(cursor, header.metadata);
  header.tensors = read_tensor_infos(cursor, values, n_tensors, header.alignment);
  header.tensor_info_end = cursor.offset();
  // The header is below k_gguf_max_header_bytes: aligning it up cannot overflow.
  header.data_start = round_up(header.tensor_info_end, header.alignment);
  check_data_layout(cursor, header);
  return header;
}

}  // namespace vramcalc::gguf

namespace vramcalc {

GgufHeader read_gguf_header(const std::string& path) {
  const auto source = io::open_file(path);
  return gguf::parse_header(*source);
}

bool is_gguf_file(const std::string& path) {
  // By name first: a FIFO is not even opened (opening it would release a waiting writer).
  struct stat named {};
  if (::stat(path.c_str(), &named) != 0 || !S_ISREG(named.st_mode)) {
    return false;
  }
  try {
    const auto source = io::open_file(path);
    std::array<char, 4> magic{};
    if (source->size() < magic.size()) {
      return false;
    }
    source->read(0, magic.data(), magic.size());
    return magic == gguf::k_magic;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace vramcalc
