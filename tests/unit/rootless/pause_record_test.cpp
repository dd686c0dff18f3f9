#include "rootless/pause_record.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "state/container_record.h"

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

TEST_CASE("pause record: a live process in this process's user namespace is no pause process") {
  // pier's pause process holds a user namespace of its own: a recycled pid of any other
  // process, this one included, is never joined.
  char tmpl[] = "/tmp/pier-unit-pause-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string path = dir + "/pause.pid";
  PauseRecord self{::getpid(), pier::state::process_start_time(::getpid())};
  REQUIRE(write_pause_record(path, self));
  CHECK_FALSE(live_pause(path));
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}
