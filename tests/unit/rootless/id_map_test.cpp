#include "rootless/id_map.h"

#include <catch2/catch.hpp>

using namespace pier::rootless;

TEST_CASE("subuid: the user's ranges by name or uid, in file order") {
  const char* text =
      "# comment\n"
      "bob:200000:65536\n"
      "ann:100000:65536\n"
      "\n"
      "1000:300000:10\n"
      "ann:x:5\n"             // malformed start
      "ann:400000\n"          // missing count
      "ann:1:2:3\n"           // too many fields
      "ann:500000:0\n"        // empty range
      "ann:4294967290:100\n"  // runs past the 32-bit ids
      "anne:600000:5\n";
  auto ranges = subordinate_ranges(text, "ann", 1000);
  REQUIRE(ranges.size() == 2);
  CHECK(ranges[0].start == 100000);
  CHECK(ranges[0].count == 65536);
  CHECK(ranges[1].start == 300000);
  CHECK(ranges[1].count == 10);
  CHECK(subordinate_ranges(text, "carl", 1002).empty());
  CHECK(subordinate_ranges("ann:100000:65536", "ann", 1000).size() == 1);  // no final newline
}

TEST_CASE("id map: the user is 0, the ranges follow from 1") {
  auto map = build_map(1000, {{100000, 65536}, {300000, 10}});
  REQUIRE(map.size() == 3);
  CHECK(map[0].inside == 0);
  CHECK(map[0].outside == 1000);
  CHECK(map[0].count == 1);
  CHECK(map[1].inside == 1);
  CHECK(map[1].outside == 100000);
  CHECK(map[2].inside == 65537);
  CHECK(map[2].outside == 300000);
  CHECK(mapped_count(map) == 65547);
  CHECK(map_text(map) == "0 1000 1\n1 100000 65536\n65537 300000 10\n");
  CHECK(map_arguments(map) == std::vector<std::string>{"0", "1000", "1", "1", "100000", "65536", "65537", "300000", "10"});
}

TEST_CASE("id map: no more lines than the kernel takes") {
  std::vector<IdRange> many;
  for (unsigned long i = 0; i < 400; ++i) many.push_back({100000 + i * 10, 10});
  auto map = build_map(1000, many);
  CHECK(map.size() == kMaxMapLines);
  CHECK(build_map(1000, {}).size() == 1);
}
