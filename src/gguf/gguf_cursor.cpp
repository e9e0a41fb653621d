// The GGUF header cursor: gguf_cursor.hpp.
#include "gguf/gguf_cursor.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "gguf/gguf_parser.hpp"
#include "vramcalc/gguf.hpp"

namespace vramcalc::gguf {

namespace {

// A little-endian u64 at `bytes`: one load on a little-endian host.
std::uint64_t load_le64(const char* bytes) {
  std::uint64_t value = 0;
  std::memcpy(&value, bytes, sizeof(value));
  if constexpr (std::endian::native == std::endian::big) {
    std::uint64_t swapped = 0;
    for (int i = 0; i < 8; ++i) {
      swapped = (swapped << 8) | ((value >> (8 * i)) & 0xFFU);
    }
    value = swapped;
  }
  return value;
}

}  // namespace

Cursor::Cursor(const io::ByteSource& source, std::size_t window_bytes)
    : m_source(source), m_size(source.size()), m_limit(std::min(m_size, k_gguf_max_header_bytes)),
      // At least one length field, so that every refill lets skip_strings move on.
      m_window_bytes(std::max<std::size_t>(window_bytes, 8)) {}

void Cursor::read(void* out, std::size_t count, std::string_view what, std::string_view detail) {
  need(count, what, detail);
  if (count == 0) {
    return;  // `out` may be null (an empty vector's data()): memcpy must not see it
  }
  if (!in_window(m_offset, count)) {
    if (count >= m_window_bytes) {
      m_source.read(m_offset, out, count);
      m_offset += count;
      return;
    }
    refill();  // need() passed: the window holds `count` bytes
  }
  std::memcpy(out, m_window.get() + (m_offset - m_window_start), count);
  m_offset += count;
}

std::uint64_t Cursor::skip_strings(std::uint64_t count, std::uint64_t max_bytes) {
  std::uint64_t skipped = 0;
  while (skipped < count && available() >= 8) {
    if (!in_window(m_offset, 8)) {
      refill();  // available() >= 8: the window holds the length field
    }
    // Positions relative to the window, so that each step is one load and one add. The window
    // may reach past the header cap; the walk stops there. pos + 8 <= limit on entry, and every
    // string accepted ends at or before the cap (128 MiB): no sum below can wrap.
    const char* const window = m_window.get();
    const std::uint64_t limit = m_limit - m_window_start;
    const std::uint64_t end = std::min<std::uint64_t>(m_window_size, limit);
    std::uint64_t pos = m_offset - m_window_start;
    while (skipped < count && pos + 8 <= end) {
      const std::uint64_t length = load_le64(window + pos);
      if (length > max_bytes || length > limit - pos - 8) {
        m_offset = m_window_start + pos;  // at the string's length field, for the caller
        return skipped;
      }
      pos += 8 + length;
      ++skipped;
    }
    m_offset = m_window_start + pos;
  }
  return skipped;
}

void Cursor::refill() {
  const auto length =
      static_cast<std::size_t>(std::min<std::uint64_t>(m_window_bytes, m_size - m_offset));
  if (!m_window) {
    // Uninitialised (reads fill it), and no longer than the file.
    const auto capacity = static_cast<std::size_t>(std::min<std::uint64_t>(m_window_bytes, m_size));
    m_window.reset(new char[capacity]);
  }
  m_window_size = 0;  // a failed read leaves no stale window behind
  m_source.read(m_offset, m_window.get(), length);
  m_window_start = m_offset;
  m_window_size = length;
}

void Cursor::fail_need(std::uint64_t count, const std::string& what) const {
  if (m_offset <= m_size && count <= m_size - m_offset) {
    fail(name(),
         what + " at offset " + std::to_string(m_offset) + " takes the header past " +
             std::to_string(k_gguf_max_header_bytes) + " bytes, more than any real model",
         std::string(k_corrupt_hint));
  }
  fail(name(),
       "truncated: " + what + " at offset " + std::to_string(m_offset) + " needs " +
           std::to_string(count) + " bytes but only " +
           std::to_string(m_size - std::min(m_offset, m_size)) + " remain (file size " +
           std::to_string(m_size) + ")",
       "the file is incomplete or not a GGUF model; download it again");
}

}  // namespace vramcalc::gguf
