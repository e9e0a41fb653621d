// Remote files read by growing Range requests: remote_file.hpp.
#include "remote/remote_file.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "vramcalc/error.hpp"

namespace vramcalc::remote {

namespace {

struct ContentRange {
  std::optional<std::uint64_t> first;  // empty for "bytes */N"
  std::uint64_t last = 0;
  std::uint64_t total = 0;
};

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

// "bytes 0-65535/123456" or "bytes */123456" (RFC 9110 §14.4).
std::optional<ContentRange> parse_content_range(std::string_view text) {
  if (text.rfind("bytes ", 0) != 0) {
    return std::nullopt;
  }
  text.remove_prefix(6);
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  ContentRange range;
  const auto total = number(text.substr(slash + 1));
  if (!total) {
    return std::nullopt;
  }
  range.total = *total;
  const std::string_view span = text.substr(0, slash);
  if (span == "*") {
    return range;
  }
  const std::size_t dash = span.find('-');
  const auto first = dash == std::string_view::npos ? std::nullopt : number(span.substr(0, dash));
  const auto last = dash == std::string_view::npos ? std::nullopt : number(span.substr(dash + 1));
  if (!first || !last || *first > *last || *last >= range.total) {
    return std::nullopt;
  }
  range.first = first;
  range.last = *last;
  return range;
}

const char* const k_no_range_hint =
    "the server must answer HTTP Range requests (206 Partial Content) so that only headers are "
    "read; use a server that does, or download the file and name it locally";

}  // namespace

void add_extent(Extents& extents, std::uint64_t offset, std::string bytes) {
  auto next = extents.upper_bound(offset);
  if (next != extents.begin()) {
    auto previous = std::prev(next);
    const std::uint64_t previous_end = previous->first + previous->second.size();
    if (previous_end >= offset) {
      if (offset + bytes.size() > previous_end) {
        previous->second.append(bytes, static_cast<std::size_t>(previous_end - offset));
      }
      offset = previous->first;
      bytes = std::move(previous->second);
      extents.erase(previous);
    }
  }
  for (auto it = extents.lower_bound(offset);
       it != extents.end() && it->first <= offset + bytes.size();) {
    const auto at = static_cast<std::size_t>(it->first - offset);
    const std::size_t overlap = std::min(bytes.size() - at, it->second.size());
    bytes.replace(at, overlap, it->second, 0, overlap);  // held bytes win
    bytes.append(it->second, overlap);
    it = extents.erase(it);
  }
  extents.emplace(offset, std::move(bytes));
}

RemoteFile::RemoteFile(HttpSession* http, RemoteFileSpec spec, const RemoteLimits& limits)
    : m_http(http), m_spec(std::move(spec)), m_limits(limits), m_url(m_spec.url) {
  if (m_spec.cached.size) {
    m_size = *m_spec.cached.size;
    m_extents = std::move(m_spec.cached.extents);
    for (const auto& [offset, bytes] : m_extents) {
      m_from_cache += bytes.size();
    }
    m_held = m_from_cache;
    return;
  }
  if (m_http == nullptr) {
    fail("offline (HF_HUB_OFFLINE=1) and not in vramcalc's cache",
         "run once with the network to cache its headers, or unset HF_HUB_OFFLINE");
  }
  open_remote();
}

void RemoteFile::fail(const std::string& what, const std::string& hint) const {
  throw Error(ErrorKind::file, m_spec.name + ": " + what, hint);
}

void RemoteFile::open_remote() {
  const HttpReply reply =
      m_http->get(m_url, HttpRange{0, k_first_read_bytes - 1}, k_first_read_bytes, m_spec.label);
  m_fetched = true;
  m_url = reply.url;
  if (reply.status == 200) {
    if (reply.too_large) {
      fail("the server ignored the Range request and sent the whole file", k_no_range_hint);
    }
    m_size = reply.body.size();  // a small file, sent whole: that is all of it
  } else if (reply.status == 206 || reply.status == 416) {
    const auto range = parse_content_range(reply.content_range);
    if (!range || (reply.status == 206) != range->first.has_value() ||
        (range->first && (*range->first != 0 || range->last + 1 != reply.body.size()))) {
      fail("the server's Content-Range '" + reply.content_range.substr(0, 80) +
               "' does not match the bytes asked for",
           k_no_range_hint);
    }
    m_size = range->total;
  } else {
    throw_http_status(reply, m_spec.context);
  }
  m_held = reply.body.size();
  if (!reply.body.empty()) {
    add_extent(m_extents, 0, reply.body);
  }
}

std::uint64_t RemoteFile::held_until(std::uint64_t offset) const {
  auto it = m_extents.upper_bound(offset);
  if (it == m_extents.begin()) {
    return offset;
  }
  --it;
  return std::max(offset, it->first + it->second.size());
}

void RemoteFile::fetch(std::uint64_t first, std::uint64_t end) const {
  if (m_http == nullptr) {
    fail("offline (HF_HUB_OFFLINE=1) and vramcalc's cache lacks bytes " + std::to_string(first) +
             "-" + std::to_string(end - 1),
         "run once with the network to cache them, or unset HF_HUB_OFFLINE");
  }
  if (end - first > m_limits.max_file_bytes - std::min(m_held, m_limits.max_file_bytes)) {
    fail("reading its header would take more than " + std::to_string(m_limits.max_file_bytes) +
             " bytes, more than any real model header",
         "the file is damaged or not a model file");
  }
  const HttpReply reply = m_http->get(m_url, HttpRange{first, end - 1}, end - first, m_spec.label);
  m_fetched = true;
  if (reply.status == 200 && !reply.too_large && reply.body.size() == m_size) {
    add_extent(m_extents, 0, reply.body);  // sent whole after all
    m_held = m_size;
    return;
  }
  if (reply.status == 200) {
    fail("the server ignored the Range request and sent the whole file", k_no_range_hint);
  }
  if (reply.status != 206) {
    throw_http_status(reply, m_spec.context);
  }
  const auto range = parse_content_range(reply.content_range);
  if (!range || !range->first || *range->first != first || range->last + 1 != end ||
      range->total != m_size || reply.body.size() != end - first) {
    fail("the server answered bytes '" + reply.content_range.substr(0, 80) + "' (" +
             std::to_string(reply.body.size()) + " bytes) for bytes " + std::to_string(first) +
             "-" + std::to_string(end - 1) + " of " + std::to_string(m_size),
         "the file changed on the server while it was read, or the server is broken; retry");
  }
  m_held += reply.body.size();
  add_extent(m_extents, first, reply.body);
}

void RemoteFile::read(std::uint64_t offset, void* out, std::size_t length) const {
  if (offset > m_size || length > m_size - offset) {
    throw Error(ErrorKind::file,
                m_spec.name + ": truncated: " + std::to_string(length) +
                    " bytes needed at offset " + std::to_string(offset) + " but the file has " +
                    std::to_string(m_size),
                "the file is incomplete or not what its name says");
  }
  if (length == 0) {
    return;
  }
  const std::uint64_t need_end = offset + length;
  while (held_until(offset) < need_end) {
    const std::uint64_t first = held_until(offset);
    if (first == offset && !m_extents.empty()) {
      // A jump past bytes the reader skipped (a long array): grow again from the first size.
      const auto before = m_extents.upper_bound(first);
      if (before == m_extents.begin() ||
          std::prev(before)->first + std::prev(before)->second.size() < first) {
        m_next_read = k_first_read_bytes;
      }
    }
    std::uint64_t end = std::min(m_size, std::max(need_end, first + m_next_read));
    const auto next = m_extents.upper_bound(first);
    if (next != m_extents.end() && next->first < end && next->first >= need_end) {
      end = next->first;  // stop where bytes are already held
    }
    fetch(first, end);
    m_next_read = std::min(k_max_read_bytes, m_next_read * 2);
  }
  const auto it = std::prev(m_extents.upper_bound(offset));
  std::memcpy(out, it->second.data() + (offset - it->first), length);
}

}  // namespace vramcalc::remote
