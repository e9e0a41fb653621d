// HTTP GETs over libcurl: http_session.hpp.
#include "remote/http_session.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <thread>

#include "remote/curl_library.hpp"
#include "remote/http_failure.hpp"
#include "remote/url.hpp"
#include "vramcalc/version.hpp"

namespace vramcalc::remote {

namespace {

// Bodies of redirects and error answers are not needed beyond the Hub's short JSON message:
// keep 4 KiB, and give up on one that runs past 64 KiB (a hostile endless body).
constexpr std::size_t k_kept_error_body = 4 * 1024;
constexpr std::uint64_t k_max_discarded_body = 64 * 1024;
// Longest header value kept (Content-Range, X-Error-Message, ...): real ones are < 200 bytes.
constexpr std::size_t k_max_header_value = 1024;

std::string trimmed(std::string_view text) {
  const std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) {
    return {};
  }
  const std::size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::uint64_t> seconds_value(const std::string& text) {
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;  // an HTTP date is not honoured (as huggingface_hub)
  }
  return std::stoull(text);
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// 408, 429, 500, 502, 503, 504: huggingface_hub _DEFAULT_RETRY_ON_STATUS_CODES.
bool is_retryable(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

long seconds_rounded_up(std::uint32_t ms) {
  return std::max<long>(1, static_cast<long>((ms + 999) / 1000));
}

}  // namespace

struct HttpSession::Transfer {
  const CurlApi* api = nullptr;
  CURL* handle = nullptr;
  HttpReply reply;
  std::uint64_t max_bytes = 0;
  std::uint64_t received = 0;
  std::uint64_t expected = 0;
  bool stopped = false;  // the write callback ended the transfer on purpose
  std::string_view label;
  FetchProgress* progress = nullptr;
  std::uint64_t* session_total = nullptr;
  std::array<char, CURL_ERROR_SIZE> error{};
  curl_slist* headers = nullptr;
  std::string range_text;
  std::string authorization;

  [[nodiscard]] long status() const {
    long code = 0;
    api->easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
  }
};

namespace {

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<HttpSession::Transfer*>(user);
  const std::size_t length = size * count;
  t.received += length;
  *t.session_total += length;
  const long status = t.status();
  if (is_redirect(status) || status >= 400) {
    const std::size_t room = k_kept_error_body - std::min(k_kept_error_body, t.reply.body.size());
    t.reply.body.append(data, std::min(room, length));
    if (t.received > k_max_discarded_body) {
      t.stopped = true;
      return 0;
    }
    return length;
  }
  if (t.reply.body.size() + length > t.max_bytes) {
    t.reply.too_large = true;
    t.stopped = true;
    return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  t.reply.body.append(data, length);
  if (t.progress != nullptr) {
    t.progress->on_bytes(t.label, t.received, t.expected, *t.session_total);
  }
  return length;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<HttpSession::Transfer*>(user);
  const std::size_t length = size * count;
  const std::string_view line(data, length);
  if (line.rfind("HTTP/", 0) == 0) {
    t.reply = HttpReply{};  // a new answer (after 100 Continue): forget the last one's headers
    return length;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return length;
  }
  const std::string_view name = line.substr(0, colon);
  std::string value = trimmed(line.substr(colon + 1));
  value.resize(std::min(value.size(), k_max_header_value));
  if (iequals(name, "Content-Range")) {
    t.reply.content_range = value;
  } else if (iequals(name, "X-Error-Code")) {
    t.reply.error_code = value;
  } else if (iequals(name, "X-Error-Message")) {
    t.reply.error_message = value;
  } else if (iequals(name, "Retry-After")) {
    t.reply.retry_after_s = seconds_value(value);
  } else if (iequals(name, "Content-Length")) {
    if (const auto bytes = seconds_value(value)) {
      t.expected = *bytes;
    }
  }
  return length;
}

}  // namespace

HttpSession::HttpSession(const RemoteSettings& settings, FetchProgress* progress)
    : m_settings(settings), m_progress(progress), m_endpoint_origin(url_origin(settings.endpoint)) {}

HttpSession::~HttpSession() {
  if (m_handle != nullptr) {
    curl_api().easy_cleanup(static_cast<CURL*>(m_handle));
  }
}

void HttpSession::configure(Transfer& t, const std::string& url, std::optional<HttpRange> range,
                            std::uint64_t max_bytes) {
  const CurlApi& api = *t.api;
  CURL* h = t.handle;
  const RemoteLimits& limits = m_settings.limits;
  static const std::string agent = "vramcalc/" + std::string(version());
  api.easy_setopt(h, CURLOPT_URL, url.c_str());
  api.easy_setopt(h, CURLOPT_HTTPGET, 1L);
  api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  api.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(h, CURLOPT_USERAGENT, agent.c_str());
  api.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits.connect_timeout_ms));
  api.easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(limits.request_timeout_ms));
  api.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(limits.low_speed_bytes));
  api.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, seconds_rounded_up(limits.low_speed_time_ms));
  // A Content-Length above the cap ends the transfer before any body is read.
  api.easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes));
  api.easy_setopt(h, CURLOPT_ERRORBUFFER, t.error.data());
  api.easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  api.easy_setopt(h, CURLOPT_WRITEDATA, &t);
  api.easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  api.easy_setopt(h, CURLOPT_HEADERDATA, &t);
  if (range) {
    t.range_text = std::to_string(range->first) + "-" + std::to_string(range->last);
    t.expected = range->last - range->first + 1;
  }
  api.easy_setopt(h, CURLOPT_RANGE, range ? t.range_text.c_str() : nullptr);
  // The token goes only to the endpoint's own origin: never to a CDN a redirect names.
  if (m_settings.token && !m_endpoint_origin.empty() && url_origin(url) == m_endpoint_origin) {
    t.authorization = "Authorization: Bearer " + *m_settings.token;
    t.headers = api.slist_append(nullptr, t.authorization.c_str());
  }
  api.easy_setopt(h, CURLOPT_HTTPHEADER, t.headers);
}

HttpReply HttpSession::perform(const std::string& url, std::optional<HttpRange> range,
                               std::uint64_t max_bytes, std::string_view label) {
  const CurlApi& api = curl_api();
  if (m_handle == nullptr) {
    m_handle = api.easy_init();
    if (m_handle == nullptr) {
      throw_transport_error(url, CURLE_FAILED_INIT, "curl_easy_init failed", m_settings);
    }
  }
  Transfer t;
  t.api = &api;
  t.handle = static_cast<CURL*>(m_handle);
  t.max_bytes = max_bytes;
  t.label = label;
  t.progress = m_progress;
  t.session_total = &m_bytes_received;
  configure(t, url, range, max_bytes);
  ++m_requests;
  const CURLcode code = api.easy_perform(t.handle);
  api.easy_setopt(t.handle, CURLOPT_HTTPHEADER, nullptr);
  api.slist_free_all(t.headers);
  t.authorization.assign(t.authorization.size(), '\0');
  t.reply.status = t.status();
  t.reply.url = url;
  if (code == CURLE_FILESIZE_EXCEEDED) {
    t.reply.too_large = true;
  } else if (code != CURLE_OK && !t.stopped) {
    throw_transport_error(url, code, t.error.data(), m_settings);
  }
  return std::move(t.reply);
}

HttpReply HttpSession::follow(const std::string& url, std::optional<HttpRange> range,
                              std::uint64_t max_bytes, std::string_view label) {
  std::string current = url;
  for (std::uint32_t hop = 0;; ++hop) {
    HttpReply reply = perform(current, range, max_bytes, label);
    if (!is_redirect(reply.status)) {
      return reply;
    }
    char* next = nullptr;
    curl_api().easy_getinfo(static_cast<CURL*>(m_handle), CURLINFO_REDIRECT_URL, &next);
    if (next == nullptr || !split_url(next)) {
      throw_bad_redirect(url, next == nullptr ? "" : next);
    }
    if (hop + 1 > m_settings.limits.max_redirects) {
      throw_too_many_redirects(url, m_settings.limits.max_redirects);
    }
    current = next;
  }
}

HttpReply HttpSession::get(const std::string& url, std::optional<HttpRange> range,
                           std::uint64_t max_bytes, std::string_view label) {
  const RemoteLimits& limits = m_settings.limits;
  std::uint32_t backoff_ms = limits.backoff_ms;
  for (std::uint32_t attempt = 0;; ++attempt) {
    const bool last = attempt >= limits.max_retries;
    std::optional<HttpReply> reply;
    try {
      reply = follow(url, range, max_bytes, label);
    } catch (const DroppedConnection&) {
      if (last) {
        throw;
      }
    }
    std::uint64_t wait_ms = backoff_ms;
    if (reply) {
      if (!is_retryable(reply->status) || last) {
        return std::move(*reply);
      }
      if (reply->retry_after_s) {
        if (*reply->retry_after_s > limits.max_retry_after_s) {
          return std::move(*reply);  // the caller says how long the server asks to wait
        }
        wait_ms = *reply->retry_after_s * 1000;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    backoff_ms = std::min(limits.max_backoff_ms, backoff_ms * 2);
  }
}

}  // namespace vramcalc::remote
