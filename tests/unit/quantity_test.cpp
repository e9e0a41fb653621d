// Command-line quantity parsers: parameter counts, sizes, token counts, whole numbers.
#include "catch.hpp"
#include "quantity.hpp"
#include "vramcalc/error.hpp"

using vramcalc::Error;
using vramcalc::cli::parse_count;
using vramcalc::cli::parse_param_count;
using vramcalc::cli::parse_size;
using vramcalc::cli::parse_token_count;

TEST_CASE("parse_param_count accepts the documented spellings") {
  CHECK(parse_param_count("7B", "--params") == 7'000'000'000ULL);
  CHECK(parse_param_count("7b", "--params") == 7'000'000'000ULL);
  CHECK(parse_param_count("0.5B", "--params") == 500'000'000ULL);
  CHECK(parse_param_count("70B", "--params") == 70'000'000'000ULL);
  CHECK(parse_param_count("1.5T", "--params") == 1'500'000'000'000ULL);
  CHECK(parse_param_count("350M", "--params") == 350'000'000ULL);
  CHECK(parse_param_count("125K", "--params") == 125'000ULL);
  CHECK(parse_param_count("7e9", "--params") == 7'000'000'000ULL);
  CHECK(parse_param_count("7000000000", "--params") == 7'000'000'000ULL);
  CHECK(parse_param_count("7_000_000_000", "--params") == 7'000'000'000ULL);
  CHECK(parse_param_count(" 8B ", "--params") == 8'000'000'000ULL);
  CHECK(parse_param_count("1e15", "--params") == 1'000'000'000'000'000ULL);
  CHECK(parse_param_count("8030261248", "--params") == 8'030'261'248ULL);
}

TEST_CASE("parse_param_count rejects zero and negatives and garbage and absurd sizes") {
  for (const char* bad : {"0", "0B", "-1B", "-7", "7X", "B", "", "  ", "abc", "inf", "nan",
                          "1e16", "2000T", "1.2.3B", "7BB", "--7B", "1e999"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_param_count(bad, "--params"), Error);
  }
}

TEST_CASE("parse_param_count names the flag and the fix") {
  try {
    (void)parse_param_count("7X", "--params");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "invalid --params '7X': unknown unit 'X'");
    CHECK(std::string(e.hint()).find("7B") != std::string::npos);
  }
}

TEST_CASE("parse_size needs a unit and keeps decimal and binary apart") {
  CHECK(parse_size("24GB", "--vram") == 24'000'000'000ULL);
  CHECK(parse_size("24GiB", "--vram") == 24ULL << 30);
  CHECK(parse_size("24 gib", "--vram") == 24ULL << 30);
  CHECK(parse_size("512MiB", "--vram") == 512ULL << 20);
  CHECK(parse_size("512MB", "--vram") == 512'000'000ULL);
  CHECK(parse_size("1.5TB", "--vram") == 1'500'000'000'000ULL);
  CHECK(parse_size("1TiB", "--vram") == 1ULL << 40);
  CHECK(parse_size("22.5GiB", "--vram") == 24'159'191'040ULL);  // 22.5 x 2^30
  CHECK(parse_size("100KB", "--vram") == 100'000ULL);
  CHECK(parse_size("4096B", "--vram") == 4096ULL);
  for (const char* bad : {"24", "GB", "-1GB", "0GB", "24XB", "", "1e30GB", "nanGB"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_size(bad, "--vram"), Error);
  }
}

TEST_CASE("parse_token_count reads context lengths as people quote them") {
  CHECK(parse_token_count("4096", "--context") == 4096);
  CHECK(parse_token_count("8k", "--context") == 8192);
  CHECK(parse_token_count("32K", "--context") == 32768);
  CHECK(parse_token_count("128k", "--context") == 131072);
  CHECK(parse_token_count("1M", "--context") == 1048576);
  for (const char* bad : {"0", "-5", "abc", "8x", "", "1.5", "1e9", "0k"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_token_count(bad, "--context"), Error);
  }
}

TEST_CASE("parse_count wants a positive whole number within range") {
  CHECK(parse_count("4", "--batch", 100) == 4);
  CHECK(parse_count("+4", "--batch", 100) == 4);
  CHECK(parse_count("100", "--batch", 100) == 100);
  for (const char* bad : {"abc", "0", "-1", "1.5", "101", "", "4x", "99999999999999999999999"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_count(bad, "--batch", 100), Error);
  }
}
