// The progress line: nothing for a moment, then one line redrawn at most ten times a second,
// erased at the end.
#include "catch.hpp"
#include "progress.hpp"

using vramcalc::cli::TerminalProgress;

TEST_CASE("progress is drawn only after a moment and erased at the end") {
  using namespace std::chrono_literals;
  auto now = std::chrono::steady_clock::time_point{};
  std::string screen;
  TerminalProgress progress([&](std::string_view text) { screen += text; }, [&] { return now; });
  progress.on_bytes("config.json", 100, 1000, 100);
  CHECK(screen.empty());  // the first moment: nothing
  progress.on_finish();
  CHECK(screen.empty());  // nothing drawn, nothing to erase
  now += 600ms;
  progress.on_bytes("model-00001-of-00004.safetensors", 65536, 65536, 1'500'000);
  CHECK(screen == "\r\x1b[Kvramcalc: reading model-00001-of-00004.safetensors 0.1 MB of "
                  "0.1 MB (1.5 MB in all)");
  screen.clear();
  now += 50ms;
  progress.on_bytes("x", 1, 0, 2'000'000);
  CHECK(screen.empty());  // too soon after the last line
  now += 100ms;
  progress.on_bytes(std::string(60, 'n') + ".gguf", 2'000'000, 0, 3'000'000);
  CHECK(screen == "\r\x1b[Kvramcalc: reading " + std::string(35, 'n') +
                      ".gguf 2.0 MB (3.0 MB in all)");
  screen.clear();
  progress.on_finish();
  CHECK(screen == "\r\x1b[K");
}
