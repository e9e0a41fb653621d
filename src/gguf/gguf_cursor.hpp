#pragma once
// Bounded little-endian reader of a GGUF header over a ByteSource (internal). Every read checks
// the bytes that remain first and never runs past k_gguf_max_header_bytes. Reads are served
// from one read-ahead window; the strings of a long array that is not kept (a tokenizer's 128k
// tokens and 280k merges) are skipped by skip_strings, which walks their length fields inside
// that window: one read per window, nothing allocated or copied per string.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "io/byte_source.hpp"

namespace vramcalc::gguf {

/// Hint of every error that says a file is damaged.
inline constexpr std::string_view k_corrupt_hint =
    "the file is damaged or not a GGUF model: download it again, or convert it with a "
    "current llama.cpp";

/// The read-ahead window: 64 KiB. On the machine bench/io_floor.sh was first run on (a VM
/// that hands freed memory back to its host), a warm process read a page-cached 7 MB header in
/// 0.37 ms with 64 KiB preads and 0.21 ms with 1 MiB ones, but a fresh process pays about
/// 17 us for each page of its window the first time it is written: a 1 MiB window doubled the
/// page faults of `vramcalc inspect` (231 to 481) and made it slower. 64 KiB is also the first
/// request a remote file makes (remote/remote_file.hpp), so a small header costs one request.
inline constexpr std::size_t k_window_bytes = 64 * 1024;

class Cursor {
 public:
  /// Reads `source` through a window of `window_bytes` (at least 8; tests make it small to put
  /// strings across its edges).
  explicit Cursor(const io::ByteSource& source, std::size_t window_bytes = k_window_bytes);

  [[nodiscard]] std::uint64_t offset() const { return m_offset; }
  [[nodiscard]] std::uint64_t size() const { return m_size; }
  [[nodiscard]] const std::string& name() const { return m_source.name(); }

  /// Bytes that may still be read: to the end of the file or the header cap.
  [[nodiscard]] std::uint64_t available() const {
    return m_offset < m_limit ? m_limit - m_offset : 0;
  }

  /// Throws unless `count` bytes can be read at the current offset. The message names
  /// `what` followed by `detail`; it is only built when it is needed.
  void need(std::uint64_t count, std::string_view what, std::string_view detail = {}) const {
    if (count <= available()) {
      return;
    }
    fail_need(count, std::string(what) + std::string(detail));
  }

  /// Copies `count` bytes to `out` and moves past them; throws as need() first.
  void read(void* out, std::size_t count, std::string_view what, std::string_view detail = {});

  /// Moves past `count` bytes without reading them; throws as need() first.
  void skip(std::uint64_t count, std::string_view what, std::string_view detail = {}) {
    need(count, what, detail);
    m_offset += count;
  }

  template <typename T> T read_uint(std::string_view what, std::string_view detail = {}) {
    static_assert(std::is_unsigned_v<T>);
    std::array<unsigned char, sizeof(T)> bytes{};
    read(bytes.data(), bytes.size(), what, detail);
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      value = static_cast<T>(value | static_cast<T>(static_cast<T>(bytes[i]) << (8 * i)));
    }
    return value;
  }

  /// Skips up to `count` GGUF strings (u64 length + bytes) of at most `max_bytes` each. The
  /// length fields are walked in a loop inside the window, which is read again at the first
  /// length field past it; the bytes of a string that runs past the window are not read. Stops at
  /// the length field of the first string that cannot be skipped: a length over `max_bytes`, or one
  /// that runs past the end of the file or the header cap, or a length field cut by either. The
  /// caller reads that one with the checks that name the problem. Returns how many strings were
  /// skipped.
  [[nodiscard]] std::uint64_t skip_strings(std::uint64_t count, std::uint64_t max_bytes);

 private:
  [[noreturn]] void fail_need(std::uint64_t count, const std::string& what) const;
  /// Whether the window holds [offset, offset + count).
  [[nodiscard]] bool in_window(std::uint64_t offset, std::uint64_t count) const {
    return offset >= m_window_start && offset - m_window_start <= m_window_size &&
           count <= m_window_size - (offset - m_window_start);
  }
  /// Reads the window at the current offset: window_bytes, or to the end of the file.
  void refill();

  const io::ByteSource& m_source;
  std::uint64_t m_size;
  std::uint64_t m_limit;  // min(size, k_gguf_max_header_bytes)
  std::uint64_t m_offset = 0;
  std::size_t m_window_bytes;
  std::unique_ptr<char[]> m_window;  // min(window_bytes, size) long, holds m_window_size bytes
  std::size_t m_window_size = 0;
  std::uint64_t m_window_start = 0;
};

}  // namespace vramcalc::gguf
