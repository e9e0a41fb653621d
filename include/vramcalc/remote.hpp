#pragma once
/// Models read over HTTP: a Hugging Face Hub repository (`--hf ORG/REPO[@REVISION]`) or one
/// file at a URL (`--url`). Only what the readers need is fetched, with HTTP Range requests:
/// config.json, model.safetensors.index.json, the header of each safetensors shard, the
/// header and tensor table of a GGUF file; never the weights. The bytes read are kept in
/// vramcalc's own cache, keyed by the commit they came from.
///
/// The Hub's conventions follow huggingface_hub (src/huggingface_hub/constants.py,
/// file_download.py, hf_api.py, utils/_http.py at commit
/// ee0a4510f4bc15e26cb722be2efc2bdb01383ca0, https://github.com/huggingface/huggingface_hub):
/// the endpoint from HF_ENDPOINT, a bearer token from HF_TOKEN or the token file, HF_HUB_OFFLINE,
/// `/api/models/{repo}/revision/{rev}` for the file list and commit, and
/// `/{repo}/resolve/{commit}/{path}` for the files, redirects followed.
///
/// libcurl is not linked: it is loaded with dlopen("libcurl.so.4") the first time a request is
/// made, so a query on local files never pays for it (docs/remote.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc {

/// The Hub vramcalc talks to when HF_ENDPOINT is not set.
inline constexpr std::string_view k_default_hub_endpoint = "https://huggingface.co";

/// Limits and timeouts of remote reads. Every one bounds what a slow or hostile server can cost.
struct RemoteLimits {
  /// Longest wait for a connection, ms. huggingface_hub waits 10 s (DEFAULT_REQUEST_TIMEOUT,
  /// constants.py); the same here.
  std::uint32_t connect_timeout_ms = 10'000;
  /// A transfer slower than `low_speed_bytes` per second for this long is abandoned, ms (a slow
  /// drip cannot hang the query). 10 s, as the connect timeout.
  std::uint32_t low_speed_time_ms = 10'000;
  /// See low_speed_time_ms: 1 KiB/s, far below any real connection.
  std::uint32_t low_speed_bytes = 1024;
  /// Longest single request, ms, whatever its speed: 2 minutes bounds a drip just above the
  /// low-speed limit; the largest single read (16 MiB) takes 2 minutes at 140 KB/s.
  std::uint32_t request_timeout_ms = 120'000;
  /// Retries of a request answered 408, 429, 500, 502, 503 or 504 (huggingface_hub
  /// _DEFAULT_RETRY_ON_STATUS_CODES, utils/_http.py) or cut off before an answer. 3, not
  /// huggingface_hub's 5: a command-line answer should fail within seconds.
  std::uint32_t max_retries = 3;
  /// First wait before a retry, ms; doubled each time up to max_backoff_ms (huggingface_hub
  /// http_backoff: base_wait_time 1 s, max_wait_time 8 s).
  std::uint32_t backoff_ms = 1'000;
  /// See backoff_ms.
  std::uint32_t max_backoff_ms = 8'000;
  /// Longest Retry-After honoured, s: a server asking for a longer wait gets an error at once
  /// that says how long, rather than a command that sleeps for minutes.
  std::uint32_t max_retry_after_s = 10;
  /// Most redirects followed for one request. The Hub uses at most two (a renamed repository,
  /// then the CDN for large files); curl's default is 30 and httpx's 20.
  std::uint32_t max_redirects = 10;
  /// Most bytes of one remote file held (and cached): 256 MiB. The largest real GGUF headers
  /// (256k-token vocabularies with merges) are tens of MB; safetensors headers are capped at
  /// 100 MB by the format.
  std::uint64_t max_file_bytes = 256ULL * 1024 * 1024;
  /// Largest answer of the revision API (the file list), bytes: 32 MiB holds ~300,000 files.
  std::uint64_t max_listing_bytes = 32ULL * 1024 * 1024;
};

/// Where and how remote models are read. `remote_settings_from_environment` fills it the way
/// huggingface_hub reads its environment.
struct RemoteSettings {
  std::string endpoint = std::string(k_default_hub_endpoint);  ///< HF_ENDPOINT, no trailing '/'
  /// Bearer token (HF_TOKEN, else the token file). Sent only to the endpoint's own origin,
  /// never printed, logged or cached.
  std::optional<std::string> token;
  bool offline = false;     ///< HF_HUB_OFFLINE: no network, answers from the cache only
  std::string cache_dir;    ///< $XDG_CACHE_HOME/vramcalc (or ~/.cache/vramcalc); "" = none
  RemoteLimits limits;
};

/// Reads HF_ENDPOINT, HF_TOKEN (or HUGGING_FACE_HUB_TOKEN, or the token file at HF_TOKEN_PATH,
/// else $HF_HOME/token, else $XDG_CACHE_HOME/huggingface/token, else
/// ~/.cache/huggingface/token), HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE: 1, ON, YES, TRUE),
/// XDG_CACHE_HOME and HOME. Throws vramcalc::Error (input) when HF_ENDPOINT is not an http(s)
/// URL.
[[nodiscard]] RemoteSettings remote_settings_from_environment();

/// Told as remote bytes arrive, so that a command line can draw progress. Called on the
/// loading thread; implementations must not throw.
class FetchProgress {
 public:
  virtual ~FetchProgress() = default;
  FetchProgress() = default;
  FetchProgress(const FetchProgress&) = delete;
  FetchProgress& operator=(const FetchProgress&) = delete;

  /// A request for `file` has received `done` of `expected` bytes (0: not known); `total` is
  /// every byte received over the network so far.
  virtual void on_bytes(std::string_view file, std::uint64_t done, std::uint64_t expected,
                        std::uint64_t total) noexcept = 0;
  /// Loading has ended (answer or error): whatever was drawn should go.
  virtual void on_finish() noexcept = 0;
};

/// What a remote load read.
struct RemoteRead {
  std::vector<std::string> files;       ///< files opened, in order (repo paths or URLs)
  std::uint64_t bytes_downloaded = 0;   ///< body bytes received over the network
  std::uint64_t bytes_from_cache = 0;   ///< bytes of those files already in the cache
  std::uint64_t requests = 0;           ///< HTTP requests made (redirects and retries count)
  std::uint64_t weight_file_bytes = 0;  ///< sizes of the weight files opened, summed
  bool offline = false;                 ///< answered from the cache alone
};

}  // namespace vramcalc
