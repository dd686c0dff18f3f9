#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "app/logs/log_streamer.h"
#include "event/loop.h"
#include "supervisor/logs/log_writer.h"
#include "unit/app/logs_test_util.h"
#include "unit/app/mem_file.h"

using namespace pier::supervisor::logs;
using namespace pier::app::logs;
using namespace std::chrono_literals;
using pier::test::LogsTempDir;

using pier::test::MemFile;

namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1700000000LL * kSec;

std::unique_ptr<pier::event::Loop> new_loop() {
  auto loop = pier::event::make_uv_loop();
  REQUIRE(loop);
  return std::move(loop).value();
}

std::unique_ptr<LogWriter> writer(const std::string& path, Rotation rotation = {}) {
  auto w = LogWriter::open(path, rotation);
  REQUIRE(w);
  return std::move(w).value();
}

}  // namespace

TEST_CASE("the streamer prints merged backlogs, then lines as they come", "[logs]") {
  LogsTempDir dir;
  auto loop = new_loop();
  MemFile out, err;
  std::string web = dir / "web/web-json.log", db = dir / "db/db-json.log";
  auto w_web = writer(web, Rotation{150, 5});  // two entries a file: the backlog spans rotations
  auto w_db = writer(db);
  REQUIRE(w_web->append(Stream::out, "web starting\n", kT0 + 1 * kSec));
  REQUIRE(w_db->append(Stream::out, "db starting\n", kT0 + 2 * kSec));
  REQUIRE(w_web->append(Stream::out, "web ready\n", kT0 + 3 * kSec));
  REQUIRE(w_web->append(Stream::err, "web warning\n", kT0 + 4 * kSec));
  REQUIRE(std::filesystem::exists(web + ".1"));

  LogStreamer streamer(*loop, PrinterOptions{}, out.get(), err.get());
  streamer.printer().add_name("web-1");
  streamer.printer().add_name("db-1");
  REQUIRE(streamer.add({{"web-1", web, true, {}}, {"db-1", db, true, {}}}));
  CHECK(out.text() == "web-1  | web starting\ndb-1   | db starting\nweb-1  | web ready\n");
  CHECK(err.text() == "web-1  | web warning\n");

  REQUIRE(w_db->append(Stream::out, "db ready\n", kT0 + 5 * kSec));
  const std::string want = out.text() + "db-1   | db ready\n";
  CHECK(loop->run_until([&] { return out.text() == want; }, 2000ms));

  SECTION("remove prints what is left, then stops") {
    REQUIRE(w_web->append(Stream::out, "web last words\n", kT0 + 6 * kSec));
    streamer.remove("web-1");  // before the loop saw the write
    CHECK_FALSE(streamer.contains("web-1"));
    std::string after_remove = want + "web-1  | web last words\n";
    CHECK(out.text() == after_remove);
    REQUIRE(w_web->append(Stream::out, "unheard\n", kT0 + 7 * kSec));
    loop->run_until([] { return false; }, 100ms);
    CHECK(out.text() == after_remove);
  }
  SECTION("poll_all reads every log once more") {
    REQUIRE(w_web->append(Stream::out, "x\n", kT0 + 6 * kSec));
    REQUIRE(w_db->append(Stream::out, "y\n", kT0 + 7 * kSec));
    streamer.poll_all();
    CHECK(out.text() == want + "web-1  | x\ndb-1   | y\n");
  }
}

TEST_CASE("the streamer's backlog honours tail, since and until", "[logs]") {
  LogsTempDir dir;
  auto loop = new_loop();
  MemFile out;
  std::string path = dir / "c-json.log";
  auto w = writer(path);
  for (int i = 0; i < 6; ++i) REQUIRE(w->append(Stream::out, std::to_string(i) + "\n", kT0 + i * kSec));

  LogStreamer streamer(*loop, PrinterOptions{.prefix = false}, out.get());
  SECTION("tail") {
    REQUIRE(streamer.add("c", path, true, ReadOptions{.tail = 2}));
    CHECK(out.text() == "4\n5\n");
  }
  SECTION("until also bounds what comes later") {
    REQUIRE(streamer.add("c", path, true, ReadOptions{.since_ns = kT0 + 2 * kSec, .until_ns = kT0 + 7 * kSec}));
    CHECK(out.text() == "2\n3\n4\n5\n");
    REQUIRE(w->append(Stream::out, "late\n", kT0 + 8 * kSec));
    REQUIRE(w->append(Stream::out, "in time\n", kT0 + 7 * kSec));
    CHECK(loop->run_until([&] { return out.text() == "2\n3\n4\n5\nin time\n"; }, 2000ms));
  }
  SECTION("not from the start: only what is written after") {
    REQUIRE(streamer.add("c", path, false));
    CHECK(out.text().empty());
    REQUIRE(w->append(Stream::out, "new\n", kT0 + 9 * kSec));
    CHECK(loop->run_until([&] { return out.text() == "new\n"; }, 2000ms));
  }
  SECTION("a name followed twice is an error") {
    REQUIRE(streamer.add("c", path, false));
    auto again = streamer.add("c", path, false);
    REQUIRE_FALSE(again);
    CHECK(again.error().to_string() == "already following the logs of c");
  }
  SECTION("so is a name given twice in one call, and then nothing is added") {
    auto twice = streamer.add({{"d", path, true, {}}, {"d", path, true, {}}});
    REQUIRE_FALSE(twice);
    CHECK_FALSE(streamer.contains("d"));
    CHECK(out.text().empty());
  }
}

TEST_CASE("the streamer follows a container whose log appears later", "[logs]") {
  LogsTempDir dir;
  auto loop = new_loop();
  MemFile out;
  std::string path = dir / "containers/p/p-web-1/p-web-1-json.log";
  LogStreamer streamer(*loop, PrinterOptions{}, out.get());
  REQUIRE(streamer.add("web-1", path, true));
  auto w = writer(path);
  REQUIRE(w->append(Stream::out, "first\n", kT0));
  CHECK(loop->run_until([&] { return out.text() == "web-1  | first\n"; }, 2000ms));
}
