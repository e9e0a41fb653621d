#pragma once
// The fast path of the safetensors header and index readers (internal header): the JSON that
// writers produce (objects, arrays, strings of printable ASCII without escapes, unsigned
// integers) scanned directly and fed to the same SAX handler that nlohmann's parser feeds,
// with the same events in the same order, at a fraction of the cost per byte. At anything
// outside that subset it returns false, having delivered some events or none; the caller then
// starts over with nlohmann's parser and a fresh handler. So every input the fast path does
// not read to the end, and every error (the caller also starts over when the handler throws),
// gets exactly the reference reader's answer.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc::safetensors::detail {

/// Scans one JSON text for `Handler` (see fast_sax_parse).
template <typename Handler>
class FastScanner {
 public:
  FastScanner(std::string_view text, Handler& handler, const char** furthest)
      : m_at(text.data()), m_end(text.data() + text.size()), m_handler(handler),
        m_furthest(furthest) {}

  /// One value followed only by whitespace; false where the text leaves the subset or the
  /// handler returns false.
  [[nodiscard]] bool run() {
    bool want_value = true;
    for (;;) {
      skip_space();
      if (!want_value && m_open.empty()) {
        return m_at == m_end;  // strict: nothing but whitespace after the value
      }
      if (m_at == m_end) {
        return false;
      }
      const bool ok = want_value ? value(want_value) : after_value(want_value);
      if (!ok) {
        return false;
      }
    }
  }

 private:
  static constexpr std::size_t k_unknown = static_cast<std::size_t>(-1);  // nlohmann's "unknown size"

  void skip_space() {
    while (m_at < m_end && (*m_at == ' ' || *m_at == '\n' || *m_at == '\r' || *m_at == '\t')) {
      ++m_at;
    }
  }

  void mark() { *m_furthest = m_at; }  // where the token of the next event ends

  // A string at '"' into m_buffer.
  [[nodiscard]] bool read_string() {
    const char* start = ++m_at;
    while (m_at < m_end && *m_at != '"') {
      const auto byte = static_cast<unsigned char>(*m_at);
      if (byte == '\\' || byte < 0x20 || byte >= 0x80) {
        return false;  // escapes, controls and UTF-8 are the reference parser's to read
      }
      ++m_at;
    }
    if (m_at == m_end) {
      return false;
    }
    m_buffer.assign(start, static_cast<std::size_t>(m_at - start));
    ++m_at;
    mark();
    return true;
  }

  // A key and its colon, then the key event.
  [[nodiscard]] bool read_key() {
    if (m_at == m_end || *m_at != '"' || !read_string()) {
      return false;
    }
    skip_space();
    if (m_at == m_end || *m_at != ':') {
      return false;
    }
    ++m_at;
    return m_handler.key(m_buffer);
  }

  [[nodiscard]] bool read_number(std::uint64_t& value) {
    if (*m_at == '0' && m_at + 1 < m_end && m_at[1] >= '0' && m_at[1] <= '9') {
      return false;  // a leading zero is not JSON
    }
    value = 0;
    for (; m_at < m_end && *m_at >= '0' && *m_at <= '9'; ++m_at) {
      const auto digit = static_cast<std::uint64_t>(*m_at - '0');
      if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
        return false;  // past 2^64: nlohmann makes it a float
      }
      value = value * 10 + digit;
    }
    if (m_at < m_end && (*m_at == '.' || *m_at == 'e' || *m_at == 'E')) {
      return false;
    }
    mark();
    return true;
  }

  // A value where one is expected; an opened container may need a key or be empty.
  [[nodiscard]] bool value(bool& want_value) {
    const char c = *m_at;
    if (c == '{' || c == '[') {
      ++m_at;
      mark();
      m_open.push_back(c);
      if (!(c == '{' ? m_handler.start_object(k_unknown) : m_handler.start_array(k_unknown))) {
        return false;
      }
      skip_space();
      if (m_at < m_end && *m_at == (c == '{' ? '}' : ']')) {
        want_value = false;  // empty: the closing bracket is read as after a value
        return true;
      }
      return c == '[' || read_key();
    }
    want_value = false;
    if (c == '"') {
      return read_string() && m_handler.string(m_buffer);
    }
    std::uint64_t number = 0;
    if (c >= '0' && c <= '9') {
      return read_number(number) && m_handler.number_unsigned(number);
    }
    return false;  // true, false, null, negative numbers: the reference parser's
  }

  // A comma (then a key in an object) or the bracket that closes the innermost container.
  [[nodiscard]] bool after_value(bool& want_value) {
    const char c = *m_at++;
    mark();
    const bool object = m_open.back() == '{';
    if (c == ',') {
      skip_space();
      want_value = true;
      return !object || read_key();
    }
    if (c != (object ? '}' : ']')) {
      return false;
    }
    m_open.pop_back();
    return object ? m_handler.end_object() : m_handler.end_array();
  }

  const char* m_at;
  const char* m_end;
  Handler& m_handler;
  const char** m_furthest;
  std::string m_buffer;      // the current key or string, reused
  std::vector<char> m_open;  // '{' or '[' per open container
};

/// Scans `text` as one JSON value followed only by whitespace, calling `handler` as nlohmann's
/// sax_parse would (start_object/start_array with an unknown size, key, string,
/// number_unsigned, end_object, end_array). `*furthest` is kept just past the token of each
/// event, as CountingIterator keeps it. Returns false where the text leaves the subset or a
/// handler returns false.
template <typename Handler>
[[nodiscard]] bool fast_sax_parse(std::string_view text, Handler& handler, const char** furthest) {
  return FastScanner<Handler>(text, handler, furthest).run();
}

}  // namespace vramcalc::safetensors::detail
