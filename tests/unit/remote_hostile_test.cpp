// Hostile servers cannot hang a remote read, exhaust memory or write outside the cache: a
// Content-Length that lies, a body that never ends, a slow drip (nginx limit_rate), a file
// list whose names try to climb out of the cache.
#include <chrono>
#include <filesystem>

#include "catch.hpp"
#include "gguf_writer.hpp"
#include "hub_server.hpp"
#include "run_cli.hpp"
#include "safetensors_writer.hpp"
#include "scripted_server.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/model_source.hpp"

using namespace vramcalc;
using vramcalc::test::error_message;
using vramcalc::test::ScriptedServer;

namespace {

// Short limits so that each case ends in a second or two.
RemoteSettings quick_settings(const std::string& endpoint) {
  RemoteSettings settings;
  settings.endpoint = endpoint;
  settings.cache_dir = vramcalc::test::temp_dir();
  settings.limits.connect_timeout_ms = 2000;
  settings.limits.low_speed_time_ms = 1000;
  settings.limits.request_timeout_ms = 3000;
  settings.limits.backoff_ms = 1;
  settings.limits.max_backoff_ms = 1;
  return settings;
}

ModelSourceSpec url_spec(const std::string& url) {
  ModelSourceSpec spec;
  spec.kind = ModelSourceKind::url;
  spec.location = url;
  spec.remote = quick_settings("https://huggingface.co");
  return spec;
}

std::string load_error(const ModelSourceSpec& spec) {
  return error_message([&] { (void)load_model(spec); });
}

}  // namespace

TEST_CASE("remote: a Content-Length that lies is an error and not a hang") {
  // Promises 65536 bytes, sends 100 and closes: a cut connection, retried, then an error.
  ScriptedServer short_body(
      "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-65535/1000000\r\n"
      "Content-Length: 65536\r\nConnection: close\r\n\r\n" + std::string(100, 'x'));
  const auto started = std::chrono::steady_clock::now();
  CHECK(load_error(url_spec(short_body.url("/m.gguf")))
            .find("the connection was cut before the whole answer") != std::string::npos);
  CHECK(short_body.connections() == 4);  // 3 retries
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));

  // Promises 10 bytes of a 64 KiB range and sends a megabyte: only 10 are read.
  ScriptedServer long_body(
      "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-65535/1000000\r\n"
      "Content-Length: 10\r\n\r\n" + std::string(1'000'000, 'x'));
  CHECK(load_error(url_spec(long_body.url("/m.gguf"))).find("does not match the bytes asked") !=
        std::string::npos);
}

TEST_CASE("remote: a huge or endless body is cut at the cap") {
  ScriptedServer huge("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\nGGUF");
  CHECK(load_error(url_spec(huge.url("/m.gguf"))).find("ignored the Range request") !=
        std::string::npos);
  // No length at all: the body ends when the connection does; 1 MB is sent, 64 KiB kept.
  ScriptedServer endless("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" +
                         std::string(1'000'000, 'x'));
  CHECK(load_error(url_spec(endless.url("/m.gguf"))).find("ignored the Range request") !=
        std::string::npos);
  // The file list is capped too.
  ScriptedServer listing("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" +
                         std::string(3'000'000, ' '));
  ModelSourceSpec hub;
  hub.kind = ModelSourceKind::hub;
  hub.location = "acme/m";
  hub.remote = quick_settings(listing.url(""));
  hub.remote.limits.max_listing_bytes = 1'000'000;
  CHECK(load_error(hub).find("the file list is larger than 1000000 bytes") != std::string::npos);
}

TEST_CASE("remote: a slow drip is abandoned") {
  vramcalc::test::HubServer server;
  vramcalc::test::write_gguf(server.files_dir() + "/m.gguf", vramcalc::test::small_model());
  server.start();
  const auto started = std::chrono::steady_clock::now();
  ModelSourceSpec spec = url_spec(server.endpoint() + "/slow/m.gguf");
  CHECK(load_error(spec).find("the server was too slow") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(8));
}

TEST_CASE("remote: names in a file list cannot place files outside the cache") {
  const std::string commit(40, 'a');
  ScriptedServer listing("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         "Connection: close\r\n\r\n"
                         R"({"sha":")" + commit + R"(","siblings":[{"rfilename":"../../x.gguf"}]})");
  ModelSourceSpec hub;
  hub.kind = ModelSourceKind::hub;
  hub.location = "acme/m";
  hub.remote = quick_settings(listing.url(""));
  CHECK(load_error(hub).find("file name '../../x.gguf'") != std::string::npos);
  // A commit that is not 40 hex digits (it names a cache folder) is refused as well.
  ScriptedServer bad_commit("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
                            R"({"sha":"../../../tmp","siblings":[]})");
  hub.remote = quick_settings(bad_commit.url(""));
  CHECK(load_error(hub).find("the sha is not 40 hexadecimal digits") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(hub.remote.cache_dir + "/hub"));
}

TEST_CASE("remote: nothing is loaded or asked for offline without a cache") {
  ModelSourceSpec spec = url_spec("http://127.0.0.1:9/m.gguf");
  spec.remote.offline = true;
  CHECK(load_error(spec).find("--url needs the network") != std::string::npos);
  ModelSourceSpec hub;
  hub.kind = ModelSourceKind::hub;
  hub.location = "acme/m@v1";
  hub.remote = quick_settings("http://127.0.0.1:9");
  hub.remote.offline = true;
  CHECK(load_error(hub).find("offline (HF_HUB_OFFLINE=1) and acme/m@v1 is not in") !=
        std::string::npos);
}
