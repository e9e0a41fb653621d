#include "catch.hpp"
#include "vramcalc/spelling.hpp"

using namespace vramcalc;

TEST_CASE("edit distance is case-insensitive Levenshtein") {
  CHECK(edit_distance("L5", "l4") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("same", "SAME") == 0);
}

TEST_CASE("closest_name suggests only plausible typos") {
  const std::vector<std::string> names = {"l4", "a10", "rtx4090", "h100"};
  CHECK(closest_name("L5", names) == "l4");
  CHECK(closest_name("rtx4909", names) == "rtx4090");
  CHECK_FALSE(closest_name("completely-different", names).has_value());
}
