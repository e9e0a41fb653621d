#pragma once
// HTTP GETs for remote model reads (internal), over libcurl loaded at run time: one connection
// reused for every request of a load, redirects followed by hand (so that the token goes only
// to the endpoint's own origin, never to a CDN), bounded retries with backoff, and a cap on
// every body. HTTP statuses are returned, not thrown: what a 404 means depends on the caller.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vramcalc/remote.hpp"

namespace vramcalc::remote {

/// Bytes first..last of a file, both included (the HTTP Range header's form).
struct HttpRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

/// The final answer to a request, after redirects and retries.
struct HttpReply {
  long status = 0;
  std::string body;           ///< at most the max_bytes asked for (error bodies: a few KiB)
  std::string url;            ///< the URL that answered (after redirects)
  std::string content_range;  ///< the Content-Range header as sent, or empty
  std::string error_code;     ///< the Hub's X-Error-Code header, or empty
  std::string error_message;  ///< the Hub's X-Error-Message header, or empty
  std::optional<std::uint64_t> retry_after_s;  ///< Retry-After in seconds, when sent as such
  /// The body (or its Content-Length) was larger than max_bytes: the transfer was abandoned
  /// and `body` is incomplete.
  bool too_large = false;
};

class HttpSession {
 public:
  /// `settings` and `progress` (which may be null) must outlive the session. libcurl is
  /// loaded by the first request, not here.
  HttpSession(const RemoteSettings& settings, FetchProgress* progress);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  /// GETs `url`, bytes `range` only when given, following redirects (at most
  /// limits.max_redirects; the bearer token only while the URL's origin is the endpoint's) and
  /// retrying 408/429/5xx answers and dropped connections (limits.max_retries, waiting
  /// Retry-After up to limits.max_retry_after_s, else backing off). A 429 or 503 that asks for
  /// a longer wait is returned at once. `label` names the file for progress. Throws
  /// vramcalc::Error (kind file) when no HTTP answer comes: unknown host, refused connection,
  /// TLS failure, timeout, too many redirects, a redirect to another scheme.
  [[nodiscard]] HttpReply get(const std::string& url, std::optional<HttpRange> range,
                              std::uint64_t max_bytes, std::string_view label);

  /// Body bytes received over the network so far (every request).
  [[nodiscard]] std::uint64_t bytes_received() const { return m_bytes_received; }
  /// Requests sent so far (each redirect and retry counts).
  [[nodiscard]] std::uint64_t requests() const { return m_requests; }

  struct Transfer;  // one request's state, shared with libcurl's callbacks

 private:
  HttpReply follow(const std::string& url, std::optional<HttpRange> range,
                   std::uint64_t max_bytes, std::string_view label);
  HttpReply perform(const std::string& url, std::optional<HttpRange> range,
                    std::uint64_t max_bytes, std::string_view label);
  void configure(Transfer& transfer, const std::string& url, std::optional<HttpRange> range,
                 std::uint64_t max_bytes);

  const RemoteSettings& m_settings;
  FetchProgress* m_progress;
  std::string m_endpoint_origin;
  void* m_handle = nullptr;  // CURL*, created by the first request
  std::uint64_t m_bytes_received = 0;
  std::uint64_t m_requests = 0;
};

}  // namespace vramcalc::remote
