// The built-in GPU table (generated from data/gpus.json at build time) gives exactly the cards
// that data/gpus.json gives when read as a database file, with every field validated.
#include <fstream>
#include <sstream>

#include "catch.hpp"
#include "vramcalc/gpu.hpp"

using namespace vramcalc;

TEST_CASE("the built-in GPU table equals data/gpus.json read as a database") {
  std::ifstream in(std::string(VRAMCALC_SOURCE_DIR) + "/data/gpus.json", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  GpuDatabase from_json;
  from_json.merge_json(text.str(), "built-in");  // validates every entry and field
  const GpuDatabase table = GpuDatabase::built_in();
  REQUIRE(table.gpus().size() == from_json.gpus().size());
  REQUIRE(table.gpus().size() >= 150);
  for (std::size_t i = 0; i < table.gpus().size(); ++i) {
    INFO(from_json.gpus()[i].id);
    CHECK(table.gpus()[i] == from_json.gpus()[i]);
  }
}
