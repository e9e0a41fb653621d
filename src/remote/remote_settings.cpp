// The Hub's environment variables: remote_settings_from_environment in vramcalc/remote.hpp.
// Names and defaults as huggingface_hub reads them (constants.py, utils/_auth.py at commit
// ee0a4510f4bc15e26cb722be2efc2bdb01383ca0).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "remote/url.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/remote.hpp"

namespace vramcalc {

namespace {

namespace fs = std::filesystem;

// A token file longer than this is not a token (Hub tokens are ~40 characters).
constexpr std::uintmax_t k_max_token_file_bytes = 4096;

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

// huggingface_hub _is_true: "1", "ON", "YES", "TRUE", any case.
bool is_true(const std::optional<std::string>& value) {
  if (!value) {
    return false;
  }
  std::string upper = *value;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return upper == "1" || upper == "ON" || upper == "YES" || upper == "TRUE";
}

// huggingface_hub _clean_token: carriage returns and newlines removed, then stripped.
std::optional<std::string> clean_token(std::string token) {
  std::erase(token, '\r');
  std::erase(token, '\n');
  const std::size_t begin = token.find_first_not_of(" \t");
  if (begin == std::string::npos) {
    return std::nullopt;
  }
  return token.substr(begin, token.find_last_not_of(" \t") - begin + 1);
}

// XDG_CACHE_HOME when absolute (the XDG base directory spec ignores relative ones), else
// ~/.cache.
std::optional<fs::path> cache_home() {
  if (const auto xdg = env("XDG_CACHE_HOME"); xdg && fs::path(*xdg).is_absolute()) {
    return fs::path(*xdg);
  }
  if (const auto home = env("HOME")) {
    return fs::path(*home) / ".cache";
  }
  return std::nullopt;
}

// HF_TOKEN_PATH, else $HF_HOME/token, HF_HOME defaulting to $XDG_CACHE_HOME/huggingface.
std::optional<fs::path> token_path() {
  if (const auto path = env("HF_TOKEN_PATH")) {
    return fs::path(*path);
  }
  if (const auto home = env("HF_HOME")) {
    return fs::path(*home) / "token";
  }
  const auto cache = cache_home();
  return cache ? std::optional(*cache / "huggingface" / "token") : std::nullopt;
}

std::optional<std::string> read_token() {
  if (auto token = env("HF_TOKEN")) {
    return clean_token(*token);
  }
  if (auto token = env("HUGGING_FACE_HUB_TOKEN")) {  // the older name, still read
    return clean_token(*token);
  }
  const auto path = token_path();
  std::error_code error;
  if (!path || !fs::is_regular_file(*path, error) ||
      fs::file_size(*path, error) > k_max_token_file_bytes) {
    return std::nullopt;
  }
  std::ifstream in(*path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return clean_token(text);
}

}  // namespace

RemoteSettings remote_settings_from_environment() {
  RemoteSettings settings;
  if (auto endpoint = env("HF_ENDPOINT")) {
    while (!endpoint->empty() && endpoint->back() == '/') {
      endpoint->pop_back();  // huggingface_hub: ENDPOINT.rstrip("/")
    }
    if (!remote::split_url(*endpoint)) {
      throw Error(ErrorKind::input,
                  "HF_ENDPOINT '" + endpoint->substr(0, 100) + "' is not an http(s) address",
                  "set HF_ENDPOINT to a Hub or mirror such as https://huggingface.co, or unset it");
    }
    settings.endpoint = *endpoint;
  }
  settings.token = read_token();
  // huggingface_hub: _is_true(HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE), the first set wins.
  auto offline = env("HF_HUB_OFFLINE");
  settings.offline = is_true(offline ? offline : env("TRANSFORMERS_OFFLINE"));
  if (const auto cache = cache_home()) {
    settings.cache_dir = (*cache / "vramcalc").string();
  }
  return settings;
}

}  // namespace vramcalc
