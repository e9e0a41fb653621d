#pragma once
// A Hugging Face Hub repository at a revision (internal): the reference the user wrote, the
// commit it resolves to, and the files of that commit, from the revision API or the cache.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "remote/header_cache.hpp"
#include "remote/http_session.hpp"
#include "vramcalc/remote.hpp"

namespace vramcalc::remote {

/// "ORG/REPO[@REVISION]" as the user wrote it.
struct HubReference {
  std::string repo;                ///< "ORG/REPO" (or a bare "REPO", as the Hub still accepts)
  std::string revision = "main";  ///< branch, tag or commit; "main" when not given
};

/// Parses and checks a reference. The repository id follows huggingface_hub's
/// validate_repo_id (utils/_validators.py): one or two names of A-Z a-z 0-9 - _ . , each at
/// most 96 characters, not starting or ending with '-' or '.', without "--" or "..". The
/// revision is any text without control characters, at most 256 bytes. Throws
/// vramcalc::Error (kind input) naming what is wrong.
[[nodiscard]] HubReference parse_hub_reference(std::string_view text);

/// One file of a revision.
struct HubFile {
  std::string path;                   ///< relative path in the repository ("a/b.gguf")
  std::optional<std::uint64_t> size;  ///< bytes, when the listing gives it
};

/// A revision resolved to a commit, with its files.
struct HubRevision {
  std::string commit;          ///< 40 hexadecimal digits
  std::vector<HubFile> files;  ///< sorted by path
  bool from_cache = false;     ///< resolved without the network
  std::string listing_text;    ///< the revision API's answer (to cache)
  std::string note;            ///< set when the cache answered because the Hub was unreachable
};

/// Most files accepted in one repository listing: 100,000 (the Hub's own per-repository limit
/// is of that order; model repositories hold tens to a few thousand).
inline constexpr std::size_t k_max_repo_files = 100'000;

/// Parses the revision API's answer (`sha` and `siblings[].rfilename`, optional `size`).
/// Throws vramcalc::Error (kind file) when it is not that JSON, the commit is not 40 hex
/// digits, or a file path is absolute, has "." or ".." parts, backslashes or control
/// characters. `origin` names the answer in messages.
[[nodiscard]] HubRevision parse_listing(std::string_view text, const std::string& origin);

/// Resolves `reference`: offline (http null) from the cache only; online by the revision API
/// `{endpoint}/api/models/{repo}/revision/{revision}?blobs=true` (huggingface_hub
/// HfApi.model_info), except that a commit id already cached is not asked again, and that when
/// no answer comes at all (no connection, TLS, timeout) a revision resolved before is taken
/// from the cache with a note, as huggingface_hub falls back to its cache. Throws
/// vramcalc::Error (kind file) for every failure, in words a user can act on.
[[nodiscard]] HubRevision resolve_revision(HttpSession* http, const HeaderCache& cache,
                                           const HubReference& reference,
                                           const RemoteSettings& settings);

/// `{endpoint}/{repo}/resolve/{commit}/{path}` (huggingface_hub hf_hub_url, file_download.py),
/// the path percent-encoded but for '/'.
[[nodiscard]] std::string hub_file_url(const RemoteSettings& settings, const std::string& repo,
                                       const std::string& commit, const std::string& path);

}  // namespace vramcalc::remote
