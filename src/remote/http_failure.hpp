#pragma once
// What vramcalc says when a remote read fails (internal): transport failures (no answer) and
// HTTP answers that are not a success, each as one vramcalc::Error with a hint a user can act
// on. Messages name URLs without their query (display_url) and never the token.

#include <curl/curl.h>

#include <cstdint>
#include <string>

#include "remote/http_session.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/remote.hpp"

namespace vramcalc::remote {

/// A connection cut before a whole answer: HttpSession::get retries these.
class DroppedConnection : public Error {
 public:
  using Error::Error;
};

/// Throws the Error for libcurl's `code` on `url` (DroppedConnection for a cut connection).
[[noreturn]] void throw_transport_error(const std::string& url, CURLcode code,
                                        const std::string& detail,
                                        const RemoteSettings& settings);

/// Throws for a redirect to a URL that is missing or not http(s).
[[noreturn]] void throw_bad_redirect(const std::string& from, const std::string& to);

/// Throws for a redirect chain longer than `limit`.
[[noreturn]] void throw_too_many_redirects(const std::string& url, std::uint32_t limit);

/// Who asked, for the words of an HTTP failure.
struct StatusContext {
  std::string subject;   ///< what was asked for: "acme/model", "config.json of acme/model", a URL
  std::string repo;      ///< "ORG/REPO"; empty for --url
  std::string revision;  ///< the revision asked for (hub)
  std::string file;      ///< the repository file asked for; empty for the file list
  const RemoteSettings* settings = nullptr;
};

/// Throws the Error for an answer that is neither 200 nor 206: gated (401/403 or X-Error-Code
/// GatedRepo), repository / revision / file not found (the Hub's X-Error-Code, else the
/// status), rate limited (429), server errors (5xx), anything else by its status.
[[noreturn]] void throw_http_status(const HttpReply& reply, const StatusContext& context);

}  // namespace vramcalc::remote
