// End-to-end: `vramcalc gpus` and user GPU databases.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

TEST_CASE("cli: gpus lists the database as text and JSON") {
  const auto text = run_cli({"gpus"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("nvidia-l4") != std::string::npos);
  CHECK(text.out.find("23034") != std::string::npos);
  const auto j = run_cli({"gpus", "--format", "json"});
  CHECK(j.exit_code == 0);
  const json doc = json::parse(j.out);
  CHECK(doc["schema_version"] == 2);
  CHECK(doc["gpus"].size() >= 43);
  for (const auto& gpu : doc["gpus"]) {
    CHECK(gpu["usable_bytes"].get<std::uint64_t>() > 0);
    CHECK_FALSE(gpu["sources"].empty());
  }
}

TEST_CASE("cli: --gpu-db and VRAMCALC_GPU_DB add and override cards by id") {
  const std::string dir = temp_dir();
  write_file(dir + "/extra.json",
             R"({"gpus": [{"id": "lab-card", "name": "Lab Card 20G", "aliases": ["labcard"],
                 "memory_gb": 20, "sources": ["our lab"]}]})");
  write_file(dir + "/override.json", R"([{"id": "nvidia-l4", "usable_mib": 10000}])");
  const auto added = run_cli({"--params", "1B", "--gpu", "labcard", "--gpu-db", dir + "/extra.json",
                              "--format", "json"});
  CHECK(added.exit_code == 0);
  CHECK(json::parse(added.out)["hardware"]["gpus"][0]["usable_bytes"] == 20ULL << 30);
  const auto env = run_cli({"--params", "7B", "--gpu", "L4", "--format", "json"},
                           {{"VRAMCALC_GPU_DB", dir + "/override.json"}});
  CHECK(env.exit_code == 1);  // 16.5 GB no longer fits in 10000 MiB
  CHECK(json::parse(env.out)["hardware"]["gpus"][0]["usable_bytes"] == 10000ULL << 20);
  const auto listed = run_cli({"gpus", "--gpu-db", dir + "/extra.json", "--format", "json"});
  const json listing = json::parse(listed.out);
  bool found = false;
  for (const auto& gpu : listing["gpus"]) {
    found = found || gpu["id"] == "lab-card";
  }
  CHECK(found);
}

TEST_CASE("cli: a broken GPU database is exit 2 naming the file") {
  const std::string dir = temp_dir();
  write_file(dir + "/broken.json", "{\"gpus\": [ {\"id\": \"x\", \"memory_gb\": \"lots\"} ]}");
  const auto r = run_cli({"gpus", "--gpu-db", dir + "/broken.json"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("broken.json") != std::string::npos);
  CHECK(r.err.find("must be a number") != std::string::npos);
  const auto env = run_cli({"gpus"}, {{"VRAMCALC_GPU_DB", dir + "/missing.json"}});
  CHECK(env.exit_code == 2);
  CHECK(env.err.find("VRAMCALC_GPU_DB") != std::string::npos);
}

TEST_CASE("cli: hostile GPU databases are refused with one line and exit 2") {
  const std::string dir = temp_dir();
  // Found by fuzz/gpu_db_fuzz.cpp: a number too large for a double made the parser throw an
  // exception the loader did not catch (std::terminate).
  write_file(dir + "/overflow.json", R"([{"id": "x", "memory_gb": 9e29720}])");
  write_file(dir + "/deep.json", std::string(100000, '[') + std::string(100000, ']'));
  write_file(dir + "/huge.json", R"([{"id": "x", "memory_gb": 1e300}])");
  write_file(dir + "/negative.json", R"([{"id": "x", "memory_gb": -24}])");
  for (const char* name : {"overflow.json", "deep.json", "huge.json", "negative.json"}) {
    INFO(name);
    const auto r = run_cli({"--params", "7B", "--gpu", "L4", "--gpu-db", dir + "/" + name});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(name) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);  // the error and its hint
  }
}
