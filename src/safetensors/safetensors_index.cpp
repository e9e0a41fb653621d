// model.safetensors.index.json: {"metadata": {"total_size": N, ...}, "weight_map": {tensor:
// shard file}}. Source: huggingface_hub src/huggingface_hub/serialization/_base.py
// (`split_state_dict_into_shards_factory`) and huggingface/safetensors
// docs/source/metadata_parsing.mdx.
#include <nlohmann/json.hpp>
#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>

#include "safetensors/safetensors_header.hpp"
#include "safetensors/fast_json.hpp"
#include "safetensors/strict_json.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc::safetensors {

namespace {

using Json = nlohmann::json;

const char* const k_index_hint =
    "the index is damaged or was edited; download it again, or name the shard files' folder "
    "without an index";

enum class Context { root, metadata, weight_map, ignored };

class IndexReader {
 public:
  IndexReader(const std::string& source, Index& index, const char* begin,
              const char* const* furthest)
      : m_source(source), m_index(index), m_begin(begin), m_furthest(furthest) {}

  bool null() { return value("null"); }
  bool boolean(bool /*value*/) { return value("a boolean"); }
  bool number_integer(Json::number_integer_t /*value*/) { return value("a number"); }
  bool number_unsigned(Json::number_unsigned_t number) {
    if (in(Context::metadata) && m_frames.top().key == "total_size") {
      m_index.total_size = number;
    }
    return value("a number");
  }
  bool number_float(Json::number_float_t /*value*/, const std::string& /*text*/) {
    return value("a number");
  }
  bool string(std::string& text);
  bool binary(Json::binary_t& /*value*/) { return value("binary data"); }
  bool start_object(std::size_t /*elements*/);
  bool key(std::string& key);
  bool end_object() {
    m_frames.pop();
    return true;
  }
  bool start_array(std::size_t /*elements*/) {
    value("a list");
    open(Context::ignored, false);
    return true;
  }
  bool end_array() {
    m_frames.pop();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) {
    throw Error(ErrorKind::file,
                m_source + ": not valid JSON at byte " + std::to_string(position) + ": " +
                    printable(error.what()),
                k_index_hint);
  }

  [[nodiscard]] bool saw_weight_map() const { return m_weight_map_seen; }

 private:
  // Says where the parser stands: the value just read ends at that byte or one before.
  [[noreturn]] void fail(const std::string& what) const {
    const auto at = static_cast<std::size_t>(*m_furthest - m_begin);
    throw Error(ErrorKind::file, m_source + ": " + what + " (near byte " + std::to_string(at) + ")",
                k_index_hint);
  }
  [[nodiscard]] bool in(Context context) const {
    return !m_frames.empty() && m_frames.top().context == context;
  }
  void open(Context context, bool object) {
    if (!m_frames.push(context, object)) {
      fail("nests deeper than " + std::to_string(k_max_json_depth) + " levels");
    }
  }
  // Checks a value that is not an object: the document and weight_map entries need other types.
  bool value(const char* what) {
    if (m_frames.empty()) {
      fail(std::string("the index is ") + what + ", not a JSON object");
    }
    if (in(Context::weight_map)) {
      fail("weight_map entry " + quote_name(m_frames.top().key) + " is " + what +
           ", not a shard file name");
    }
    if (in(Context::root) && m_frames.top().key == "weight_map") {
      fail(std::string("weight_map is ") + what + ", not an object");
    }
    return true;
  }

  const std::string& m_source;
  Index& m_index;
  const char* m_begin;
  const char* const* m_furthest;
  detail::FrameStack<Context> m_frames;
  bool m_weight_map_seen = false;
  std::string m_duplicate;  // a weight_map key seen before, until its value names the shard
  std::unordered_set<std::string_view> m_names;  // names in m_index.weight_map
};

bool IndexReader::string(std::string& text) {
  if (!in(Context::weight_map)) {
    return value("a string");
  }
  const std::string& tensor = m_frames.top().key;
  if (!m_duplicate.empty()) {
    std::string before;
    for (const auto& [name, shard] : m_index.weight_map) {
      if (name == m_duplicate) {
        before = shard;
      }
    }
    fail("tensor " + quote_name(m_duplicate) + " is mapped twice, to " + quote_name(before) +
         " and to " + quote_name(text) + ": a tensor can be in one shard only");
  }
  if (const auto problem = shard_name_problem(text)) {
    fail("weight_map maps " + quote_name(tensor) + " to " + quote_name(text) +
         ", which is not a plain shard file name in the index's folder: " + *problem);
  }
  if (m_index.weight_map.size() >= k_max_tensors) {
    fail("weight_map lists more than " + std::to_string(k_max_tensors) + " tensors");
  }
  const auto* before = m_index.weight_map.data();
  m_index.weight_map.emplace_back(std::move(m_frames.top().key), std::move(text));
  if (m_index.weight_map.data() == before) {
    m_names.insert(m_index.weight_map.back().first);
  } else {  // reallocated (more entries than reserved for): the old views moved
    m_names.clear();
    for (const auto& entry : m_index.weight_map) {
      m_names.insert(entry.first);
    }
  }
  return true;
}

bool IndexReader::start_object(std::size_t /*elements*/) {
  if (m_frames.empty()) {
    open(Context::root, true);
    return true;
  }
  if (in(Context::root) && m_frames.top().key == "weight_map") {
    m_weight_map_seen = true;
    open(Context::weight_map, true);
  } else if (in(Context::root) && m_frames.top().key == "metadata") {
    open(Context::metadata, true);
  } else {
    value("an object");
    open(Context::ignored, true);
  }
  return true;
}

bool IndexReader::key(std::string& key) {
  if (in(Context::weight_map)) {
    // Up to k_max_tensors names: looked up among views of the names already stored rather
    // than copied into a set of their own.
    m_frames.set_key(key);
    if (m_names.count(key) != 0) {
      m_duplicate = key;  // reported with both shards once the value is read
    }
    return true;
  }
  if (m_frames.add_key(key)) {
    return true;
  }
  fail("key " + quote_name(key) + " appears twice" +
       (in(Context::root) ? std::string() : std::string(" in an object")));
}

}  // namespace

std::optional<std::string> shard_name_problem(std::string_view name) {
  constexpr std::string_view k_suffix = ".safetensors";
  if (name.empty()) {
    return std::string("it is empty");
  }
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return std::string("it contains a control character");
    }
  }
  const bool drive = name.size() >= 2 && name[1] == ':';
  if (name.front() == '/' || name.front() == '\\' || drive) {
    return std::string("it is an absolute path");
  }
  if (name.find("..") != std::string_view::npos) {
    return std::string("it contains '..'");
  }
  for (const char c : name) {
    if (c == '/' || c == '\\') {
      return std::string("it names a file in another folder (path separator '") + c + "')";
    }
    if (c == ':') {
      return std::string("it contains ':' (a drive or stream name)");
    }
  }
  if (name.size() <= k_suffix.size() ||
      name.substr(name.size() - k_suffix.size()) != k_suffix) {
    return std::string("it does not end in '.safetensors'");
  }
  return std::nullopt;
}

Index parse_index(const io::ByteSource& source) {
  return parse_index(source, JsonPath::fast);
}

Index parse_index(const io::ByteSource& source, JsonPath path) {
  const std::string& name = source.name();
  const std::uint64_t size = source.size();
  if (size > k_max_index_bytes) {
    throw Error(ErrorKind::file,
                name + ": the index has " + std::to_string(size) + " bytes, over the limit of " +
                    std::to_string(k_max_index_bytes),
                k_index_hint);
  }
  std::string text(static_cast<std::size_t>(size), '\0');
  source.read(0, text.data(), text.size());
  Index index;
  // Room for as many entries as the text can hold ("":"x.safetensors", is 19 bytes), so that
  // the stored names do not move while the reader keeps views of them (it copes if they do).
  constexpr std::uint64_t k_min_entry_bytes = 19;
  const auto reserve = [&] {
    index.weight_map.reserve(static_cast<std::size_t>(
        std::min<std::uint64_t>(k_max_tensors, size / k_min_entry_bytes + 1)));
  };
  reserve();
  const char* furthest = text.data();
  bool saw_weight_map = false;
  bool read = false;
  try {
    IndexReader fast(name, index, text.data(), &furthest);
    read = path == JsonPath::fast && detail::fast_sax_parse(text, fast, &furthest);
    saw_weight_map = fast.saw_weight_map();
  } catch (const Error&) {
    read = false;  // the reference reader below says what is wrong, and where
  }
  if (!read) {
    index = Index{};
    reserve();
    furthest = text.data();
    IndexReader reader(name, index, text.data(), &furthest);
    Json::sax_parse(detail::CountingIterator(text.data(), &furthest),
                    detail::CountingIterator(text.data() + text.size(), nullptr), &reader,
                    Json::input_format_t::json, true, false);
    saw_weight_map = reader.saw_weight_map();
  }
  if (!saw_weight_map) {
    throw Error(ErrorKind::file, name + ": the index has no weight_map object", k_index_hint);
  }
  if (index.weight_map.empty()) {
    throw Error(ErrorKind::file, name + ": the index's weight_map is empty", k_index_hint);
  }
  return index;
}

}  // namespace vramcalc::safetensors
