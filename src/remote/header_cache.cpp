// vramcalc's cache of remote headers: header_cache.hpp.
#include "remote/header_cache.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "remote/url.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc::remote {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_magic = "vramcalc-remote-bytes 1";
// Longest component kept readable; longer ones are cut and keep a hash (file systems allow 255).
constexpr std::size_t k_max_component = 200;
// A ref or a listing larger than this is not ours: read nothing.
constexpr std::uintmax_t k_max_ref_bytes = 256;

// FNV-1a, 64 bits (http://www.isthe.com/chongo/tech/comp/fnv/): a stable short name for a long
// one; the full name is kept inside the entry and checked on reading.
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::optional<std::string> read_capped(const fs::path& path, std::uintmax_t cap) {
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  if (error || size > cap || !fs::is_regular_file(path, error)) {
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) {
    return std::nullopt;
  }
  return text;
}

void write_atomically(const fs::path& path, const std::string& content) {
  static std::atomic<unsigned> counter{0};
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  const fs::path temporary =
      path.string() + fmt::format(".tmp.{}.{}", ::getpid(), counter.fetch_add(1));
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      fs::remove(temporary, error);
      throw Error(ErrorKind::file, "cannot write the cache file " + temporary.string(),
                  "check the permissions of the cache folder");
    }
  }
  fs::rename(temporary, path, error);
  if (error) {
    fs::remove(temporary, error);
    throw Error(ErrorKind::file, "cannot write the cache file " + path.string(),
                "check the permissions of the cache folder");
  }
}

std::string encode_entry(const std::string& path, std::uint64_t size, const Extents& extents) {
  std::string out = std::string(k_magic) + "\npath " + percent_encode(path, "") + "\nsize " +
                    std::to_string(size) + "\n";
  for (const auto& [offset, bytes] : extents) {
    out += fmt::format("extent {} {}\n", offset, bytes.size());
  }
  out += "end\n";
  for (const auto& [offset, bytes] : extents) {
    out += bytes;
  }
  return out;
}

// Parses an entry written by encode_entry; nullopt when anything is off.
std::optional<CachedFile> decode_entry(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::string line;
  std::string word;
  std::string value;
  if (!std::getline(in, line) || line != k_magic || !std::getline(in, line) ||
      line != "path " + percent_encode(path, "")) {
    return std::nullopt;
  }
  CachedFile file;
  std::uint64_t size = 0;
  if (!(in >> word >> size) || word != "size") {
    return std::nullopt;
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  while (in >> word && word == "extent") {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    if (!(in >> offset >> length) || length == 0 || offset > size || length > size - offset ||
        (!spans.empty() && offset <= spans.back().first + spans.back().second)) {
      return std::nullopt;
    }
    spans.emplace_back(offset, length);
  }
  if (word != "end" || in.get() != '\n') {
    return std::nullopt;
  }
  auto position = static_cast<std::size_t>(in.tellg());
  for (const auto& [offset, length] : spans) {
    if (length > text.size() - position) {
      return std::nullopt;
    }
    file.extents.emplace(offset, text.substr(position, static_cast<std::size_t>(length)));
    position += static_cast<std::size_t>(length);
  }
  if (position != text.size()) {
    return std::nullopt;
  }
  file.size = size;
  return file;
}

}  // namespace

std::string cache_component(const std::string& text) {
  std::string out = percent_encode(text, "");
  if (out.empty() || out.front() == '.') {
    out = "%2E" + out.substr(out.empty() ? 0 : 1);
  }
  if (out.size() > k_max_component) {
    out = out.substr(0, k_max_component - 17) + fmt::format("-{:016x}", fnv1a(text));
  }
  return out;
}

bool is_commit_id(const std::string& text) {
  return text.size() == 40 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

HeaderCache::HeaderCache(const std::string& cache_dir, const std::string& endpoint,
                         std::uint64_t max_file_bytes)
    : m_max_file_bytes(max_file_bytes) {
  const auto parts = split_url(endpoint);
  if (!cache_dir.empty() && parts) {
    std::string key = parts->authority;
    if (parts->path != "/") {
      key += parts->path;
    }
    m_root = (fs::path(cache_dir) / "hub" / cache_component(key)).string();
  }
}

std::string HeaderCache::repo_dir(const std::string& repo) const {
  const std::size_t slash = repo.find('/');
  const std::string org = slash == std::string::npos ? "-" : repo.substr(0, slash);
  const std::string name = slash == std::string::npos ? repo : repo.substr(slash + 1);
  return (fs::path(m_root) / "models" / cache_component(org) / cache_component(name)).string();
}

std::string HeaderCache::commit_dir(const std::string& repo, const std::string& commit) const {
  return (fs::path(repo_dir(repo)) / "commits" / cache_component(commit)).string();
}

std::optional<std::string> HeaderCache::commit_of(const std::string& repo,
                                                  const std::string& revision) const {
  if (!enabled()) {
    return std::nullopt;
  }
  auto text = read_capped(fs::path(repo_dir(repo)) / "refs" / cache_component(revision),
                          k_max_ref_bytes);
  if (!text) {
    return std::nullopt;
  }
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) {
    text->pop_back();
  }
  return is_commit_id(*text) ? text : std::nullopt;
}

std::optional<std::string> HeaderCache::listing(const std::string& repo,
                                                const std::string& commit) const {
  if (!enabled()) {
    return std::nullopt;
  }
  return read_capped(fs::path(commit_dir(repo, commit)) / "listing.json", m_max_file_bytes);
}

CachedFile HeaderCache::file(const std::string& repo, const std::string& commit,
                             const std::string& path) const {
  if (!enabled()) {
    return {};
  }
  const fs::path entry = fs::path(commit_dir(repo, commit)) / "files" / cache_component(path);
  // The header lines take a few hundred bytes per extent; a few MiB more than the data cap.
  const auto text = read_capped(entry, m_max_file_bytes + 4ULL * 1024 * 1024);
  if (!text) {
    return {};
  }
  return decode_entry(*text, path).value_or(CachedFile{});
}

void HeaderCache::save_commit(const std::string& repo, const std::string& revision,
                              const std::string& commit) const {
  if (enabled()) {
    write_atomically(fs::path(repo_dir(repo)) / "refs" / cache_component(revision), commit + "\n");
  }
}

void HeaderCache::save_listing(const std::string& repo, const std::string& commit,
                               const std::string& text) const {
  if (enabled()) {
    write_atomically(fs::path(commit_dir(repo, commit)) / "listing.json", text);
  }
}

void HeaderCache::save_file(const std::string& repo, const std::string& commit,
                            const std::string& path, std::uint64_t size,
                            const Extents& extents) const {
  if (enabled() && !extents.empty()) {
    write_atomically(fs::path(commit_dir(repo, commit)) / "files" / cache_component(path),
                     encode_entry(path, size, extents));
  }
}

}  // namespace vramcalc::remote
