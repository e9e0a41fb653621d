// The GPU database: the embedded data, forgiving lookups, merging user files.
#include <set>

#include "catch.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gpu.hpp"

using namespace vramcalc;

namespace {
std::string error_of(const GpuDatabase& db, const char* name) {
  try {
    (void)db.resolve(name);
  } catch (const Error& e) {
    return std::string(e.what()) + " | " + e.hint();
  }
  return "no error";
}
}  // namespace

TEST_CASE("the embedded database parses and ids unique and every entry has memory and a source") {
  const GpuDatabase db = GpuDatabase::built_in();
  REQUIRE(db.gpus().size() >= 43);
  std::set<std::string> ids;
  for (const auto& gpu : db.gpus()) {
    INFO(gpu.id);
    CHECK(ids.insert(gpu.id).second);
    CHECK(gpu.memory_bytes > 0);
    CHECK(gpu.usable_bytes > 0);
    CHECK(gpu.usable_bytes <= gpu.memory_bytes + gpu.memory_bytes / 16);
    CHECK_FALSE(gpu.sources.empty());
    CHECK_FALSE(gpu.name.empty());
  }
}

TEST_CASE("usable memory is the driver's total where measured") {
  const GpuDatabase db = GpuDatabase::built_in();
  const GpuSpec& l4 = *db.resolve("L4").gpu;
  CHECK(l4.usable_bytes == 23034ULL * k_mib);  // nvidia-smi on a "24 GB" L4
  CHECK(l4.usable_source == UsableMemorySource::driver);
  CHECK(db.resolve("4090").gpu->usable_bytes == 24564ULL * k_mib);
  CHECK(db.resolve("a100-80gb").gpu->usable_bytes == 80ULL * k_gib);
}

TEST_CASE("usable memory is derived and less ECC on GDDR and where no driver figure exists") {
  const GpuDatabase db = GpuDatabase::built_in();
  const GpuSpec& l40 = *db.resolve("L40").gpu;  // 48 GB GDDR6 with ECC, no nvidia-smi figure
  CHECK(l40.usable_source == UsableMemorySource::derived);
  CHECK(l40.usable_bytes == 48ULL * k_gib / 16 * 15);
  const GpuSpec& mi300x = *db.resolve("MI300X").gpu;  // HBM: no ECC reserve
  CHECK(mi300x.usable_bytes == 192ULL * k_gib);
}

TEST_CASE("lookups forgive case and spaces and dashes and brand words") {
  const GpuDatabase db = GpuDatabase::built_in();
  for (const char* name : {"L4", "l4", "nvidia-l4", "NVIDIA L4"}) {
    INFO(name);
    CHECK(db.resolve(name).gpu->id == "nvidia-l4");
  }
  for (const char* name : {"rtx4090", "RTX 4090", "4090", "GeForce RTX 4090", "rtx-4090"}) {
    INFO(name);
    CHECK(db.resolve(name).gpu->id == "rtx-4090");
  }
  for (const char* name : {"a100-80gb", "A100 80GB", "a100_80gb"}) {
    INFO(name);
    const GpuMatch match = db.resolve(name);
    CHECK(match.gpu->id == "nvidia-a100-80gb-sxm4");
    REQUIRE(match.variants.size() == 1);
    CHECK(match.variants[0]->id == "nvidia-a100-80gb-pcie");
  }
  CHECK(db.resolve("A100-40GB").gpu->id == "nvidia-a100-40gb-sxm4");
  CHECK(db.resolve("h100").gpu->id == "nvidia-h100-sxm");
}

TEST_CASE("a family name whose variants differ in memory is ambiguous") {
  const GpuDatabase db = GpuDatabase::built_in();
  const std::string message = error_of(db, "A100");
  CHECK(message.find("ambiguous") != std::string::npos);
  CHECK(message.find("nvidia-a100-40gb-pcie") != std::string::npos);
  CHECK(message.find("nvidia-a100-80gb-sxm4") != std::string::npos);
  CHECK(error_of(db, "V100").find("ambiguous") != std::string::npos);
}

TEST_CASE("an unknown name suggests the closest") {
  const GpuDatabase db = GpuDatabase::built_in();
  CHECK(error_of(db, "L5").find("did you mean 'l4'?") != std::string::npos);
  CHECK(error_of(db, "rtx4900").find("did you mean") != std::string::npos);
  CHECK(error_of(db, "").find("empty") != std::string::npos);
}

TEST_CASE("merge_json adds cards and overrides fields by id") {
  GpuDatabase db = GpuDatabase::built_in();
  db.merge_json(R"({"gpus": [
      {"id": "my-card", "name": "My Card", "memory_gb": 20, "sources": ["lab"]},
      {"id": "nvidia-l4", "usable_mib": 22000}]})",
                "test.json");
  const GpuSpec& mine = *db.resolve("My Card").gpu;
  CHECK(mine.usable_bytes == 20ULL * k_gib);
  CHECK(mine.origin == "test.json");
  const GpuSpec& l4 = *db.resolve("l4").gpu;
  CHECK(l4.usable_bytes == 22000ULL * k_mib);
  CHECK(l4.name == "NVIDIA L4");  // fields not given are kept
  CHECK(l4.bandwidth_gb_s == 300);
}

TEST_CASE("broken database files are rejected with the entry at fault") {
  GpuDatabase db;
  const auto message = [&](const char* text) {
    try {
      db.merge_json(text, "bad.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("{not json").find("not valid JSON") != std::string::npos);
  CHECK(message(R"({"cards": []})").find("no \"gpus\" list") != std::string::npos);
  CHECK(message(R"([{"name": "x"}])").find("'id'") != std::string::npos);
  CHECK(message(R"([{"id": "x"}])").find("needs 'memory_gb'") != std::string::npos);
  CHECK(message(R"([{"id": "x", "memory_gb": "24"}])").find("must be a number") !=
        std::string::npos);
  CHECK(message(R"([{"id": "x", "memory_gb": -1}])").find("non-negative") != std::string::npos);
  CHECK(message(R"([{"id": "x", "memory_gb": 1e9}])").find("between") != std::string::npos);
  CHECK(message(R"([{"id": "x", "memory_gb": 8}, {"id": "x", "memory_gb": 8}])")
            .find("twice") != std::string::npos);
  CHECK(message(R"([{"id": "x", "memory_gb": 8, "aliases": "x"}])").find("list of strings") !=
        std::string::npos);
}
