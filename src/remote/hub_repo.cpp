// Hub repositories, revisions and their files: hub_repo.hpp.
#include "remote/hub_repo.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "io/json_nesting.hpp"
#include "remote/http_failure.hpp"
#include "remote/url.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc::remote {

namespace {

using nlohmann::json;

// huggingface_hub REPO_ID_REGEX (utils/_validators.py): names of at most 96 characters.
constexpr std::size_t k_max_name = 96;
// Branch and tag names are short; 256 bytes bounds what goes into a URL and a cache name.
constexpr std::size_t k_max_revision = 256;
// Longest file path accepted from a listing (Linux PATH_MAX).
constexpr std::size_t k_max_path = 4096;
// The listing nests a few levels (root, siblings, a file, its lfs object).
constexpr std::size_t k_max_listing_depth = 32;

[[noreturn]] void bad_reference(std::string_view text, const std::string& why) {
  throw Error(ErrorKind::input, "--hf '" + std::string(text.substr(0, 200)) + "': " + why,
              "name a repository as on the Hub: --hf ORG/REPO, or --hf ORG/REPO@REVISION");
}

std::optional<std::string> name_problem(std::string_view name) {
  if (name.empty() || name.size() > k_max_name) {
    return "each part must have 1 to 96 characters";
  }
  for (const char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
          c == '.')) {
      return "only letters, digits, '-', '_' and '.' are allowed";
    }
  }
  if (name.front() == '-' || name.front() == '.' || name.back() == '-' || name.back() == '.') {
    return "a name cannot start or end with '-' or '.'";
  }
  if (name.find("--") != std::string_view::npos || name.find("..") != std::string_view::npos) {
    return "'--' and '..' are not allowed";
  }
  return std::nullopt;
}

std::optional<std::string> path_problem(const std::string& path) {
  if (path.empty() || path.size() > k_max_path || path.front() == '/' || path.back() == '/') {
    return "not a relative file path";
  }
  for (const char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') {
      return "control characters or backslashes";
    }
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part(path.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return "empty, '.' or '..' parts";
    }
    start = end + 1;
  }
  return std::nullopt;
}

[[noreturn]] void bad_listing(const std::string& origin, const std::string& why) {
  throw Error(ErrorKind::file, origin + ": not a revision listing the Hub would send (" + why + ")",
              "check HF_ENDPOINT: it must name a Hugging Face Hub or a mirror of its API");
}

HubFile read_sibling(const json& entry, const std::string& origin) {
  const json* name = entry.is_object() && entry.contains("rfilename") ? &entry["rfilename"]
                                                                       : nullptr;
  if (name == nullptr || !name->is_string()) {
    bad_listing(origin, "a sibling without a string rfilename");
  }
  HubFile file;
  file.path = name->get<std::string>();
  if (const auto problem = path_problem(file.path)) {
    bad_listing(origin, "file name '" + file.path.substr(0, 100) + "': " + *problem);
  }
  if (entry.contains("size") && entry["size"].is_number_unsigned()) {
    file.size = entry["size"].get<std::uint64_t>();
  }
  return file;
}

}  // namespace

HubReference parse_hub_reference(std::string_view text) {
  HubReference reference;
  const std::size_t at = text.find('@');
  const std::string_view repo = text.substr(0, at);
  if (at != std::string_view::npos) {
    const std::string_view revision = text.substr(at + 1);
    if (revision.empty() || revision.size() > k_max_revision) {
      bad_reference(text, "the revision after '@' must have 1 to 256 characters");
    }
    for (const char c : revision) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
        bad_reference(text, "the revision has spaces or control characters");
      }
    }
    reference.revision = std::string(revision);
  }
  const std::size_t slash = repo.find('/');
  if (slash != std::string_view::npos && repo.find('/', slash + 1) != std::string_view::npos) {
    bad_reference(text, "a repository is ORG/REPO: one '/' at most");
  }
  for (const std::string_view part :
       {repo.substr(0, slash), slash == std::string_view::npos ? std::string_view("x")
                                                               : repo.substr(slash + 1)}) {
    if (const auto problem = name_problem(part)) {
      bad_reference(text, *problem);
    }
  }
  reference.repo = std::string(repo);
  return reference;
}

HubRevision parse_listing(std::string_view text, const std::string& origin) {
  if (detail::json_nesting_depth(text, k_max_listing_depth) > k_max_listing_depth) {
    bad_listing(origin, "nested deeper than " + std::to_string(k_max_listing_depth));
  }
  json top;
  try {
    top = json::parse(text.begin(), text.end());
  } catch (const json::exception&) {
    bad_listing(origin, "not JSON");
  }
  if (!top.is_object() || !top.contains("sha") || !top["sha"].is_string()) {
    bad_listing(origin, "no sha");
  }
  HubRevision revision;
  revision.commit = top["sha"].get<std::string>();
  if (!is_commit_id(revision.commit)) {
    bad_listing(origin, "the sha is not 40 hexadecimal digits");
  }
  const json* siblings = top.contains("siblings") ? &top["siblings"] : nullptr;
  if (siblings == nullptr || !siblings->is_array()) {
    bad_listing(origin, "no siblings list");
  }
  if (siblings->size() > k_max_repo_files) {
    bad_listing(origin, "more than " + std::to_string(k_max_repo_files) + " files");
  }
  for (const json& entry : *siblings) {
    revision.files.push_back(read_sibling(entry, origin));
  }
  std::sort(revision.files.begin(), revision.files.end(),
            [](const HubFile& a, const HubFile& b) { return a.path < b.path; });
  revision.listing_text = std::string(text);
  return revision;
}

std::string hub_file_url(const RemoteSettings& settings, const std::string& repo,
                         const std::string& commit, const std::string& path) {
  return settings.endpoint + "/" + repo + "/resolve/" + commit + "/" + percent_encode(path, "/");
}

}  // namespace vramcalc::remote
