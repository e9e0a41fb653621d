#pragma once
// A Hugging Face Hub on loopback for tests: nginx from the distribution, started by the test
// as its own process (daemon off, master_process off; `user root` when the tests run as root,
// as CI does) with its config, pid file, logs and temp folders in a fresh temporary folder.
// It serves repositories the test writes the way the Hub does:
//   GET /api/models/ORG/NAME/revision/REV     {"sha": ..., "siblings": [{"rfilename", "size"}]}
//   GET /ORG/NAME/resolve/REV/PATH            the file, Range supported; .gguf and .safetensors
//                                             answer 302 to a second port (a CDN: another
//                                             origin, which refuses an Authorization header)
// with the Hub's error answers (401/404 with X-Error-Code RepoNotFound, RevisionNotFound,
// GatedRepo) and a few special repositories (RepoKind). If nginx cannot be started, start()
// throws: the tests fail, they do not skip.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc::test {

/// How a repository behaves.
enum class RepoKind {
  normal,        ///< files served as the Hub serves them
  gated,         ///< file list public; files answer 401 GatedRepo without the right token
  rate_limited,  ///< the file list answers 429 with Retry-After: 3600
  failing,       ///< the file list answers 503 with Retry-After: 0 (retried, then an error)
  redirect_loop, ///< the file list redirects to itself
  bad_listing,   ///< the file list is not JSON
};

/// The token the gated repository accepts.
inline constexpr std::string_view k_hub_test_token = "hf_vramcalcTestToken0123456789abcdef";

class HubServer {
 public:
  HubServer();
  ~HubServer();
  HubServer(const HubServer&) = delete;
  HubServer& operator=(const HubServer&) = delete;

  /// The folder whose files repository `repo` ("ORG/NAME") serves; created on first use.
  std::string repo_dir(const std::string& repo, RepoKind kind = RepoKind::normal);
  /// A folder served as http://.../files/PATH with Range support (for --url), and as
  /// http://.../slow/PATH at 64 bytes per second (a slow drip).
  [[nodiscard]] std::string files_dir() const;
  /// A folder served as http://.../norange/PATH with Range requests ignored (max_ranges 0).
  [[nodiscard]] std::string norange_dir() const;
  /// The commit every revision of `repo` resolves to (40 hex digits, from the name).
  [[nodiscard]] static std::string commit_of(const std::string& repo);

  /// Writes the file lists and nginx.conf and starts nginx (again, after stop(), on the same
  /// ports). Throws std::runtime_error naming the reason when it cannot.
  void start();
  /// Stops nginx (a cached answer must then come without the network).
  void stop();

  /// http://127.0.0.1:PORT, the value for HF_ENDPOINT.
  [[nodiscard]] std::string endpoint() const;
  /// Every request so far: one line "URI STATUS BODY_BYTES RANGE AUTH" each (AUTH is "auth"
  /// when an Authorization header came, else "-").
  [[nodiscard]] std::string access_log() const;
  /// Body bytes nginx sent for requests whose URI contains `part` (all when empty).
  [[nodiscard]] std::uint64_t bytes_sent(std::string_view part = {}) const;
  /// Requests whose URI contains `part`.
  [[nodiscard]] std::size_t requests(std::string_view part) const;

 private:
  void write_listings() const;
  [[nodiscard]] std::string config() const;
  [[nodiscard]] std::string special_locations() const;

  std::string m_root;
  std::map<std::string, RepoKind> m_repos;
  int m_port = 0;
  int m_cdn_port = 0;
  int m_pid = -1;
};

/// The environment for running vramcalc against `server` with its cache in `cache_home`: every
/// Hub variable of the test's own environment cleared, HF_ENDPOINT and XDG_CACHE_HOME set.
[[nodiscard]] std::map<std::string, std::string> hub_env(const HubServer& server,
                                                        const std::string& cache_home);

}  // namespace vramcalc::test
