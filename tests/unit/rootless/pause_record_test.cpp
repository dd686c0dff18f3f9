#include "rootless/pause_record.h"

#include <catch2/catch.hpp>

using namespace pier::rootless;

TEST_CASE("pause record: pid and start time round-trip") {
  auto text = format_pause_record({4242, 987654321});
  CHECK(text == "4242 987654321\n");
  auto back = parse_pause_record(text);
  REQUIRE(back);
  CHECK(back->pid == 4242);
  CHECK(back->start_time == 987654321);
  CHECK(parse_pause_record("4242 987654321"));
}

TEST_CASE("pause record: anything else is no record") {
  for (const char* bad : {"", "4242", "4242 ", "0 5", "-1 5", "4242 0", "4242 5 6", "4242 5\n\n", "x 5", "4242\t5"})
    CHECK_FALSE(parse_pause_record(bad));
}

TEST_CASE("pause record: a record of a process that does not run is no pause process") {
  CHECK_FALSE(live_pause("/nonexistent/pause.pid"));
}
