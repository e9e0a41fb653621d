// End-to-end: --hf against a Hub on loopback (nginx, tests/support/hub_server.hpp) gives the
// figures the same files give locally, reading only headers; the cache answers offline; every
// failure is exit 2 with one line and a hint; the token never shows.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "hub_fixtures.hpp"
#include "hub_server.hpp"
#include "run_cli.hpp"
#include "safetensors_models.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

// Drops every key in `names`, at any depth.
void erase_keys(json& doc, const std::vector<std::string>& names) {
  if (doc.is_object()) {
    for (const std::string& name : names) {
      doc.erase(name);
    }
  }
  if (doc.is_object() || doc.is_array()) {
    for (auto& child : doc) {
      erase_keys(child, names);
    }
  }
}

// The estimate's figures: everything but what names the model by where it came from (the
// repository or the path): the engine's command, the vramcalc command that re-runs a plan and
// the model's Hub repository.
json figures(const std::string& out) {
  json doc = json::parse(out);
  erase_keys(doc, {"engine_flags", "argv", "hf_repo"});
  return doc;
}

std::uint64_t file_size(const std::string& path) {
  return std::filesystem::file_size(path);
}

// Every file under `dir`, concatenated (to look for a secret in the cache).
std::string all_bytes_under(const std::string& dir) {
  std::string bytes;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      bytes += text.str();
    }
  }
  return bytes;
}

CliResult run_hub(const HubServer& hub, const std::string& cache,
                  const std::vector<std::string>& args,
                  std::map<std::string, std::string> extra = {}) {
  auto env = hub_env(hub, cache);
  for (auto& [key, value] : extra) {
    env[key] = value;
  }
  return run_cli(args, env);
}

void check_one_error(const CliResult& r, const std::string& fragment) {
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("vramcalc: error: ", 0) == 0);
  CHECK(r.err.find(fragment) != std::string::npos);
  CHECK(r.err.find("\n  hint: ") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
}

}  // namespace

TEST_CASE("hub: a sharded safetensors repo gives the local figures from its headers only") {
  HubServer hub;
  const std::string dir = add_llama31_safetensors(hub, "acme/Llama-3.1-8B");
  hub.start();
  const std::string cache = temp_dir();
  const auto remote = run_hub(hub, cache, {"--hf", "acme/Llama-3.1-8B", "--format", "json"});
  REQUIRE(remote.exit_code == 0);
  CHECK(remote.err.empty());
  const auto local = run_cli({"--safetensors", dir, "--format", "json"});
  REQUIRE(local.exit_code == 0);
  CHECK(figures(remote.out) == figures(local.out));
  CHECK(json::parse(remote.out)["model"]["params"] == 8'030'261'248ULL);
  const std::uint64_t weights = 8'030'261'248ULL * 2;
  const std::uint64_t read = hub.bytes_sent();
  INFO("bytes read: " << read);
  CHECK(read * 100 < weights);
}


TEST_CASE("hub: --dtype converts a safetensors repo as it converts local files") {
  HubServer hub;
  const std::string dir = add_llama31_safetensors(hub, "acme/Llama-3.1-8B");
  hub.start();
  const auto remote =
      run_hub(hub, temp_dir(), {"--hf", "acme/Llama-3.1-8B", "--dtype", "int4", "--format", "json"});
  REQUIRE(remote.exit_code == 0);
  const auto local = run_cli({"--safetensors", dir, "--dtype", "int4", "--format", "json"});
  CHECK(figures(remote.out) == figures(local.out));
  CHECK(json::parse(remote.out)["memory"]["weights_bytes"] == 8'030'261'248ULL / 2);
}

TEST_CASE("hub: --dtype picks the GGUF file of that quantization and gives the local figures") {
  HubServer hub;
  const std::string dir = add_llama32_gguf(hub, "acme/Llama-3.2-1B-Instruct-GGUF");
  hub.start();
  const std::vector<std::string> dtypes = {"q4_k_m", "q6_k", "f16"};
  const auto files = llama32_gguf_files();
  for (std::size_t i = 0; i < dtypes.size(); ++i) {
    INFO(dtypes[i]);
    const std::uint64_t before = hub.bytes_sent();
    const auto remote = run_hub(hub, temp_dir(),
                                {"--hf", "acme/Llama-3.2-1B-Instruct-GGUF", "--dtype", dtypes[i],
                                 "--gpu", "L4", "--format", "json"});
    REQUIRE(remote.exit_code == 0);
    CHECK(remote.err.empty());
    const auto local =
        run_cli({"--gguf", dir + "/" + files[i], "--gpu", "L4", "--format", "json"});
    REQUIRE(local.exit_code == 0);
    CHECK(figures(remote.out) == figures(local.out));
    const json doc = json::parse(remote.out);
    CHECK(doc["precision"]["as_stored"] == true);
    // The command that checks the plan names the file read, not a --dtype to convert to.
    const std::vector<std::string> argv = doc["plan"]["argv"];
    CHECK(std::vector<std::string>(argv.begin(), argv.begin() + 4) ==
          std::vector<std::string>{"--hf", "acme/Llama-3.2-1B-Instruct-GGUF", "--hf-file",
                                   files[i]});
    CHECK(std::find(argv.begin(), argv.end(), "--dtype") == argv.end());
    const std::uint64_t read = hub.bytes_sent() - before;
    INFO("bytes read " << read << " of " << file_size(dir + "/" + files[i]));
    CHECK(read * 100 < file_size(dir + "/" + files[i]));
  }
  CHECK(hub.requests("mmproj") == 0);
}

TEST_CASE("hub: a repo of several GGUF files needs --dtype or --hf-file and lists them") {
  HubServer hub;
  const std::string dir = add_llama32_gguf(hub, "acme/Llama-3.2-1B-Instruct-GGUF");
  hub.start();
  const std::string cache = temp_dir();
  const auto none = run_hub(hub, cache, {"--hf", "acme/Llama-3.2-1B-Instruct-GGUF"});
  check_one_error(none, "holds 3 GGUF models: Llama-3.2-1B-Instruct-F16.gguf (F16, 2.47 GB), "
                        "Llama-3.2-1B-Instruct-Q4_K_M.gguf (Q4_K_M, 0.80 GB), "
                        "Llama-3.2-1B-Instruct-Q6_K.gguf (Q6_K, 1.02 GB)");
  CHECK(none.err.find("mmproj") == std::string::npos);
  const auto missing =
      run_hub(hub, cache, {"--hf", "acme/Llama-3.2-1B-Instruct-GGUF", "--dtype", "q8_0"});
  check_one_error(missing, "--dtype q8_0 matches none of its 3 GGUF models: ");
  CHECK(missing.err.find("Q6_K") != std::string::npos);
  const auto named = run_hub(hub, cache,
                             {"--hf", "acme/Llama-3.2-1B-Instruct-GGUF", "--hf-file",
                              "Llama-3.2-1B-Instruct-Q6_K.gguf", "--format", "json"});
  REQUIRE(named.exit_code == 0);
  const auto local =
      run_cli({"--gguf", dir + "/Llama-3.2-1B-Instruct-Q6_K.gguf", "--format", "json"});
  CHECK(figures(named.out) == figures(local.out));
  const auto wrong = run_hub(hub, cache,
                             {"--hf", "acme/Llama-3.2-1B-Instruct-GGUF", "--hf-file", "x.gguf"});
  check_one_error(wrong, "--hf-file 'x.gguf': no such file in acme/Llama-3.2-1B-Instruct-GGUF");
}

TEST_CASE("hub: a split GGUF is read as one model with the local figures") {
  HubServer hub;
  const std::string first = add_llama32_split_gguf(hub, "acme/Llama-3.2-1B-split");
  hub.start();
  const auto remote =
      run_hub(hub, temp_dir(), {"--hf", "acme/Llama-3.2-1B-split", "--format", "json"});
  REQUIRE(remote.exit_code == 0);
  const auto local = run_cli({"--gguf", first, "--format", "json"});
  REQUIRE(local.exit_code == 0);
  CHECK(figures(remote.out) == figures(local.out));
  CHECK(json::parse(remote.out)["memory"]["weights_bytes"] == 2'471'764'096ULL);
  std::uint64_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(first).parent_path())) {
    total += entry.file_size();
  }
  INFO("bytes read " << hub.bytes_sent() << " of " << total);
  CHECK(hub.bytes_sent() * 100 < total);
}

TEST_CASE("hub: a config-only repo gives the figures of its config.json") {
  HubServer hub;
  const std::string dir = add_qwen_config_only(hub, "acme/Qwen2.5-7B");
  hub.start();
  const std::vector<std::string> query = {"--gpu", "L4", "--engine", "vllm", "--format", "json"};
  auto remote_args = query;
  remote_args.insert(remote_args.begin(), {"--hf", "acme/Qwen2.5-7B"});
  const auto remote = run_hub(hub, temp_dir(), remote_args);
  REQUIRE(remote.exit_code == 0);
  auto local_args = query;
  local_args.insert(local_args.begin(), {"--config", dir});
  const auto local = run_cli(local_args);
  CHECK(figures(remote.out) == figures(local.out));
  const json doc = json::parse(remote.out);
  CHECK(doc["model"]["hf_repo"] == "acme/Qwen2.5-7B");
  // The engine and the check command name the repository.
  CHECK(doc["plan"]["engine_flags"].get<std::string>().find("vllm serve acme/Qwen2.5-7B ") !=
        std::string::npos);
  CHECK(doc["plan"]["argv"][0] == "--hf");
  CHECK(doc["plan"]["argv"][1] == "acme/Qwen2.5-7B");
}

TEST_CASE("hub: with the server stopped and HF_HUB_OFFLINE=1 the cache answers") {
  HubServer hub;
  add_llama31_safetensors(hub, "acme/Llama-3.1-8B");
  add_llama32_gguf(hub, "acme/Llama-3.2-1B-GGUF");
  add_llama32_split_gguf(hub, "acme/Llama-3.2-1B-split");
  add_qwen_config_only(hub, "acme/Qwen2.5-7B");
  hub.start();
  const std::string cache = temp_dir();
  const std::vector<std::vector<std::string>> queries = {
      {"--hf", "acme/Llama-3.1-8B"},
      {"--hf", "acme/Llama-3.2-1B-GGUF", "--dtype", "q4_k_m"},
      {"--hf", "acme/Llama-3.2-1B-split@v1.0"},
      {"--hf", "acme/Qwen2.5-7B@" + HubServer::commit_of("acme/Qwen2.5-7B")},
  };
  std::vector<std::string> online;
  for (auto args : queries) {
    args.insert(args.end(), {"--format", "json"});
    const auto r = run_hub(hub, cache, args);
    REQUIRE(r.exit_code == 0);
    online.push_back(r.out);
  }
  hub.stop();
  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto args = queries[i];
    args.insert(args.end(), {"--format", "json"});
    const auto r = run_hub(hub, cache, args, {{"HF_HUB_OFFLINE", "1"}});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == online[i]);
  }
  // Without HF_HUB_OFFLINE, an unreachable Hub falls back to what was resolved before.
  const auto unreachable =
      run_hub(hub, cache, {"--hf", "acme/Llama-3.2-1B-split@v1.0", "--format", "json"});
  REQUIRE(unreachable.exit_code == 0);
  CHECK(unreachable.out.find("the Hub could not be reached") != std::string::npos);
  CHECK(json::parse(unreachable.out)["memory"] == json::parse(online[2])["memory"]);
  check_one_error(run_hub(hub, cache, {"--hf", "acme/Qwen2.5-7B@v1.0"}),
                  "cannot connect to " + hub.endpoint());
  // The cache lives in vramcalc's own folder, keyed by commit.
  CHECK(std::filesystem::exists(cache + "/vramcalc/hub"));
  CHECK(!std::filesystem::exists(cache + "/huggingface"));
  // A revision never resolved is not guessed.
  const auto unknown =
      run_hub(hub, cache, {"--hf", "acme/Qwen2.5-7B@v2.0"}, {{"HF_HUB_OFFLINE", "1"}});
  check_one_error(unknown, "offline (HF_HUB_OFFLINE=1) and acme/Qwen2.5-7B@v2.0 is not in "
                           "vramcalc's cache");
}

TEST_CASE("hub: offline with nothing cached is exit 2 with a hint") {
  HubServer hub;
  add_qwen_config_only(hub, "acme/Qwen2.5-7B");
  hub.start();
  const auto r = run_hub(hub, temp_dir(), {"--hf", "acme/Qwen2.5-7B"}, {{"HF_HUB_OFFLINE", "1"}});
  check_one_error(r, "offline (HF_HUB_OFFLINE=1) and acme/Qwen2.5-7B@main is not in vramcalc's "
                     "cache");
  CHECK(r.err.find("run once with the network") != std::string::npos);
  CHECK(hub.access_log().empty());
}

TEST_CASE("hub: a gated repo needs the token and the token never shows") {
  HubServer hub;
  add_qwen_config_only(hub, "acme/gated", RepoKind::gated);
  add_llama31_safetensors(hub, "acme/Llama-3.1-8B");
  hub.start();
  const std::string token(k_hub_test_token);
  const std::string cache = temp_dir();
  const auto without = run_hub(hub, cache, {"--hf", "acme/gated"});
  check_one_error(without, "access to acme/gated is restricted (HTTP 401, gated; no token was "
                           "sent)");
  CHECK(without.err.find("accept the licence at " + hub.endpoint() + "/acme/gated, then set "
                         "HF_TOKEN") != std::string::npos);
  const auto wrong =
      run_hub(hub, cache, {"--hf", "acme/gated"}, {{"HF_TOKEN", "hf_wrongTokenWrongToken"}});
  check_one_error(wrong, "the token sent was refused");
  CHECK(wrong.err.find("hf_wrongTokenWrongToken") == std::string::npos);

  std::vector<CliResult> runs;
  runs.push_back(run_hub(hub, cache, {"--hf", "acme/gated", "--format", "json"},
                         {{"HF_TOKEN", token}}));
  CHECK(runs.back().exit_code == 0);
  // The token file huggingface_hub writes (`hf auth login`) is read too.
  const std::string token_file = temp_dir() + "/token";
  write_file(token_file, token + "\n");
  runs.push_back(run_hub(hub, cache, {"inspect", "--hf", "acme/gated"},
                         {{"HF_TOKEN_PATH", token_file}}));
  CHECK(runs.back().exit_code == 0);
  // Sent to the Hub, never to the CDN its redirects name.
  runs.push_back(run_hub(hub, cache, {"--hf", "acme/Llama-3.1-8B", "--format", "json"},
                         {{"HF_TOKEN", token}}));
  CHECK(runs.back().exit_code == 0);
  // Errors with a token set.
  runs.push_back(run_hub(hub, cache, {"--hf", "acme/missing"}, {{"HF_TOKEN", token}}));
  CHECK(runs.back().exit_code == 2);
  runs.push_back(run_hub(hub, cache, {"--hf", "acme/gated@nope"}, {{"HF_TOKEN", token}}));
  CHECK(runs.back().exit_code == 2);
  for (const CliResult& r : runs) {
    CHECK(r.out.find(token) == std::string::npos);
    CHECK(r.err.find(token) == std::string::npos);
  }
  CHECK(all_bytes_under(cache).find(token) == std::string::npos);
  std::stringstream log(hub.access_log());
  std::string line;
  std::size_t cdn_requests = 0;
  while (std::getline(log, line)) {
    if (line.rfind("/cdn/", 0) == 0) {
      ++cdn_requests;
      CHECK(line.substr(line.size() - 2) == " -");
      CHECK(line.find(" 206 ") != std::string::npos);
    }
  }
  CHECK(cdn_requests > 0);
}

TEST_CASE("hub: unknown repository and revision are exit 2") {
  HubServer hub;
  add_qwen_config_only(hub, "acme/Qwen2.5-7B");
  hub.start();
  const std::string cache = temp_dir();
  check_one_error(run_hub(hub, cache, {"--hf", "acme/missing"}),
                  "repository acme/missing not found on " + hub.endpoint() + " (HTTP 401)");
  check_one_error(run_hub(hub, cache, {"--hf", "acme/Qwen2.5-7B@nope"}),
                  "revision 'nope' not found in acme/Qwen2.5-7B (HTTP 404)");
  check_one_error(run_hub(hub, cache, {"--hf", "acme/../etc"}),
                  "--hf 'acme/../etc': ");
  check_one_error(run_hub(hub, cache, {"--hf", "a/b/c"}), "one '/' at most");
}

TEST_CASE("hub: rate limiting and failing servers are exit 2 after bounded retries") {
  HubServer hub;
  add_qwen_config_only(hub, "acme/busy", RepoKind::rate_limited);
  add_qwen_config_only(hub, "acme/failing", RepoKind::failing);
  hub.start();
  const std::string cache = temp_dir();
  const auto busy = run_hub(hub, cache, {"--hf", "acme/busy"});
  check_one_error(busy, "rate limited by " + hub.endpoint() + " (HTTP 429; it asks to wait 3600 s)");
  CHECK(hub.requests("/api/models/acme/busy/") == 1);  // not slept on for an hour
  const auto failing = run_hub(hub, cache, {"--hf", "acme/failing"});
  check_one_error(failing, "acme/failing@main: server error (HTTP 503; it asks to wait 0 s)");
  CHECK(hub.requests("/api/models/acme/failing/") == 4);  // 3 retries
}

TEST_CASE("hub: a repo without config.json is exit 2") {
  HubServer hub;
  const std::string empty = hub.repo_dir("acme/readme-only");
  write_file(empty + "/README.md", "nothing here\n");
  const std::string weights = hub.repo_dir("acme/weights-only");
  write_file(weights + "/README.md", "weights without a config\n");
  write_sharded(weights, {{"model.embed_tokens.weight", "BF16", {16, 8}}}, 1);
  hub.start();
  const std::string cache = temp_dir();
  check_one_error(run_hub(hub, cache, {"--hf", "acme/readme-only"}),
                  "acme/readme-only@main has no config.json and no safetensors or GGUF weights");
  check_one_error(run_hub(hub, cache, {"--hf", "acme/weights-only"}),
                  "acme/weights-only@main has no config.json: the safetensors headers list");
}

TEST_CASE("hub: a TLS failure is exit 2 with a hint") {
  HubServer hub;
  add_qwen_config_only(hub, "acme/Qwen2.5-7B");
  hub.start();
  // https to a port that speaks plain HTTP: the TLS handshake fails.
  const std::string https = "https://" + hub.endpoint().substr(std::string("http://").size());
  const auto r = run_hub(hub, temp_dir(), {"--hf", "acme/Qwen2.5-7B"}, {{"HF_ENDPOINT", https}});
  check_one_error(r, "TLS failure talking to " + https);
  CHECK(r.err.find("CA certificates") != std::string::npos);
}

TEST_CASE("hub: endless redirects and a malformed file list are exit 2") {
  HubServer hub;
  add_qwen_config_only(hub, "acme/loop", RepoKind::redirect_loop);
  add_qwen_config_only(hub, "acme/garbled", RepoKind::bad_listing);
  hub.start();
  const std::string cache = temp_dir();
  check_one_error(run_hub(hub, cache, {"--hf", "acme/loop"}), "more than 10 redirects");
  CHECK(hub.requests("/api/models/acme/loop/") == 11);
  check_one_error(run_hub(hub, cache, {"--hf", "acme/garbled"}),
                  "not a revision listing the Hub would send (not JSON)");
}

TEST_CASE("hub: a huge config.json is refused after the first read") {
  HubServer hub;
  const std::string dir = hub.repo_dir("acme/huge");
  write_sparse_file(dir + "/config.json", "{", 20'000'000'000ULL);
  hub.start();
  check_one_error(run_hub(hub, temp_dir(), {"--hf", "acme/huge"}),
                  "acme/huge/config.json: is 20000000000 bytes, far larger than any config.json");
  CHECK(hub.bytes_sent("config.json") <= 65536);
}

TEST_CASE("hub: inspect --hf says what was read and how many bytes") {
  HubServer hub;
  add_llama32_gguf(hub, "acme/Llama-3.2-1B-GGUF");
  hub.start();
  const std::string cache = temp_dir();
  const std::vector<std::string> args = {"inspect", "--hf", "acme/Llama-3.2-1B-GGUF",
                                         "--hf-file", "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
                                         "--format", "json"};
  const auto first = run_hub(hub, cache, args);
  REQUIRE(first.exit_code == 0);
  const json remote = json::parse(first.out)["remote"];
  CHECK(remote["repo"] == "acme/Llama-3.2-1B-GGUF");
  CHECK(remote["revision"] == "main");
  CHECK(remote["commit"] == HubServer::commit_of("acme/Llama-3.2-1B-GGUF"));
  CHECK(remote["gguf_file"] == "Llama-3.2-1B-Instruct-Q4_K_M.gguf");
  CHECK(remote["quant_tag"] == "Q4_K_M");
  CHECK(remote["bytes_downloaded"] == hub.bytes_sent());  // every body byte nginx sent
  // Headers only: well under 1% of the weight file (issue 12).
  INFO("read " << remote["bytes_downloaded"] << " of " << remote["weight_file_bytes"]);
  CHECK(remote["bytes_downloaded"].get<std::uint64_t>() * 100 <
        remote["weight_file_bytes"].get<std::uint64_t>());
  CHECK(remote["bytes_from_cache"] == 0);
  CHECK(remote["offline"] == false);
  const auto again = run_hub(hub, cache, args);
  const json cached = json::parse(again.out)["remote"];
  CHECK(cached["bytes_from_cache"] == hub.bytes_sent("/cdn/"));  // the header, not fetched again
  CHECK(cached["bytes_downloaded"] == hub.bytes_sent("/api/") / 2);  // the branch, resolved again
  const auto text = run_hub(hub, cache, {"inspect", "--hf", "acme/Llama-3.2-1B-GGUF@main",
                                         "--dtype", "Q4_K_M"});
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.rfind("acme/Llama-3.2-1B-GGUF@main\n", 0) == 0);
  CHECK(text.out.find("Read over HTTP") != std::string::npos);
}

TEST_CASE("url: GGUF and safetensors files on a Range-capable server give the local figures") {
  HubServer hub;
  const std::string dir = add_llama32_gguf(hub, "acme/Llama-3.2-1B-GGUF");
  const std::string st = add_llama31_safetensors(hub, "acme/Llama-3.1-8B");
  hub.start();
  const std::string base = hub.endpoint() + "/files/";
  std::filesystem::create_symlink(dir, hub.files_dir() + "/gguf");
  std::filesystem::create_symlink(st, hub.files_dir() + "/Llama-3.1-8B");
  const std::string gguf = "Llama-3.2-1B-Instruct-Q4_K_M.gguf";
  const auto remote = run_hub(hub, temp_dir(), {"--url", base + "gguf/" + gguf, "--format", "json"});
  REQUIRE(remote.exit_code == 0);
  CHECK(figures(remote.out) ==
        figures(run_cli({"--gguf", dir + "/" + gguf, "--format", "json"}).out));
  const auto index = run_hub(hub, temp_dir(),
                             {"--url", base + "Llama-3.1-8B/model.safetensors.index.json", "--format", "json"});
  REQUIRE(index.exit_code == 0);
  CHECK(figures(index.out) == figures(run_cli({"--safetensors", st, "--format", "json"}).out));
  CHECK(hub.bytes_sent() * 100 < file_size(dir + "/" + gguf));
}

TEST_CASE("url: a server without Range support is exit 2") {
  HubServer hub;
  const std::string dir = add_llama32_gguf(hub, "acme/Llama-3.2-1B-GGUF");
  std::filesystem::create_symlink(dir, hub.norange_dir() + "/gguf");
  hub.start();
  const auto r = run_hub(hub, temp_dir(),
                         {"--url", hub.endpoint() + "/norange/gguf/Llama-3.2-1B-Instruct-Q4_K_M.gguf"});
  check_one_error(r, "the server ignored the Range request and sent the whole file");
  // vramcalc hangs up after the headers (Content-Length is over its cap); nginx counts what it
  // wrote ahead into the loopback socket buffers (a few MB), not what was read.
  CHECK(hub.bytes_sent() * 50 < file_size(dir + "/Llama-3.2-1B-Instruct-Q4_K_M.gguf"));
}

TEST_CASE("hub: remote flags are checked like the others") {
  check_one_error(run_cli({"--hf-file", "a.gguf", "--params", "7B"}),
                  "--hf-file names a file of a --hf repository");
  check_one_error(run_cli({"--hf", "acme/x", "--params", "7B"}), "more than one model given");
  check_one_error(run_cli({"--url", "ftp://host/model.gguf"}), "is not the http(s) address");
  check_one_error(run_cli({"--hf", "acme/x"}, {{"HF_ENDPOINT", "not a url"}}),
                  "HF_ENDPOINT 'not a url' is not an http(s) address");
  check_one_error(run_cli({"inspect"}), "inspect needs a model");
  check_one_error(run_cli({"inspect", "x.gguf", "--dtype", "q4_k_m"}),
                  "--hf-file and --dtype pick a file of a --hf repository");
}
