#pragma once
// vramcalc's cache of bytes read from a Hugging Face Hub (internal): the file list of each
// commit, the commit each branch or tag last resolved to, and the bytes read from each file
// (headers and JSON, never weights). Content under a commit never changes, so a pinned
// revision is answered without the network; a branch is resolved again whenever the network
// may be used. Layout (docs/remote.md), under $XDG_CACHE_HOME/vramcalc/hub/<endpoint>/:
//   models/<org>/<name>/refs/<revision>                  the commit, one line
//   models/<org>/<name>/commits/<commit>/listing.json    the revision API's answer
//   models/<org>/<name>/commits/<commit>/files/<path>    the bytes read of that file
// Every name below the root is one percent-encoded component (no '/', never "." or ".."), so
// nothing a server says can place a file outside the cache.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace vramcalc::remote {

/// Bytes of a file held: offset -> bytes. Extents are disjoint and never touch (touching ones
/// are merged).
using Extents = std::map<std::uint64_t, std::string>;

/// What the cache holds of one file.
struct CachedFile {
  std::optional<std::uint64_t> size;  ///< the file's size; empty when the file is not cached
  Extents extents;
};

class HeaderCache {
 public:
  /// The cache of the Hub at `endpoint` under `cache_dir`; an empty `cache_dir` disables it
  /// (lookups miss, saves do nothing). `max_file_bytes` bounds what one cached file may hold.
  HeaderCache(const std::string& cache_dir, const std::string& endpoint,
              std::uint64_t max_file_bytes);

  [[nodiscard]] bool enabled() const { return !m_root.empty(); }
  /// The folder of the cache (for messages); empty when disabled.
  [[nodiscard]] const std::string& root() const { return m_root; }

  /// The commit `revision` of `repo` last resolved to, when known.
  [[nodiscard]] std::optional<std::string> commit_of(const std::string& repo,
                                                     const std::string& revision) const;
  /// The revision API's answer for `commit`, when cached.
  [[nodiscard]] std::optional<std::string> listing(const std::string& repo,
                                                   const std::string& commit) const;
  /// The bytes held of `path` at `commit`. A damaged entry reads as not cached.
  [[nodiscard]] CachedFile file(const std::string& repo, const std::string& commit,
                                const std::string& path) const;

  // The saves write a temporary file and rename it into place. They throw vramcalc::Error
  // (kind file) when the cache cannot be written; callers note it and carry on.

  void save_commit(const std::string& repo, const std::string& revision,
                   const std::string& commit) const;
  void save_listing(const std::string& repo, const std::string& commit,
                    const std::string& text) const;
  void save_file(const std::string& repo, const std::string& commit, const std::string& path,
                 std::uint64_t size, const Extents& extents) const;

 private:
  [[nodiscard]] std::string repo_dir(const std::string& repo) const;
  [[nodiscard]] std::string commit_dir(const std::string& repo, const std::string& commit) const;

  std::string m_root;
  std::uint64_t m_max_file_bytes;
};

/// `text` as one safe file-name component: percent-encoded (RFC 3986 unreserved characters
/// kept), a leading '.' encoded too, and names over 200 bytes shortened with a hash.
[[nodiscard]] std::string cache_component(const std::string& text);

/// Whether `text` is a commit id: 40 lower-case hexadecimal digits.
[[nodiscard]] bool is_commit_id(const std::string& text);

}  // namespace vramcalc::remote
