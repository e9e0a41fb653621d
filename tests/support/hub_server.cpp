#include "hub_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run_cli.hpp"

extern char** environ;

namespace vramcalc::test {

namespace {

namespace fs = std::filesystem;

std::string find_nginx() {
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/usr/local/sbin:/sbin";
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir) / "nginx";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  throw std::runtime_error(
      "nginx is not installed: the remote-model tests need it (scripts/install-deps.sh installs "
      "it)");
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string regex_escaped(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '.' || c == '-') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t salt) {
  std::uint64_t hash = 0xcbf29ce484222325ULL ^ salt;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// One server block's locations for a repository of `kind`.
std::string repo_locations(const std::string& repo, RepoKind kind, const std::string& root,
                           int cdn_port) {
  const std::string api = "/api/models/" + repo + "/";
  switch (kind) {
    case RepoKind::rate_limited:
      return fmt::format("location ^~ {} {{ add_header Retry-After 3600 always; "
                         "return 429 '{{\"error\":\"rate limited\"}}'; }}\n", api);
    case RepoKind::failing:
      return fmt::format("location ^~ {} {{ add_header Retry-After 0 always; "
                         "return 503 '{{\"error\":\"unavailable\"}}'; }}\n", api);
    case RepoKind::redirect_loop:
      return fmt::format("location ^~ {} {{ return 302 {}revision/main; }}\n", api, api);
    default:
      break;
  }
  std::string out = fmt::format(
      "location ^~ {}revision/ {{ alias {}/api/{}/; default_type application/json; "
      "error_page 404 = @revision_not_found; }}\n",
      api, root, repo);
  const std::string prefix = "^/" + regex_escaped(repo) + "/resolve/[^/]+/";
  if (kind == RepoKind::normal || kind == RepoKind::bad_listing) {
    out += fmt::format("location ~ {}(?<file>.+\\.(?:gguf|safetensors))$ {{ "
                       "return 302 http://127.0.0.1:{}/cdn/{}/$file; }}\n",
                       prefix, cdn_port, repo);
  }
  const std::string gate =
      kind == RepoKind::gated
          ? fmt::format("if ($http_authorization != \"Bearer {}\") {{ "
                        "add_header X-Error-Code GatedRepo always; "
                        "add_header X-Error-Message \"Access to model {} is restricted.\" always; "
                        "return 401; }} ",
                        k_hub_test_token, repo)
          : "";
  out += fmt::format("location ~ {}(?<file>.+)$ {{ {}alias {}/repos/{}/$file; "
                     "error_page 404 = @entry_not_found; }}\n",
                     prefix, gate, root, repo);
  return out;
}

}  // namespace

HubServer::HubServer() {
  std::string pattern = (fs::temp_directory_path() / "vramcalc-hub-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_root = pattern;
  for (const char* dir : {"repos", "api", "files", "norange", "tmp"}) {
    fs::create_directories(fs::path(m_root) / dir);
  }
}

HubServer::~HubServer() {
  stop();
  std::error_code ignored;
  fs::remove_all(m_root, ignored);
}

std::string HubServer::repo_dir(const std::string& repo, RepoKind kind) {
  m_repos.emplace(repo, kind);
  const fs::path dir = fs::path(m_root) / "repos" / repo;
  fs::create_directories(dir);
  return dir.string();
}

std::string HubServer::files_dir() const {
  return (fs::path(m_root) / "files").string();
}

std::string HubServer::norange_dir() const {
  return (fs::path(m_root) / "norange").string();
}

std::string HubServer::commit_of(const std::string& repo) {
  return fmt::format("{:016x}{:016x}{:08x}", fnv1a(repo, 1), fnv1a(repo, 2),
                     fnv1a(repo, 3) & 0xffffffffULL);
}

std::string HubServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(m_port);
}

void HubServer::write_listings() const {
  for (const auto& [repo, kind] : m_repos) {
    const fs::path folder = fs::path(m_root) / "repos" / repo;
    nlohmann::ordered_json listing;
    listing["id"] = repo;
    listing["sha"] = commit_of(repo);
    listing["siblings"] = nlohmann::ordered_json::array();
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      listing["siblings"].push_back({{"rfilename", fs::relative(file, folder).string()},
                                     {"size", fs::file_size(file)}});
    }
    const std::string text = kind == RepoKind::bad_listing ? "{\"sha\": [not json" : listing.dump();
    const fs::path api = fs::path(m_root) / "api" / repo;
    fs::create_directories(api);
    for (const std::string& revision : {std::string("main"), std::string("v1.0"), commit_of(repo)}) {
      write_file((api / revision).string(), text);
    }
  }
}

std::string HubServer::special_locations() const {
  std::string out;
  for (const auto& [repo, kind] : m_repos) {
    out += repo_locations(repo, kind, m_root, m_cdn_port);
  }
  return out;
}

std::string HubServer::config() const {
  const std::string user = ::geteuid() == 0 ? "user root root;\n" : "";
  return fmt::format(R"(daemon off;
master_process off;
worker_processes 1;
{user}pid {root}/nginx.pid;
error_log {root}/error.log notice;
events {{ worker_connections 256; }}
http {{
  map $http_authorization $auth_flag {{ default auth; "" -; }}
  log_format hub '$request_uri $status $body_bytes_sent "$http_range" $auth_flag';
  access_log {root}/access.log hub;
  client_body_temp_path {root}/tmp/body;
  proxy_temp_path {root}/tmp/proxy;
  fastcgi_temp_path {root}/tmp/fastcgi;
  uwsgi_temp_path {root}/tmp/uwsgi;
  scgi_temp_path {root}/tmp/scgi;
  default_type application/octet-stream;
  keepalive_timeout 5;
  server {{
    listen 127.0.0.1:{port};
    absolute_redirect off;
    location @revision_not_found {{ add_header X-Error-Code RevisionNotFound always;
      default_type application/json; return 404 '{{"error":"Invalid rev id"}}'; }}
    location @entry_not_found {{ add_header X-Error-Code EntryNotFound always;
      default_type application/json; return 404 '{{"error":"Entry not found"}}'; }}
{specials}
    location ^~ /files/ {{ alias {root}/files/; }}
    location ^~ /norange/ {{ max_ranges 0; alias {root}/norange/; }}
    location ^~ /slow/ {{ limit_rate 64; alias {root}/files/; }}
    location ^~ /api/models/ {{ add_header X-Error-Code RepoNotFound always;
      default_type application/json; return 401 '{{"error":"Repository not found"}}'; }}
    location / {{ add_header X-Error-Code RepoNotFound always; return 401; }}
  }}
  server {{
    listen 127.0.0.1:{cdn};
    location ^~ /cdn/ {{ if ($http_authorization) {{ return 400; }} alias {root}/repos/; }}
  }}
}}
)",
                     fmt::arg("user", user), fmt::arg("root", m_root), fmt::arg("port", m_port),
                     fmt::arg("cdn", m_cdn_port), fmt::arg("specials", special_locations()));
}

void HubServer::start() {
  if (m_pid > 0) {
    return;
  }
  const std::string nginx = find_nginx();
  if (m_port == 0) {
    m_port = free_port();
    m_cdn_port = free_port();
  }
  write_listings();
  const std::string conf = m_root + "/nginx.conf";
  write_file(conf, config());
  std::vector<std::string> args = {nginx, "-p", m_root, "-e", m_root + "/error.log", "-c", conf};
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start " + nginx);
  }
  m_pid = pid;
  for (int i = 0; i < 250; ++i) {  // up to 5 s
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      m_pid = -1;
      throw std::runtime_error("nginx exited at start: " + read_text(m_root + "/error.log"));
    }
    if (accepts(m_port) && accepts(m_cdn_port)) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw std::runtime_error("nginx did not listen within 5 s: " + read_text(m_root + "/error.log"));
}

void HubServer::stop() {
  if (m_pid <= 0) {
    return;
  }
  ::kill(m_pid, SIGTERM);
  int status = 0;
  ::waitpid(m_pid, &status, 0);
  m_pid = -1;
}

std::string HubServer::access_log() const {
  return read_text(m_root + "/access.log");
}

std::uint64_t HubServer::bytes_sent(std::string_view part) const {
  std::stringstream lines(access_log());
  std::string uri;
  std::string status;
  std::uint64_t bytes = 0;
  std::uint64_t total = 0;
  std::string rest;
  while (lines >> uri >> status >> bytes && std::getline(lines, rest)) {
    if (uri.find(part) != std::string::npos) {
      total += bytes;
    }
  }
  return total;
}

std::size_t HubServer::requests(std::string_view part) const {
  std::stringstream lines(access_log());
  std::string line;
  std::size_t count = 0;
  while (std::getline(lines, line)) {
    if (line.substr(0, line.find(' ')).find(part) != std::string::npos) {
      ++count;
    }
  }
  return count;
}

std::map<std::string, std::string> hub_env(const HubServer& server,
                                           const std::string& cache_home) {
  return {{"HF_ENDPOINT", server.endpoint()},
          {"XDG_CACHE_HOME", cache_home},
          {"HF_HOME", cache_home + "/hf-home"},
          {"HF_TOKEN", ""},
          {"HUGGING_FACE_HUB_TOKEN", ""},
          {"HF_TOKEN_PATH", ""},
          {"HF_HUB_OFFLINE", ""},
          {"TRANSFORMERS_OFFLINE", ""},
          {"TERM", "dumb"}};
}

}  // namespace vramcalc::test
