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
  CHECK(doc["schema_version"] == 1);  // the database's schema: the listing is a --gpu-db file
  CHECK(doc["gpus"].size() >= 150);
  for (const auto& gpu : doc["gpus"]) {
    INFO(gpu["id"]);
    CHECK(gpu["usable_bytes"].get<std::uint64_t>() > 0);
    CHECK_FALSE(gpu["sources"].empty());
    // Public sources only: a URL each.
    for (const auto& source : gpu["sources"]) {
      CHECK(source.get<std::string>().rfind("http", 0) == 0);
    }
    // No zero stands for "unknown": a figure is positive or null, and a null has a note.
    bool unknown = false;
    for (const char* key : {"bandwidth_gb_s", "fp16_tflops", "interconnect_gb_s", "memory_gb"}) {
      if (gpu[key].is_null()) {
        unknown = true;
      } else {
        CHECK(gpu[key].get<double>() > 0);
      }
    }
    if (unknown) {
      CHECK_FALSE(gpu["notes"].empty());
    }
    CHECK_FALSE(gpu["form"].is_null());
  }
}

TEST_CASE("cli: the cards named by unseen measurements are in the database") {
  // Cards of published runs that could not be expressed before (issue 13's list).
  for (const char* name :
       {"M1", "M1 Max", "M1 Ultra", "M2 Max", "M3", "3080 Ti", "4070 Ti", "3070", "2080",
        "2070 Max-Q", "RTX 4000 Ada", "P40", "RX 580", "RX 5700 XT", "W7800", "mi250x-gcd",
        "4080", "3080", "M2 Ultra", "M3 Max", "MI300X", "Arc A770", "B580", "Gaudi 3",
        "H20", "B300", "GB200", "L40", "A16", "RTX PRO 6000"}) {
    INFO(name);
    const auto r = run_cli({"--params", "1B", "--gpu", name, "--format", "json"});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
  }
  // Compute figures where the list said they were missing.
  for (const char* id : {"rtx-4080", "rtx-3080-10gb", "apple-m2-ultra", "apple-m3-max"}) {
    INFO(id);
    const json doc = json::parse(run_cli({"gpus", "--format", "json"}).out);
    const auto it = std::find_if(doc["gpus"].begin(), doc["gpus"].end(),
                                 [&](const json& g) { return g["id"] == id; });
    REQUIRE(it != doc["gpus"].end());
    CHECK((*it)["fp16_tflops"].get<double>() > 0);
  }
}

TEST_CASE("cli: gpus filters by vendor and form and usable memory") {
  const json apple =
      json::parse(run_cli({"gpus", "--vendor", "apple", "--min-memory", "60GB", "--format",
                           "json"}).out);
  CHECK(apple["gpus"].size() >= 5);
  for (const auto& gpu : apple["gpus"]) {
    CHECK(gpu["vendor"] == "Apple");
    CHECK(gpu["usable_bytes"].get<std::uint64_t>() >= 60'000'000'000ULL);
  }
  const json small = json::parse(
      run_cli({"gpus", "--form", "datacenter", "--max-memory", "24GiB", "--format", "json"}).out);
  CHECK_FALSE(small["gpus"].empty());
  for (const auto& gpu : small["gpus"]) {
    CHECK(gpu["form"] == "datacenter");
    CHECK(gpu["usable_bytes"].get<std::uint64_t>() <= 24ULL << 30);
  }
  const auto text = run_cli({"gpus", "--vendor", "NVIDIA", "--form", "laptop"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("laptop") != std::string::npos);
  CHECK(text.out.find("apple-") == std::string::npos);
  const auto typo = run_cli({"gpus", "--vendor", "nvdia"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.out.empty());
  CHECK(typo.err.find("did you mean 'NVIDIA'?") != std::string::npos);
  const auto form = run_cli({"gpus", "--form", "server"});
  CHECK(form.exit_code == 2);
  CHECK(form.err.find("known: consumer, laptop, workstation, datacenter, unified") !=
        std::string::npos);
  const auto range = run_cli({"gpus", "--min-memory", "80GB", "--max-memory", "24GB"});
  CHECK(range.exit_code == 2);
  CHECK(range.err.find("--min-memory is more than --max-memory") != std::string::npos);
}

TEST_CASE("cli: the gpus listing reads back unchanged as a --gpu-db file") {
  const std::string dir = temp_dir();
  const auto listed = run_cli({"gpus", "--format", "json"});
  write_file(dir + "/all.json", listed.out);
  const auto again = run_cli({"gpus", "--gpu-db", dir + "/all.json", "--format", "json"});
  REQUIRE(again.exit_code == 0);
  json first = json::parse(listed.out);
  json second = json::parse(again.out);
  for (auto& gpu : second["gpus"]) {
    CHECK(gpu["origin"] == dir + "/all.json");  // every card came from the file
    gpu["origin"] = "built-in";
  }
  CHECK(first == second);
}

TEST_CASE("cli: --which-gpus --sort cost ranks priced cards by cost per hour") {
  const std::string dir = temp_dir();
  // Prices are the user's: cards with a price_per_hour rank first, cheapest first.
  write_file(dir + "/prices.json", R"([{"id": "nvidia-h100-sxm", "price_per_hour": 2.5},
      {"id": "nvidia-l40s", "price_per_hour": 0.9, "currency": "USD"},
      {"id": "nvidia-a100-80gb-sxm4", "price_per_hour": 1.4}])");
  const auto r = run_cli({"--params", "70B", "--dtype", "fp16", "--which-gpus", "--sort", "cost",
                          "--gpu-db", dir + "/prices.json", "--format", "json"});
  REQUIRE(r.exit_code == 0);
  const json gpus = json::parse(r.out)["solve"]["gpus"];
  CHECK(json::parse(r.out)["solve"]["gpus_order"] == "cost");
  // 70B at fp16 (~141 GB of weights): 2 x H100 = 5.0/h, 2 x A100 80GB = 2.8/h, 4 x L40S = 3.6/h.
  REQUIRE(gpus.size() > 3);
  CHECK(gpus[0]["id"] == "nvidia-a100-80gb-sxm4");
  CHECK(gpus[0]["cost_per_hour"].get<double>() == Approx(2.8));
  CHECK(gpus[1]["id"] == "nvidia-l40s");
  CHECK(gpus[1]["cost_per_hour"].get<double>() == Approx(3.6));
  CHECK(gpus[2]["id"] == "nvidia-h100-sxm");
  CHECK(gpus[2]["currency"] == "USD");
  CHECK(gpus[3]["cost_per_hour"].is_null());
  const auto text = run_cli({"--params", "70B", "--dtype", "fp16", "--which-gpus", "--sort",
                             "cost", "--gpu-db", dir + "/prices.json"});
  CHECK(text.out.find("2.80 USD/h") != std::string::npos);
  // Two currencies cannot be ranked together; --sort needs --which-gpus; a bad order names both.
  write_file(dir + "/mixed.json", R"([{"id": "nvidia-h100-sxm", "price_per_hour": 2.5},
      {"id": "nvidia-a100-80gb-sxm4", "price_per_hour": 1.4, "currency": "EUR"}])");
  const auto mixed = run_cli({"--params", "70B", "--dtype", "fp16", "--which-gpus", "--sort",
                              "cost", "--gpu-db", dir + "/mixed.json"});
  CHECK(mixed.exit_code == 2);
  CHECK(mixed.err.find("cannot be ranked together") != std::string::npos);
  const auto lone = run_cli({"--params", "7B", "--gpu", "L4", "--sort", "cost"});
  CHECK(lone.exit_code == 2);
  CHECK(lone.err.find("--sort ranks the cards of --which-gpus") != std::string::npos);
  const auto bad = run_cli({"--params", "7B", "--which-gpus", "--sort", "price"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("use --sort cards or --sort cost") != std::string::npos);
}

TEST_CASE("cli: a price or form in a user database is checked") {
  const std::string dir = temp_dir();
  write_file(dir + "/price.json", R"([{"id": "nvidia-l4", "price_per_hour": -1}])");
  write_file(dir + "/form.json", R"([{"id": "nvidia-l4", "form": "server"}])");
  write_file(dir + "/year.json", R"([{"id": "nvidia-l4", "launch_year": 20.5}])");
  write_file(dir + "/typo.json", R"([{"id": "nvidia-l4", "price_per_hr": 1}])");
  const struct {
    const char* file;
    const char* needle;
  } cases[] = {{"price.json", "'price_per_hour'"},
               {"form.json", "use consumer, laptop, workstation, datacenter or unified"},
               {"year.json", "'launch_year' must be a whole year"},
               {"typo.json", "did you mean 'price_per_hour'?"}};
  for (const auto& c : cases) {
    INFO(c.file);
    const auto r = run_cli({"gpus", "--gpu-db", dir + "/" + c.file});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(c.needle) != std::string::npos);
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
