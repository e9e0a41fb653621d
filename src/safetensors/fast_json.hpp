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

/// Scans `text` as one JSON value followed only by whitespace, calling `handler` as nlohmann's
/// sax_parse would (start_object/start_array with an unknown size, key, string,
/// number_unsigned, end_object, end_array). `*furthest` is kept just past the token of each
/// event, as CountingIterator keeps it. Returns false where the text leaves the subset or a
/// handler returns false.
template <typename Handler>
[[nodiscard]] bool fast_sax_parse(std::string_view text, Handler& handler, const char** furthest) {
  constexpr std::size_t k_unknown = static_cast<std::size_t>(-1);  // nlohmann's "size unknown"
  const char* p = text.data();
  const char* const end = p + text.size();
  std::string buffer;       // the current key or string, reused
  std::vector<char> open;   // '{' or '[' per open container
  const auto skip_space = [&] {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
      ++p;
    }
  };
  const auto read_string = [&] {  // at '"'
    const char* start = ++p;
    while (p < end && *p != '"') {
      const auto byte = static_cast<unsigned char>(*p);
      if (byte == '\\' || byte < 0x20 || byte >= 0x80) {
        return false;  // escapes, controls and UTF-8 are the reference parser's to read
      }
      ++p;
    }
    if (p == end) {
      return false;
    }
    buffer.assign(start, static_cast<std::size_t>(p - start));
    ++p;
    *furthest = p;
    return true;
  };
  const auto read_key = [&] {  // a key and its colon
    if (p == end || *p != '"' || !read_string()) {
      return false;
    }
    skip_space();
    if (p == end || *p != ':') {
      return false;
    }
    ++p;
    return handler.key(buffer);
  };
  const auto read_number = [&](std::uint64_t& value) {
    if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
      return false;  // a leading zero is not JSON
    }
    value = 0;
    for (; p < end && *p >= '0' && *p <= '9'; ++p) {
      const auto digit = static_cast<std::uint64_t>(*p - '0');
      if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
        return false;  // past 2^64: nlohmann makes it a float
      }
      value = value * 10 + digit;
    }
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
      return false;
    }
    *furthest = p;
    return true;
  };
  bool want_value = true;
  for (;;) {
    skip_space();
    if (!want_value) {
      if (open.empty()) {
        return p == end;  // strict: nothing but whitespace after the value
      }
      if (p == end) {
        return false;
      }
      const char c = *p++;
      *furthest = p;
      if (c == ',') {
        skip_space();
        want_value = true;
        if (open.back() == '{' && !read_key()) {
          return false;
        }
        continue;
      }
      if (c != (open.back() == '{' ? '}' : ']')) {
        return false;
      }
      const bool object = open.back() == '{';
      open.pop_back();
      if (!(object ? handler.end_object() : handler.end_array())) {
        return false;
      }
      continue;
    }
    if (p == end) {
      return false;
    }
    const char c = *p;
    if (c == '{' || c == '[') {
      ++p;
      *furthest = p;
      open.push_back(c);
      if (!(c == '{' ? handler.start_object(k_unknown) : handler.start_array(k_unknown))) {
        return false;
      }
      skip_space();
      if (p < end && *p == (c == '{' ? '}' : ']')) {
        want_value = false;  // empty: the closing bracket is read as after a value
        continue;
      }
      if (c == '{' && !read_key()) {
        return false;
      }
      continue;
    }
    if (c == '"') {
      if (!read_string() || !handler.string(buffer)) {
        return false;
      }
    } else if (c >= '0' && c <= '9') {
      std::uint64_t value = 0;
      if (!read_number(value) || !handler.number_unsigned(value)) {
        return false;
      }
    } else {
      return false;  // true, false, null, negative numbers: the reference parser's
    }
    want_value = false;
  }
}

}  // namespace vramcalc::safetensors::detail
