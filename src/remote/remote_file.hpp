#pragma once
// A file on an HTTP server as a ByteSource (internal): the GGUF and safetensors readers read it
// as they read a local file. Bytes are fetched with Range requests that grow (64 KiB, then
// doubling up to 16 MiB) while a reader keeps asking past what is held, so a header costs a
// few requests and the weights are never read; a read that jumps past skipped bytes starts
// again at 64 KiB. Bytes already in the cache are not fetched.

#include <cstdint>
#include <string>

#include "io/byte_source.hpp"
#include "remote/header_cache.hpp"
#include "remote/http_failure.hpp"
#include "remote/http_session.hpp"

namespace vramcalc::remote {

/// First request for a file: 64 KiB, the GGUF reader's read-ahead window, and enough for the
/// length field and most of the JSON header of a safetensors shard.
inline constexpr std::uint64_t k_first_read_bytes = 64 * 1024;
/// Largest single request: 16 MiB. Growth stops there so that a hostile header that claims to
/// be huge is read (and refused at RemoteLimits::max_file_bytes) in bounded steps.
inline constexpr std::uint64_t k_max_read_bytes = 16ULL * 1024 * 1024;

/// What a RemoteFile needs besides the session.
struct RemoteFileSpec {
  std::string url;        ///< where to GET it
  std::string name;       ///< how messages name it ("ORG/REPO/path" or the URL shown)
  std::string label;      ///< how progress names it (the file name)
  CachedFile cached;      ///< bytes the cache already holds
  StatusContext context;  ///< for the words of an HTTP failure
};

class RemoteFile final : public io::ByteSource {
 public:
  /// Opens the file: from the cache when it knows the size, else with the first Range request
  /// (which gives the size). `http` is null when offline: then a byte the cache lacks is an
  /// error. Throws vramcalc::Error (kind file) on any failure, including a server that
  /// ignores Range for a file larger than the first request.
  RemoteFile(HttpSession* http, RemoteFileSpec spec, const RemoteLimits& limits);

  [[nodiscard]] std::uint64_t size() const override { return m_size; }
  [[nodiscard]] const std::string& name() const override { return m_spec.name; }
  void read(std::uint64_t offset, void* out, std::size_t length) const override;

  /// Every byte held: from the cache and fetched (what the cache should keep).
  [[nodiscard]] const Extents& extents() const { return m_extents; }
  /// Bytes that came from the cache when the file was opened.
  [[nodiscard]] std::uint64_t bytes_from_cache() const { return m_from_cache; }
  /// Whether anything was fetched (the cache entry is out of date).
  [[nodiscard]] bool fetched() const { return m_fetched; }

 private:
  void open_remote();
  void fetch(std::uint64_t first, std::uint64_t end) const;
  [[nodiscard]] std::uint64_t held_until(std::uint64_t offset) const;
  [[noreturn]] void fail(const std::string& what, const std::string& hint) const;

  HttpSession* m_http;
  RemoteFileSpec m_spec;
  const RemoteLimits& m_limits;
  std::uint64_t m_size = 0;
  std::uint64_t m_from_cache = 0;
  mutable Extents m_extents;
  mutable std::string m_url;  // after the first request's redirects: the file's own address
  mutable std::uint64_t m_next_read = k_first_read_bytes;
  mutable std::uint64_t m_held = 0;
  mutable bool m_fetched = false;
};

/// Adds `bytes` at `offset` to `extents`, merging it with the extents it overlaps or touches
/// (bytes already held win where they overlap).
void add_extent(Extents& extents, std::uint64_t offset, std::string bytes);

}  // namespace vramcalc::remote
