// Writes the seed corpus of fuzz/gpu_db_fuzz.cpp, structure-aware: small databases built from
// the schema of data/gpus.json, each exercising one field at a value inside, on and past its
// limits, as a new card and as an override of a built-in one (so that the fuzzer starts where
// the interesting states are: a card overridden to almost no memory, usable above memory, a
// name shared by two cards). Hidden from normal runs; after changing the database format, run
//   VRAMCALC_FUZZ_SEED_DIR=fuzz/corpus ./build/tests/vramcalc_tests "fuzz seeds: write the GPU*"
// and commit fuzz/corpus/gpu_db/.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "run_cli.hpp"

using nlohmann::ordered_json;
using namespace vramcalc::test;

namespace {

// Values of each field worth starting from: valid, at a limit, just past it, wrong type.
std::vector<std::pair<std::string, std::vector<ordered_json>>> field_values() {
  const std::string long_name(257, 'n');
  return {
      {"memory_gb", {24, 0.0625, 4096, 4097, 0, -1, 1e-300, "24", nullptr}},
      {"usable_mib", {23034, 64, 63.9, 4194304, 4194305, 0, 1e308, nullptr}},
      {"usable_fraction", {0.75, 1, 1e-300, 0.00001, 0, 1.5, nullptr}},
      {"ecc_reserve", {true, false, "yes", nullptr}},
      {"bandwidth_gb_s", {300, 1e6, 1.1e6, 0, -5, nullptr}},
      {"fp16_tflops", {121, 0, 1e7, nullptr}},
      {"fp8_tflops", {242, nullptr, "x"}},
      {"int8_tops", {242, 1e-9}},
      {"interconnect_gb_s", {32, 0, 1e300}},
      {"name", {"Lab Card", "", long_name, "\x1b]0;PWNED\x07\x1b[2J\rFAKE: FITS", 5}},
      {"vendor", {"NVIDIA", "\xc2\x9b" "31m", 7}},
      {"memory_type", {"HBM3", "\u202eGDDR"}},
      {"interconnect", {"NVLink 4", "\n"}},
      {"pcie", {"PCIe 4.0 x16"}},
      {"aliases", {ordered_json::array({"l4", "4090"}), ordered_json::array(), "l4",
                   ordered_json::array({1})}},
      {"default_for", {ordered_json::array({"l4"}), ordered_json::array({"labcard"})}},
      {"sources", {ordered_json::array({"our lab"}), ordered_json(std::vector<std::string>(65, "s"))}},
      {"notes", {ordered_json::array({"a note"}), "note"}},
      {"usable_mb", {100}},
  };
}

ordered_json new_card(const std::string& id) {
  return {{"id", id}, {"name", "Lab " + id}, {"memory_gb", 16}};
}

}  // namespace

TEST_CASE("fuzz seeds: write the GPU database corpus", "[.fuzz-seeds]") {
  namespace fs = std::filesystem;
  const char* root = std::getenv("VRAMCALC_FUZZ_SEED_DIR");
  REQUIRE(root != nullptr);
  const fs::path dir = fs::path(root) / "gpu_db";
  // The folder also holds the minimised corpus grown by fuzz campaigns: seeds are written over
  // their own names, the grown files are left alone.
  fs::create_directories(dir);
  int count = 0;
  const auto seed = [&](const std::string& name, const ordered_json& document) {
    write_file((dir / (std::to_string(count++) + "-" + name + ".json")).string(),
               document.dump());
  };
  // One field at a time, on a new card and on built-in cards (GDDR with ECC, HBM, unified).
  for (const auto& [field, values] : field_values()) {
    int k = 0;
    for (const auto& value : values) {
      ordered_json added = new_card("lab-card");
      added[field] = value;
      seed(field + "-new-" + std::to_string(k), {{"schema_version", 1}, {"gpus", {added}}});
      for (const char* id : {"nvidia-l4", "nvidia-h100-sxm", "apple-m2-ultra"}) {
        seed(field + "-" + id + "-" + std::to_string(k),
             ordered_json::array({{{"id", id}, {field, value}}}));
      }
      ++k;
    }
  }
  // The document around the entries.
  seed("schema-99", {{"schema_version", 99}, {"gpus", ordered_json::array()}});
  seed("schema-string", {{"schema_version", "1"}, {"gpus", ordered_json::array()}});
  seed("about", {{"schema_version", 1}, {"about", "lab cards"}, {"gpus", {new_card("a")}}});
  seed("unknown-top", {{"cards", ordered_json::array()}, {"gpus", ordered_json::array()}});
  seed("duplicate-id", ordered_json::array({new_card("a"), new_card("a")}));
  seed("no-id", ordered_json::array({{{"memory_gb", 8}}}));
  // Two cards one name covers: ambiguous, or a declared default variant of the same memory.
  ordered_json first = new_card("x-16a");
  first["aliases"] = {"x16"};
  ordered_json second = new_card("x-16b");
  second["aliases"] = {"x16"};
  seed("shared-alias", ordered_json::array({first, second}));
  first["default_for"] = {"x16"};
  seed("default-variant", ordered_json::array({first, second}));
  second["memory_gb"] = 32;
  seed("shared-alias-other-memory", ordered_json::array({first, second}));
  // The built-in database itself, merged over itself: every card overridden.
  std::ifstream built_in(std::string(VRAMCALC_SOURCE_DIR) + "/data/gpus.json");
  seed("builtin", ordered_json::parse(built_in));
  // Many small cards, as in a generated inventory.
  ordered_json many = ordered_json::array();
  for (int i = 0; i < 64; ++i) {
    many.push_back({{"id", "card-" + std::to_string(i)}, {"usable_mib", 1024 * (i + 1)}});
  }
  seed("many", {{"gpus", many}});
  CHECK(count > 100);
}
