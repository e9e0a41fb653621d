// Resolving a revision to a commit and its files, from the revision API or the cache:
// resolve_revision in hub_repo.hpp.
#include "remote/http_failure.hpp"
#include "remote/hub_repo.hpp"
#include "remote/url.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc::remote {

namespace {

std::optional<HubRevision> from_cache(const HeaderCache& cache, const HubReference& reference) {
  const std::optional<std::string> commit = is_commit_id(reference.revision)
                                                ? std::optional(reference.revision)
                                                : cache.commit_of(reference.repo,
                                                                  reference.revision);
  if (!commit) {
    return std::nullopt;
  }
  const auto text = cache.listing(reference.repo, *commit);
  if (!text) {
    return std::nullopt;
  }
  try {
    HubRevision revision = parse_listing(*text, cache.root());
    if (revision.commit != *commit) {
      return std::nullopt;
    }
    revision.from_cache = true;
    return revision;
  } catch (const Error&) {
    return std::nullopt;  // a damaged entry: as if not cached
  }
}

[[noreturn]] void offline_miss(const HeaderCache& cache, const HubReference& reference) {
  throw Error(ErrorKind::file,
              "offline (HF_HUB_OFFLINE=1) and " + reference.repo + "@" + reference.revision +
                  " is not in vramcalc's cache" +
                  (cache.enabled() ? " (" + cache.root() + ")"
                                   : " (no cache: neither XDG_CACHE_HOME nor HOME is set)"),
              "run once with the network (without HF_HUB_OFFLINE) to cache its headers");
}

}  // namespace

HubRevision resolve_revision(HttpSession* http, const HeaderCache& cache,
                             const HubReference& reference, const RemoteSettings& settings) {
  // Content under a commit never changes: a cached commit needs no request. A branch or tag
  // may have moved, so it is resolved again whenever the network may be used.
  if (http == nullptr || is_commit_id(reference.revision)) {
    if (auto cached = from_cache(cache, reference)) {
      return std::move(*cached);
    }
    if (http == nullptr) {
      offline_miss(cache, reference);
    }
  }
  const std::string url = settings.endpoint + "/api/models/" + reference.repo + "/revision/" +
                          percent_encode(reference.revision, "") + "?blobs=true";
  const std::string subject = reference.repo + "@" + reference.revision;
  HttpReply reply;
  try {
    reply = http->get(url, std::nullopt, settings.limits.max_listing_bytes, "file list");
  } catch (const Error& error) {
    auto cached = from_cache(cache, reference);
    if (!cached) {
      throw;
    }
    cached->note = "the Hub could not be reached (" + std::string(error.what()) +
                   "): answered from vramcalc's cache of commit " + cached->commit;
    return std::move(*cached);
  }
  if (reply.status != 200) {
    throw_http_status(reply, {subject, reference.repo, reference.revision, "", &settings});
  }
  if (reply.too_large) {
    throw Error(ErrorKind::file,
                subject + ": the file list is larger than " +
                    std::to_string(settings.limits.max_listing_bytes) + " bytes",
                "check HF_ENDPOINT: no model repository lists that many files");
  }
  return parse_listing(reply.body, "the file list of " + subject + " (" + display_url(url) + ")");
}

}  // namespace vramcalc::remote
