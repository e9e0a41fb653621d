// Remote failures in words a user can act on: http_failure.hpp.
#include "remote/http_failure.hpp"

#include "remote/url.hpp"

namespace vramcalc::remote {

namespace {

const std::string k_offline_hint =
    "check the network and HF_ENDPOINT (or the URL); with HF_HUB_OFFLINE=1 a Hub repository "
    "read before is answered from vramcalc's cache";

bool is_tls_failure(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return true;
    default:
      return false;
  }
}

std::string with_detail(const std::string& what, const std::string& detail) {
  return detail.empty() ? what : what + ": " + detail;
}

std::string status_text(const HttpReply& reply) {
  return "HTTP " + std::to_string(reply.status);
}

std::string repo_page(const StatusContext& context) {
  return context.settings->endpoint + "/" + context.repo;
}

[[noreturn]] void gated(const HttpReply& reply, const StatusContext& context) {
  if (context.repo.empty()) {
    throw Error(ErrorKind::file,
                context.subject + ": access denied (" + status_text(reply) + ")",
                "the server wants credentials; HF_TOKEN is sent only to HF_ENDPOINT");
  }
  const bool token = context.settings->token.has_value();
  throw Error(ErrorKind::file,
              context.subject + ": access to " + context.repo + " is restricted (" +
                  status_text(reply) + (reply.error_code == "GatedRepo" ? ", gated" : "") +
                  (token ? "; the token sent was refused)" : "; no token was sent)"),
              token ? "accept the licence at " + repo_page(context) +
                          " with the account of HF_TOKEN, or check that the token can read it"
                    : "accept the licence at " + repo_page(context) +
                          ", then set HF_TOKEN to a token of that account");
}

[[noreturn]] void not_found(const HttpReply& reply, const StatusContext& context) {
  if (reply.error_code == "RevisionNotFound") {
    throw Error(ErrorKind::file,
                "revision '" + context.revision + "' not found in " + context.repo + " (" +
                    status_text(reply) + ")",
                "name a branch, tag or commit of the repository: --hf " + context.repo +
                    "@main");
  }
  if (!context.file.empty() && reply.error_code != "RepoNotFound") {
    throw Error(ErrorKind::file,
                context.file + " not found in " + context.repo + " (" + status_text(reply) + ")",
                "the repository's file list names it but the server does not have it; retry "
                "later");
  }
  if (context.repo.empty()) {
    throw Error(ErrorKind::file, context.subject + ": not found (" + status_text(reply) + ")",
                "check the URL");
  }
  throw Error(ErrorKind::file,
              "repository " + context.repo + " not found on " + context.settings->endpoint + " (" +
                  status_text(reply) + ")",
              "check the name (ORG/REPO, as in the repository's address); a private repository "
              "needs HF_TOKEN");
}

[[noreturn]] void rate_limited(const HttpReply& reply, const StatusContext& context) {
  const std::string wait =
      reply.retry_after_s ? "; it asks to wait " + std::to_string(*reply.retry_after_s) + " s" : "";
  throw Error(ErrorKind::file,
              context.subject + ": rate limited by " + url_origin(reply.url) + " (" +
                  status_text(reply) + wait + ")",
              "wait and retry; requests with HF_TOKEN get a higher limit on the Hub");
}

}  // namespace

void throw_transport_error(const std::string& url, CURLcode code, const std::string& detail,
                           const RemoteSettings& settings) {
  (void)settings;
  const std::string where = display_url(url);
  if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY) {
    throw Error(ErrorKind::file, with_detail("cannot resolve the host of " + where, detail),
                k_offline_hint);
  }
  if (code == CURLE_COULDNT_CONNECT) {
    throw Error(ErrorKind::file, with_detail("cannot connect to " + url_origin(url), detail),
                k_offline_hint);
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    throw Error(ErrorKind::file,
                with_detail(where + ": the server was too slow", detail),
                "retry later; vramcalc gives up on a server slower than 1 KiB/s for 10 s or a "
                "request longer than 2 minutes");
  }
  if (is_tls_failure(code)) {
    throw Error(ErrorKind::file, with_detail("TLS failure talking to " + url_origin(url), detail),
                "check the system clock and CA certificates (ca-certificates), any proxy that "
                "intercepts TLS, and that the address is https only where the server speaks TLS");
  }
  if (code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR ||
      code == CURLE_PARTIAL_FILE) {
    throw DroppedConnection(
        ErrorKind::file,
        with_detail(where + ": the connection was cut before the whole answer", detail),
        "retry later; the server or the network dropped the connection");
  }
  throw Error(ErrorKind::file, with_detail("request to " + where + " failed", detail),
              k_offline_hint);
}

void throw_bad_redirect(const std::string& from, const std::string& to) {
  throw Error(ErrorKind::file,
              display_url(from) + ": redirected to " +
                  (to.empty() ? std::string("nowhere") : "a non-http(s) address"),
              "the server is misconfigured; vramcalc follows http and https redirects only");
}

void throw_too_many_redirects(const std::string& url, std::uint32_t limit) {
  throw Error(ErrorKind::file,
              display_url(url) + ": more than " + std::to_string(limit) + " redirects",
              "the server redirects in a loop; check HF_ENDPOINT or the URL");
}

void throw_http_status(const HttpReply& reply, const StatusContext& context) {
  if (reply.error_code == "GatedRepo" || reply.status == 403 ||
      (reply.status == 401 && reply.error_code.empty() && !context.file.empty())) {
    gated(reply, context);
  }
  if (reply.status == 401 || reply.status == 404 || reply.error_code == "RepoNotFound" ||
      reply.error_code == "RevisionNotFound" || reply.error_code == "EntryNotFound") {
    not_found(reply, context);
  }
  if (reply.status == 429) {
    rate_limited(reply, context);
  }
  if (reply.status >= 500) {
    const std::string wait = reply.retry_after_s
                                 ? "; it asks to wait " + std::to_string(*reply.retry_after_s) +
                                       " s"
                                 : "";
    throw Error(ErrorKind::file,
                context.subject + ": server error (" + status_text(reply) + wait + ")",
                "the server is failing; retry later");
  }
  throw Error(ErrorKind::file,
              context.subject + ": unexpected answer " + status_text(reply) + " from " +
                  display_url(reply.url),
              "check HF_ENDPOINT or the URL");
}

}  // namespace vramcalc::remote
