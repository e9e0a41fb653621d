// Pieces of remote reads that need no server: URLs, held extents, the header cache on disk,
// and the Hub's environment variables.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "catch.hpp"
#include "remote/header_cache.hpp"
#include "remote/remote_file.hpp"
#include "remote/url.hpp"
#include "run_cli.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/remote.hpp"

using namespace vramcalc;
using namespace vramcalc::remote;

namespace {

const std::string k_commit = "0123456789abcdef0123456789abcdef01234567";

// Sets environment variables for one test and puts the old values back.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::map<std::string, std::string>& values) {
    for (const auto& [name, value] : values) {
      const char* old = std::getenv(name.c_str());
      m_old.emplace(name, old == nullptr ? std::nullopt : std::optional<std::string>(old));
      if (value.empty()) {
        ::unsetenv(name.c_str());
      } else {
        ::setenv(name.c_str(), value.c_str(), 1);
      }
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : m_old) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::map<std::string, std::optional<std::string>> m_old;
};

std::map<std::string, std::string> clean_hub_env(const std::string& home) {
  return {{"HF_ENDPOINT", ""},  {"HF_TOKEN", ""},       {"HUGGING_FACE_HUB_TOKEN", ""},
          {"HF_TOKEN_PATH", ""}, {"HF_HOME", ""},        {"HF_HUB_OFFLINE", ""},
          {"TRANSFORMERS_OFFLINE", ""}, {"XDG_CACHE_HOME", ""}, {"HOME", home}};
}

}  // namespace

TEST_CASE("urls: origins decide where the token goes") {
  CHECK(url_origin("https://huggingface.co/api/models/x") == "https://huggingface.co");
  CHECK(url_origin("https://HuggingFace.co:443/x") == "https://huggingface.co");
  CHECK(url_origin("http://127.0.0.1:8080/x?y") == "http://127.0.0.1:8080");
  CHECK(url_origin("https://user:pw@cdn-lfs.hf.co/x") == "https://cdn-lfs.hf.co");
  CHECK(url_origin("https://huggingface.co.evil.example/x") != url_origin("https://huggingface.co/"));
  CHECK(url_origin("ftp://huggingface.co/x").empty());
  CHECK(display_url("https://user:pw@cdn.example/a/b.gguf?X-Amz-Signature=s#f") ==
        "https://cdn.example/a/b.gguf");
  CHECK(url_folder("http://h/a/b/c.gguf?q") == "http://h/a/b/");
  CHECK(url_file_name("http://h/a/b/c.gguf?q") == "c.gguf");
  CHECK(url_file_name("http://h").empty());
  CHECK(percent_encode("refs/pr/1", "") == "refs%2Fpr%2F1");
  CHECK(percent_encode("a b/c.gguf", "/") == "a%20b/c.gguf");
  CHECK_FALSE(split_url("http://"));
  CHECK_FALSE(split_url("http://a b/"));
  CHECK_FALSE(split_url("file:///etc/passwd"));
}

TEST_CASE("held extents merge where they touch or overlap") {
  Extents extents;
  add_extent(extents, 10, "abc");
  add_extent(extents, 20, "xyz");
  CHECK(extents.size() == 2);
  add_extent(extents, 13, "defghij");  // touches both: one extent 10..23
  REQUIRE(extents.size() == 1);
  CHECK(extents.begin()->first == 10);
  CHECK(extents.begin()->second == "abcdefghijxyz");
  add_extent(extents, 0, "0123456789abcdefXXX");  // overlaps: held bytes win
  REQUIRE(extents.size() == 1);
  CHECK(extents.begin()->second == "0123456789abcdefghijxyz");
  add_extent(extents, 5, "5");  // inside: nothing changes
  CHECK(extents.begin()->second == "0123456789abcdefghijxyz");
}

TEST_CASE("cache names are one component that cannot leave the cache") {
  CHECK(cache_component("F16/model-00001-of-00003.gguf") == "F16%2Fmodel-00001-of-00003.gguf");
  CHECK(cache_component("..") == "%2E.");
  CHECK(cache_component(".") == "%2E");
  CHECK(cache_component("") == "%2E");
  CHECK(cache_component("../../etc/passwd").find('/') == std::string::npos);
  const std::string long_name = cache_component(std::string(500, 'a'));
  CHECK(long_name.size() == 200);
  CHECK(long_name != cache_component(std::string(501, 'a')));
  CHECK(is_commit_id(k_commit));
  CHECK_FALSE(is_commit_id("main"));
  CHECK_FALSE(is_commit_id(std::string(40, 'A')));
}

TEST_CASE("the header cache keeps bytes by commit and refuses damaged entries") {
  const std::string dir = vramcalc::test::temp_dir();
  const HeaderCache cache(dir, "https://huggingface.co", 1 << 20);
  CHECK(cache.root() == dir + "/hub/huggingface.co");
  CHECK_FALSE(cache.commit_of("acme/m", "main"));
  cache.save_commit("acme/m", "main", k_commit);
  CHECK(cache.commit_of("acme/m", "main") == k_commit);
  cache.save_listing("acme/m", k_commit, "{listing}");
  CHECK(cache.listing("acme/m", k_commit) == "{listing}");
  Extents extents;
  add_extent(extents, 0, "GGUF");
  add_extent(extents, 100, std::string("\n\0end\n", 6));
  cache.save_file("acme/m", k_commit, "a/b.gguf", 1000, extents);
  const CachedFile file = cache.file("acme/m", k_commit, "a/b.gguf");
  CHECK(file.size == 1000U);
  CHECK(file.extents == extents);
  CHECK_FALSE(cache.file("acme/m", k_commit, "a/c.gguf").size);
  const std::string entry = cache.root() + "/models/acme/m/commits/" + k_commit +
                            "/files/a%2Fb.gguf";
  REQUIRE(std::filesystem::exists(entry));
  for (const std::string& damaged :
       {std::string("nonsense"),
        std::string("vramcalc-remote-bytes 1\npath a%2Fb.gguf\nsize 10\nextent 8 4\nend\nabcd"),
        std::string("vramcalc-remote-bytes 1\npath a%2Fb.gguf\nsize 10\nextent 0 4\nend\nabc"),
        std::string("vramcalc-remote-bytes 1\npath other\nsize 10\nextent 0 1\nend\na")}) {
    vramcalc::test::write_file(entry, damaged);
    CHECK_FALSE(cache.file("acme/m", k_commit, "a/b.gguf").size);
  }
  const HeaderCache disabled("", "https://huggingface.co", 1 << 20);
  CHECK_FALSE(disabled.enabled());
  disabled.save_commit("acme/m", "main", k_commit);  // does nothing
  CHECK_FALSE(disabled.commit_of("acme/m", "main"));
}

TEST_CASE("the Hub's environment variables as huggingface_hub reads them") {
  const std::string home = vramcalc::test::temp_dir();
  {
    const ScopedEnv env(clean_hub_env(home));
    const RemoteSettings settings = remote_settings_from_environment();
    CHECK(settings.endpoint == "https://huggingface.co");
    CHECK_FALSE(settings.token);
    CHECK_FALSE(settings.offline);
    CHECK(settings.cache_dir == home + "/.cache/vramcalc");
  }
  {
    std::filesystem::create_directories(home + "/.cache/huggingface");
    vramcalc::test::write_file(home + "/.cache/huggingface/token", "  hf_fromfile\r\n");
    auto values = clean_hub_env(home);
    values["HF_ENDPOINT"] = "https://mirror.example/hub///";
    values["TRANSFORMERS_OFFLINE"] = "yes";
    values["XDG_CACHE_HOME"] = "relative/ignored";
    const ScopedEnv env(values);
    const RemoteSettings settings = remote_settings_from_environment();
    CHECK(settings.endpoint == "https://mirror.example/hub");
    CHECK(settings.token == "hf_fromfile");
    CHECK(settings.offline);
    CHECK(settings.cache_dir == home + "/.cache/vramcalc");
  }
  {
    auto values = clean_hub_env(home);
    values["HF_TOKEN"] = "hf_env";
    values["HF_HUB_OFFLINE"] = "0";
    values["TRANSFORMERS_OFFLINE"] = "1";  // HF_HUB_OFFLINE, being set, wins
    values["XDG_CACHE_HOME"] = home + "/xdg";
    const ScopedEnv env(values);
    const RemoteSettings settings = remote_settings_from_environment();
    CHECK(settings.token == "hf_env");
    CHECK_FALSE(settings.offline);
    CHECK(settings.cache_dir == home + "/xdg/vramcalc");
  }
  {
    auto values = clean_hub_env(home);
    values["HF_ENDPOINT"] = "huggingface.co";
    const ScopedEnv env(values);
    CHECK_THROWS_AS(remote_settings_from_environment(), Error);
  }
}
