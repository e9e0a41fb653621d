#include "safetensors/safetensors_header.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "safetensors/fast_json.hpp"
#include "safetensors/strict_json.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc::safetensors {

namespace {

using Json = nlohmann::json;

struct DtypeRow {
  std::string_view name;
  std::uint32_t bits;
};

// Every dtype of the reference implementation with its size in bits: huggingface/safetensors
// safetensors/src/tensor.rs `enum Dtype` and `Dtype::bitsize`. F4 is MX FP4
// E2M1; F6_* are the MX FP6 types; F8_E8M0 is the MX scale type; C64 is two F32.
constexpr auto k_dtypes = std::to_array<DtypeRow>({
    {"BOOL", 8},    {"F4", 4},       {"F6_E2M3", 6}, {"F6_E3M2", 6}, {"U8", 8},
    {"I8", 8},      {"F8_E5M2", 8},  {"F8_E4M3", 8}, {"F8_E8M0", 8}, {"I16", 16},
    {"U16", 16},    {"F16", 16},     {"BF16", 16},   {"I32", 32},    {"U32", 32},
    {"F32", 32},    {"C64", 64},     {"F64", 64},    {"I64", 64},    {"U64", 64},
});

std::string known_dtypes() {
  std::string out;
  for (const DtypeRow& row : k_dtypes) {
    out += out.empty() ? "" : ", ";
    out += row.name;
  }
  return out;
}

// The shortest tensor entry: "":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}, and a comma.
constexpr std::uint64_t k_min_entry_bytes = 51;

const char* const k_header_hint =
    "the file is damaged, truncated or not a safetensors file; download it again";

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    out += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
  }
  return out + "]";
}

std::string offsets_text(std::uint64_t begin, std::uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

enum class Context { root, metadata, tensor, shape, offsets, ignored };

// What the next value of the document stands for.
enum class Slot { document, entry, metadata_value, dtype, shape, offsets, shape_item,
                  offset_item, ignored };

struct PendingTensor {
  std::string name;
  std::optional<std::string> dtype;
  bool has_shape = false;
  std::vector<std::uint64_t> shape;
  bool has_offsets = false;
  std::array<std::uint64_t, 2> offsets{};  // [begin, end]; more is an error
  std::size_t offset_count = 0;
};

// Builds the tensors and metadata from nlohmann's SAX events, checking the schema as it goes.
class HeaderReader {
 public:
  HeaderReader(const std::string& source, Header& header, const char* begin,
               const char* const* furthest)
      : m_source(source), m_header(header), m_begin(begin), m_furthest(furthest) {}

  bool null() { return scalar("null"); }
  bool boolean(bool /*value*/) { return scalar("a boolean"); }
  bool number_integer(Json::number_integer_t value) {
    if (value >= 0) {
      return number_unsigned(static_cast<std::uint64_t>(value));
    }
    return number_text(std::to_string(value), "negative");
  }
  bool number_unsigned(Json::number_unsigned_t value);
  bool number_float(Json::number_float_t /*value*/, const std::string& text) {
    return number_text(printable(text), "not an integer below 2^64");
  }
  bool string(std::string& value);
  bool binary(Json::binary_t& /*value*/) { return scalar("binary data"); }
  bool start_object(std::size_t /*elements*/);
  bool key(std::string& key);
  bool end_object();
  bool start_array(std::size_t /*elements*/);
  bool end_array();
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) {
    throw Error(ErrorKind::file,
                m_source + ": header is not valid JSON at header byte " +
                    std::to_string(position) + " (file offset " + std::to_string(8 + position) +
                    "): " + printable(error.what()),
                k_header_hint);
  }

 private:
  // Bytes the lexer has read: the current token ends there or one byte before.
  [[nodiscard]] std::size_t position() const {
    return static_cast<std::size_t>(*m_furthest - m_begin);
  }
  // A problem with the value just read: says where the parser stands.
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorKind::file,
                m_source + ": " + what + " (near header byte " + std::to_string(position()) +
                    ", file offset " + std::to_string(8 + position()) + ")",
                k_header_hint);
  }
  [[noreturn]] void fail_tensor(const std::string& what) const {
    fail("tensor " + quote_name(m_tensor.name) + ": " + what);
  }
  // A problem with the whole entry of the current tensor: says where the entry starts.
  [[noreturn]] void fail_entry(const std::string& what) const {
    throw Error(ErrorKind::file,
                m_source + ": tensor " + quote_name(m_tensor.name) + " (entry at header byte " +
                    std::to_string(m_tensor_at) + ", file offset " +
                    std::to_string(8 + m_tensor_at) + "): " + what,
                k_header_hint);
  }

  [[nodiscard]] Slot next_slot() const;
  void open(Context context, bool object);
  bool scalar(const char* what);
  bool number_text(const std::string& text, const char* problem);
  void finish_tensor();

  const std::string& m_source;
  Header& m_header;
  const char* m_begin;
  const char* const* m_furthest;
  detail::FrameStack<Context> m_frames;
  PendingTensor m_tensor;
  std::size_t m_tensor_at = 0;  // header byte of the current entry's '{'
  std::unordered_set<std::string_view> m_names;  // names in m_header.tensors
  bool m_seen_metadata = false;
};

Slot HeaderReader::next_slot() const {
  if (m_frames.empty()) {
    return Slot::document;
  }
  const auto& top = m_frames.top();
  switch (top.context) {
    case Context::root:
      return Slot::entry;
    case Context::metadata:
      return Slot::metadata_value;
    case Context::tensor:
      if (top.key == "dtype") {
        return Slot::dtype;
      }
      if (top.key == "shape") {
        return Slot::shape;
      }
      if (top.key == "data_offsets") {
        return Slot::offsets;
      }
      // Unknown fields are ignored, as the reference implementation's serde structs do.
      return Slot::ignored;
    case Context::shape:
      return Slot::shape_item;
    case Context::offsets:
      return Slot::offset_item;
    case Context::ignored:
      return Slot::ignored;
  }
  return Slot::ignored;
}

void HeaderReader::open(Context context, bool object) {
  if (!m_frames.push(context, object)) {
    const std::string inside =
        m_tensor.name.empty() ? std::string() : " (in tensor " + quote_name(m_tensor.name) + ")";
    fail("header nests deeper than " + std::to_string(k_max_json_depth) + " levels" + inside);
  }
}

// A value that is not what its slot needs (null, boolean, string or number out of place).
bool HeaderReader::scalar(const char* what) {
  switch (next_slot()) {
    case Slot::ignored:
      return true;
    case Slot::document:
      fail(std::string("header is ") + what + ", not a JSON object");
    case Slot::entry:
      if (m_frames.top().key == "__metadata__" && std::string(what) == "null") {
        return true;  // `"__metadata__": null` is an absent map (an Option in the reference).
      }
      fail("entry " + quote_name(m_frames.top().key) + " is " + what + ", not an object");
    case Slot::metadata_value:
      fail("__metadata__ value of " + quote_name(m_frames.top().key) + " is " + what +
           ", not a string");
    case Slot::dtype:
      fail_tensor(std::string("dtype is ") + what + ", not a string");
    case Slot::shape:
    case Slot::offsets:
      fail_tensor(m_frames.top().key + " is " + what + ", not a list of integers");
    case Slot::shape_item:
      fail_tensor("shape entry " + std::to_string(m_tensor.shape.size()) + " is " + what +
                  ", not a non-negative integer");
    case Slot::offset_item:
      fail_tensor("data_offsets entry " + std::to_string(m_tensor.offset_count) + " is " +
                  what + ", not a non-negative integer");
  }
  return true;
}

bool HeaderReader::number_text(const std::string& text, const char* problem) {
  const Slot slot = next_slot();
  if (slot == Slot::shape_item) {
    fail_tensor("shape entry " + std::to_string(m_tensor.shape.size()) + " is " + text + ": " +
                problem);
  }
  if (slot == Slot::offset_item) {
    fail_tensor("data_offsets entry " + std::to_string(m_tensor.offset_count) + " is " +
                text + ": " + problem);
  }
  return scalar("a number");
}

bool HeaderReader::number_unsigned(Json::number_unsigned_t value) {
  switch (next_slot()) {
    case Slot::shape_item:
      if (m_tensor.shape.size() >= k_max_dims) {
        fail_tensor("shape has more than " + std::to_string(k_max_dims) + " dimensions");
      }
      m_tensor.shape.push_back(value);
      return true;
    case Slot::offset_item:
      if (m_tensor.offset_count >= 2) {
        fail_tensor("data_offsets has more than 2 entries");
      }
      m_tensor.offsets[m_tensor.offset_count++] = value;
      return true;
    default:
      return scalar("a number");
  }
}

bool HeaderReader::string(std::string& value) {
  switch (next_slot()) {
    case Slot::dtype:
      m_tensor.dtype = std::move(value);  // nlohmann's SAX interface lets values be moved
      return true;
    case Slot::metadata_value:
      m_header.metadata[m_frames.top().key] = std::move(value);
      return true;
    default:
      return scalar("a string");
  }
}

bool HeaderReader::start_object(std::size_t /*elements*/) {
  switch (next_slot()) {
    case Slot::document:
      open(Context::root, true);
      return true;
    case Slot::entry: {
      const std::string& name = m_frames.top().key;
      if (name == "__metadata__") {
        open(Context::metadata, true);
        return true;
      }
      if (m_header.tensors.size() >= k_max_tensors) {
        fail("header lists more than " + std::to_string(k_max_tensors) + " tensors");
      }
      m_tensor = PendingTensor{};
      m_tensor.name = name;
      m_tensor_at = position() - 1;  // the lexer has just read the '{'
      open(Context::tensor, true);
      return true;
    }
    case Slot::ignored:
      open(Context::ignored, true);
      return true;
    default:
      return scalar("an object");
  }
}

bool HeaderReader::start_array(std::size_t /*elements*/) {
  switch (next_slot()) {
    case Slot::shape:
      m_tensor.has_shape = true;
      open(Context::shape, false);
      return true;
    case Slot::offsets:
      m_tensor.has_offsets = true;
      open(Context::offsets, false);
      return true;
    case Slot::ignored:
      open(Context::ignored, false);
      return true;
    default:
      return scalar("a list");
  }
}

bool HeaderReader::key(std::string& key) {
  if (m_frames.top().context == Context::root) {
    // The tensors: up to k_max_tensors names, looked up among views of the names already
    // stored rather than copied into a set of their own.
    m_frames.set_key(key);
    const bool seen = key == "__metadata__" ? std::exchange(m_seen_metadata, true)
                                            : m_names.count(key) != 0;
    if (!seen) {
      return true;
    }
  } else if (m_frames.add_key(key)) {
    return true;
  }
  switch (m_frames.top().context) {
    case Context::root:
      fail(key == "__metadata__" ? std::string("__metadata__ appears twice")
                                 : "tensor " + quote_name(key) + " is listed twice");
    case Context::metadata:
      fail("__metadata__ key " + quote_name(key) + " appears twice");
    case Context::tensor:
      fail_tensor("key " + quote_name(key) + " appears twice");
    default:
      fail("key " + quote_name(key) + " appears twice in an object" +
           (m_tensor.name.empty() ? std::string() : " inside tensor " + quote_name(m_tensor.name)));
  }
}

bool HeaderReader::end_object() {
  const Context context = m_frames.top().context;
  m_frames.pop();
  if (context == Context::tensor) {
    finish_tensor();
  }
  return true;
}

bool HeaderReader::end_array() {
  m_frames.pop();
  return true;
}

void HeaderReader::finish_tensor() {
  if (!m_tensor.dtype) {
    fail_entry("has no dtype");
  }
  if (!m_tensor.has_shape) {
    fail_entry("has no shape");
  }
  if (!m_tensor.has_offsets) {
    fail_entry("has no data_offsets");
  }
  if (m_tensor.offset_count != 2) {
    fail_entry("data_offsets has " + std::to_string(m_tensor.offset_count) +
                " entries, not 2 ([begin, end])");
  }
  const std::uint64_t begin = m_tensor.offsets[0];
  const std::uint64_t end = m_tensor.offsets[1];
  // Messages are built only on failure: a header lists up to k_max_tensors entries.
  const auto where = [&] { return "data_offsets " + offsets_text(begin, end); };
  const std::uint32_t bits = dtype_bits(*m_tensor.dtype);
  if (bits == 0) {
    fail_entry("unknown dtype " + quote_name(*m_tensor.dtype) + " at " + where() + " (known: " +
                known_dtypes() + ")");
  }
  // Per-dimension checked products: never test the product after it may have wrapped
  // (syoyo/safetensors-cpp, google-ai-edge/LiteRT PR #9254: a product wrapping to 0 skipped the
  // checks).
  std::uint64_t elements = 1;
  for (const std::uint64_t dim : m_tensor.shape) {
    const auto product = try_mul(elements, dim);
    if (!product) {
      fail_entry("shape " + shape_text(m_tensor.shape) + " at " + where() +
                  " has more than 2^64 elements");
    }
    elements = *product;
  }
  if (end < begin) {
    fail_entry(where() + " end before they begin");
  }
  const auto nbits = try_mul(elements, bits);
  if (!nbits) {
    fail_entry("shape " + shape_text(m_tensor.shape) + " of " + *m_tensor.dtype + " at " +
                where() + " has more than 2^64 bits");
  }
  if (*nbits % 8 != 0) {
    fail_entry("shape " + shape_text(m_tensor.shape) + " of " + *m_tensor.dtype + " at " +
                where() + " is " + std::to_string(*nbits) + " bits, not whole bytes");
  }
  const std::uint64_t bytes = *nbits / 8;
  if (end - begin != bytes) {
    fail_entry(where() + " hold " + std::to_string(end - begin) + " bytes but shape " +
                shape_text(m_tensor.shape) + " of " + *m_tensor.dtype + " needs " +
                std::to_string(bytes));
  }
  SafetensorsTensor tensor;
  tensor.name = std::move(m_tensor.name);
  tensor.dtype = std::move(*m_tensor.dtype);
  tensor.shape = std::move(m_tensor.shape);
  tensor.elements = elements;
  tensor.bytes = bytes;
  tensor.data_begin = begin;
  const auto* before = m_header.tensors.data();
  m_header.tensors.push_back(std::move(tensor));
  if (m_header.tensors.data() == before) {
    m_names.insert(m_header.tensors.back().name);
  } else {  // reallocated (more entries than reserved for): the old views moved
    m_names.clear();
    for (const SafetensorsTensor& stored : m_header.tensors) {
      m_names.insert(stored.name);
    }
  }
  m_tensor = PendingTensor{};
}

// Rule 6-7 of the reference validation: sorted by offsets, tensors tile the data section
// exactly: the first begins at 0, each begins where the previous ends, the last ends at the end
// of the file.
void check_layout(const std::string& source, Header& header) {
  auto& tensors = header.tensors;
  const auto before = [](const SafetensorsTensor& a, const SafetensorsTensor& b) {
    return a.data_begin != b.data_begin ? a.data_begin < b.data_begin : a.bytes < b.bytes;
  };
  if (!std::is_sorted(tensors.begin(), tensors.end(), before)) {
    // Sorted by index, then moved once: a stable sort of the entries themselves would move
    // each of them log n times.
    std::vector<std::size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return before(tensors[a], tensors[b]); });
    std::vector<SafetensorsTensor> sorted;
    sorted.reserve(tensors.size());
    for (const std::size_t i : order) {
      sorted.push_back(std::move(tensors[i]));
    }
    tensors = std::move(sorted);
  }
  const std::uint64_t data_start = 8 + header.header_bytes;
  const auto file_offset = [&](std::uint64_t data_offset) {
    const auto at = try_add(data_start, data_offset);
    return at ? " (file offset " + std::to_string(*at) + ")" : std::string();
  };
  const auto fail = [&](const std::string& what) {
    throw Error(ErrorKind::file, source + ": " + what, k_header_hint);
  };
  std::uint64_t expected = 0;
  const SafetensorsTensor* previous = nullptr;
  for (const SafetensorsTensor& tensor : tensors) {
    const std::uint64_t end = tensor.data_begin + tensor.bytes;  // == data_offsets end
    const auto name = [&] {
      return "tensor " + quote_name(tensor.name) + " at data_offsets " +
             offsets_text(tensor.data_begin, end);
    };
    if (end > header.data_bytes) {
      fail(name() + " runs past the end of the data section, which holds " +
           std::to_string(header.data_bytes) + " bytes" + file_offset(header.data_bytes) +
           " (file size " + std::to_string(header.file_bytes) + ")");
    }
    if (tensor.data_begin > expected) {
      fail(name() + " leaves a gap: data bytes [" + std::to_string(expected) + ", " +
           std::to_string(tensor.data_begin) + ")" + file_offset(expected) +
           " belong to no tensor" +
           (previous ? " (the previous tensor, " + quote_name(previous->name) + ", ends at " +
                           std::to_string(expected) + ")"
                     : std::string()));
    }
    if (tensor.data_begin < expected) {
      fail(name() + " overlaps " + quote_name(previous->name) + ", which ends at data offset " +
           std::to_string(expected) + file_offset(expected));
    }
    expected = end;
    previous = &tensor;
  }
  if (expected != header.data_bytes) {
    fail("the tensors end at data offset " + std::to_string(expected) + file_offset(expected) +
         " but the file goes on for " + std::to_string(header.data_bytes - expected) +
         " more bytes (file size " + std::to_string(header.file_bytes) +
         "); the last offset must be the end of the file");
  }
}

}  // namespace

std::uint32_t dtype_bits(const std::string& name) {
  for (const DtypeRow& row : k_dtypes) {
    if (name == row.name) {
      return row.bits;
    }
  }
  return 0;
}

std::string printable(std::string_view text, bool escape_non_ascii) {
  constexpr std::size_t k_shown = 200;  // long enough for any real tensor or file name
  constexpr const char* k_hex = "0123456789abcdef";
  const auto escape = [&](std::string& out, unsigned char byte) {
    out += "\\x";
    out += k_hex[byte >> 4U];
    out += k_hex[byte & 0xfU];
  };
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < k_shown; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0U;
    if (byte == 0xc2 && next >= 0x80 && next <= 0x9f) {
      // A C1 control (U+0080..U+009F, e.g. CSI) in UTF-8: terminals may act on it too.
      escape(out, byte);
      escape(out, static_cast<unsigned char>(next));
      ++i;
    } else if (byte < 0x20 || byte == 0x7f || (escape_non_ascii && byte >= 0x80)) {
      escape(out, byte);
    } else {
      out += static_cast<char>(byte);
    }
  }
  if (text.size() > k_shown) {
    out += "...";
  }
  return out;
}

std::string quote_name(std::string_view text) {
  return "'" + printable(text, false) + "'";
}

Header parse_header(const io::ByteSource& source) {
  return parse_header(source, JsonPath::fast);
}

Header parse_header(const io::ByteSource& source, JsonPath path) {
  const std::string& name = source.name();
  const auto fail = [&](const std::string& what) {
    throw Error(ErrorKind::file, name + ": " + what, k_header_hint);
  };
  Header header;
  header.file_bytes = source.size();
  if (header.file_bytes < 8) {
    fail("the file has " + std::to_string(header.file_bytes) +
         " bytes, too few for the 8-byte header length");
  }
  std::array<unsigned char, 8> length{};
  source.read(0, length.data(), length.size());
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < length.size(); ++i) {
    n |= static_cast<std::uint64_t>(length[i]) << (8 * i);  // little-endian
  }
  if (n > k_max_header_bytes) {
    fail("header length " + std::to_string(n) + " (at file offset 0) is over the limit of " +
         std::to_string(k_max_header_bytes) + " bytes (64 MiB)");
  }
  if (n > header.file_bytes - 8) {
    fail("header length " + std::to_string(n) + " (at file offset 0) runs past the end of the "
         "file: 8 + " + std::to_string(n) + " > " + std::to_string(header.file_bytes) + " bytes");
  }
  header.header_bytes = n;
  header.data_bytes = header.file_bytes - 8 - n;

  std::string text(static_cast<std::size_t>(n), '\0');
  source.read(8, text.data(), text.size());
  // Room for as many entries as the text can hold, so that the stored names do not move while
  // the reader keeps views of them (it copes if they do).
  header.tensors.reserve(static_cast<std::size_t>(
      std::min<std::uint64_t>(k_max_tensors, n / k_min_entry_bytes + 1)));
  const char* furthest = text.data();
  bool read = false;
  try {
    HeaderReader fast(name, header, text.data(), &furthest);
    read = path == JsonPath::fast && detail::fast_sax_parse(text, fast, &furthest);
  } catch (const Error&) {
    read = false;  // the reference reader below says what is wrong, and where
  }
  if (!read) {
    header.tensors.clear();
    header.metadata.clear();
    furthest = text.data();
    HeaderReader reader(name, header, text.data(), &furthest);
    // strict: nothing but whitespace may follow the object (writers pad with spaces).
    Json::sax_parse(detail::CountingIterator(text.data(), &furthest),
                    detail::CountingIterator(text.data() + text.size(), nullptr), &reader,
                    Json::input_format_t::json, true, false);
  }
  check_layout(name, header);
  return header;
}

}  // namespace vramcalc::safetensors
