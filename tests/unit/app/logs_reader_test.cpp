#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "app/logs/log_reader.h"
#include "supervisor/logs/log_writer.h"
#include "unit/app/logs_test_util.h"

using namespace pier::supervisor::logs;
using namespace pier::app::logs;
using pier::test::LogsTempDir;
using pier::test::spit;

namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1700000000LL * kSec;

// Lines "0\n" ... "<n-1>\n", one second apart from kT0, across rotated files.
std::string write_numbered(const LogsTempDir& dir, int n, Rotation rotation = {400, 10}) {
  std::string path = dir / "c-json.log";
  auto w = LogWriter::open(path, rotation);
  REQUIRE(w);
  for (int i = 0; i < n; ++i)
    REQUIRE((*w)->append(i % 3 == 0 ? Stream::err : Stream::out, std::to_string(i) + "\n", kT0 + i * kSec));
  return path;
}

std::vector<std::string> texts(const std::vector<LogEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.text);
  return out;
}

std::vector<LogEntry> read(const std::string& path, ReadOptions options) {
  auto r = read_logs(path, options);
  INFO((r ? "" : r.error().to_string()));
  REQUIRE(r);
  return std::move(r).value();
}

std::vector<std::string> numbers(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(std::to_string(i) + "\n");
  return out;
}

}  // namespace

TEST_CASE("a log is read across its rotated files, oldest first", "[logs]") {
  LogsTempDir dir;
  std::string path = write_numbered(dir, 30);
  REQUIRE(log_files(path).size() > 2);
  auto entries = read(path, {});
  CHECK(texts(entries) == numbers(0, 30));
  CHECK(entries[3].stream == Stream::err);
  CHECK(entries[4].stream == Stream::out);
  CHECK(entries[29].time_ns == kT0 + 29 * kSec);
}

TEST_CASE("tail takes the last entries, reaching into rotated files", "[logs]") {
  LogsTempDir dir;
  std::string path = write_numbered(dir, 30);
  CHECK(texts(read(path, {.tail = 1})) == numbers(29, 30));
  CHECK(texts(read(path, {.tail = 12})) == numbers(18, 30));  // more than the current file holds
  CHECK(texts(read(path, {.tail = 100})) == numbers(0, 30));
  CHECK(read(path, {.tail = 0}).empty());
}

TEST_CASE("since and until bound by time (inclusive) and tail applies after them", "[logs]") {
  LogsTempDir dir;
  std::string path = write_numbered(dir, 30);
  CHECK(texts(read(path, {.since_ns = kT0 + 25 * kSec})) == numbers(25, 30));
  CHECK(texts(read(path, {.until_ns = kT0 + 4 * kSec})) == numbers(0, 5));
  CHECK(texts(read(path, {.since_ns = kT0 + 10 * kSec, .until_ns = kT0 + 12 * kSec})) == numbers(10, 13));
  CHECK(texts(read(path, {.tail = 2, .until_ns = kT0 + 12 * kSec})) == numbers(11, 13));
  CHECK(texts(read(path, {.tail = 50, .since_ns = kT0 + 28 * kSec})) == numbers(28, 30));
  CHECK(read(path, {.since_ns = kT0 + 31 * kSec}).empty());
}

TEST_CASE("a log that does not exist yet has no entries", "[logs]") {
  LogsTempDir dir;
  CHECK(read(dir / "nothing/here-json.log", {}).empty());
  CHECK(read(dir / "nothing/here-json.log", {.tail = 5}).empty());
  CHECK(log_files(dir / "nothing/here-json.log").empty());
}

TEST_CASE("a torn last line and foreign lines are skipped, not fatal", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "c-json.log";
  spit(path,
       "{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20Z\"}\n"
       "not json at all\n"
       "{\"log\":\"b\\n\",\"stream\":\"stderr\",\"time\":\"2023-11-14T22:13:21Z\"}\n"
       "{\"log\":\"half a line being writ");
  CHECK(texts(read(path, {})) == std::vector<std::string>{"a\n", "b\n"});
  CHECK(texts(read(path, {.tail = 1})) == std::vector<std::string>{"b\n"});
  CHECK(texts(read(path, {.tail = 5})) == std::vector<std::string>{"a\n", "b\n"});
}

TEST_CASE("an unreadable log is an error naming it", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "c-json.log";
  std::filesystem::create_directory(path);  // a directory where the file should be
  auto r = read_logs(path, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().to_string().find(path) != std::string::npos);
}

TEST_CASE("logs of several containers merge by time, ties in container order", "[logs]") {
  auto e = [](const char* text, int64_t t) { return LogEntry{Stream::out, text, t}; };
  std::vector<std::vector<LogEntry>> sources = {
      {e("a1", 1), e("a3", 3), e("a3b", 3), e("a-clock-back", 2)},
      {},
      {e("c0", 0), e("c3", 3), e("c9", 9)},
  };
  auto merged = merge_by_time(std::move(sources));
  std::vector<std::string> got;
  for (const auto& m : merged) got.push_back(std::to_string(m.source) + ":" + m.entry.text);
  // A source's own order is kept even where its clock went back.
  CHECK(got == std::vector<std::string>{"2:c0", "0:a1", "0:a3", "0:a3b", "0:a-clock-back", "2:c3", "2:c9"});
}
