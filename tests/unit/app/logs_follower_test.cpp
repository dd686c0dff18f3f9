#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "app/logs/log_follower.h"
#include "supervisor/logs/log_writer.h"
#include "unit/app/logs_test_util.h"

using namespace pier::supervisor::logs;
using namespace pier::app::logs;
using pier::test::LogsTempDir;
using pier::test::wait_readable;

namespace {

constexpr int64_t kT0 = 1700000000LL * 1'000'000'000;

std::unique_ptr<LogFollower> follow(const std::string& path, bool from_start) {
  auto f = LogFollower::open(path, from_start);
  INFO((f ? "" : f.error().to_string()));
  REQUIRE(f);
  return std::move(f).value();
}

std::unique_ptr<LogWriter> writer(const std::string& path, Rotation rotation = {}) {
  auto w = LogWriter::open(path, rotation);
  REQUIRE(w);
  return std::move(w).value();
}

std::vector<std::string> texts(const std::vector<LogEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.text);
  return out;
}

// Reads until `want` entries came (waking on the follower's fd as a loop would), or
// two seconds pass.
std::vector<std::string> read_until(LogFollower& f, size_t want) {
  std::vector<std::string> got;
  for (int round = 0; round < 40 && got.size() < want; ++round) {
    wait_readable(f.fd(), 50);
    auto entries = f.read_new();
    INFO((entries ? "" : entries.error().to_string()));
    REQUIRE(entries);
    for (auto& t : texts(*entries)) got.push_back(t);
  }
  return got;
}

std::vector<std::string> numbers(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(std::to_string(i) + "\n");
  return out;
}

}  // namespace

TEST_CASE("a follower sees lines appended after it opened", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "c-json.log";
  auto w = writer(path);
  REQUIRE(w->append(Stream::out, "before\n", kT0));

  SECTION("from the end") {
    auto f = follow(path, false);
    CHECK(f->read_new()->empty());
    CHECK_FALSE(wait_readable(f->fd(), 0));
    REQUIRE(w->append(Stream::err, "after\n", kT0 + 1));
    REQUIRE(wait_readable(f->fd(), 2000));  // the write is an inotify event
    auto entries = f->read_new();
    REQUIRE(entries);
    REQUIRE(entries->size() == 1);
    CHECK((*entries)[0].text == "after\n");
    CHECK((*entries)[0].stream == Stream::err);
    CHECK((*entries)[0].time_ns == kT0 + 1);
    CHECK_FALSE(wait_readable(f->fd(), 0));  // read_new drained the events
  }
  SECTION("from the start") {
    auto f = follow(path, true);
    REQUIRE(w->append(Stream::out, "after\n", kT0 + 1));
    CHECK(read_until(*f, 2) == std::vector<std::string>{"before\n", "after\n"});
  }
}

TEST_CASE("a follower holds a partial line until its end is written", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "c-json.log";
  auto w = writer(path);
  auto f = follow(path, false);
  std::string line = "{\"log\":\"split\\n\",\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20Z\"}\n";
  pier::test::spit(path, line.substr(0, 20), true);
  CHECK(f->read_new()->empty());
  pier::test::spit(path, line.substr(20), true);
  CHECK(read_until(*f, 1) == std::vector<std::string>{"split\n"});
}

TEST_CASE("a follower opened mid-line skips to the next whole entry", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "c-json.log";
  pier::test::spit(path, "{\"log\":\"torn");
  auto f = follow(path, false);
  pier::test::spit(path, "\\n\",\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20Z\"}\n", true);
  auto w = writer(path);
  REQUIRE(w->append(Stream::out, "whole\n", kT0));
  CHECK(read_until(*f, 1) == std::vector<std::string>{"whole\n"});
}

TEST_CASE("a follower loses no line across rotation", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "c-json.log";
  auto w = writer(path, Rotation{300, 5});  // four entries a file
  auto f = follow(path, false);
  SECTION("read between rotations") {
    std::vector<std::string> got;
    for (int i = 0; i < 20; ++i) {
      REQUIRE(w->append(Stream::out, std::to_string(i) + "\n", kT0));
      if (i % 3 == 0)
        for (auto& t : read_until(*f, 1)) got.push_back(t);
    }
    for (auto& t : read_until(*f, 20 - got.size())) got.push_back(t);
    CHECK(got == numbers(0, 20));
  }
  SECTION("several rotations before it reads") {
    REQUIRE(w->append(Stream::out, "0\n", kT0));
    REQUIRE(read_until(*f, 1) == numbers(0, 1));
    for (int i = 1; i < 14; ++i) REQUIRE(w->append(Stream::out, std::to_string(i) + "\n", kT0));
    REQUIRE(std::filesystem::exists(path + ".3"));  // the followed file is now .3
    CHECK(read_until(*f, 13) == numbers(1, 14));
  }
}

TEST_CASE("a follower starts over when its file is truncated", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "c-json.log";
  auto w = writer(path);
  for (int i = 0; i < 5; ++i) REQUIRE(w->append(Stream::out, "long line number " + std::to_string(i) + "\n", kT0));
  auto f = follow(path, true);
  CHECK(read_until(*f, 5).size() == 5);
  REQUIRE(::truncate(path.c_str(), 0) == 0);
  REQUIRE(w->append(Stream::out, "new\n", kT0));  // O_APPEND: at the new end
  CHECK(read_until(*f, 1) == std::vector<std::string>{"new\n"});
}

TEST_CASE("a follower waits for a log whose directories do not exist yet", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "containers/demo/demo-web-1/demo-web-1-json.log";
  auto f = follow(path, false);
  CHECK(f->read_new()->empty());
  CHECK_FALSE(f->file_id().has_value());
  auto w = writer(path);  // creates the three directories and the file
  REQUIRE(w->append(Stream::out, "hello\n", kT0));
  CHECK(read_until(*f, 1) == std::vector<std::string>{"hello\n"});
  CHECK(f->file_id().has_value());

  SECTION("and for it to come back after its directory was removed") {
    w.reset();
    std::filesystem::remove_all(dir / "containers/demo");
    CHECK(read_until(*f, 1).empty());
    auto again = writer(path);
    REQUIRE(again->append(Stream::out, "second life\n", kT0));
    CHECK(read_until(*f, 1) == std::vector<std::string>{"second life\n"});
  }
}

TEST_CASE("a follower of an unreadable path reports it", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "c-json.log";
  std::filesystem::create_directory(path);
  auto f = follow(path, true);  // a directory opens with O_RDONLY; reading it fails
  auto r = f->read_new();
  REQUIRE_FALSE(r);
  CHECK(r.error().to_string().find("read container log `" + path + "`") != std::string::npos);
}
