#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <string>
#include <vector>

#include "app/logs/log_reader.h"
#include "supervisor/logs/json_line.h"
#include "supervisor/logs/log_writer.h"
#include "unit/app/logs_test_util.h"

using namespace pier::supervisor::logs;
using namespace pier::app::logs;
using pier::test::LogsTempDir;
using pier::test::slurp;

namespace {

constexpr int64_t kT0 = 1700000000LL * 1'000'000'000;

std::unique_ptr<LogWriter> open_writer(const std::string& path, Rotation rotation = {}) {
  auto w = LogWriter::open(path, rotation);
  INFO((w ? "" : w.error().to_string()));
  REQUIRE(w);
  return std::move(w).value();
}

std::vector<LogEntry> all_entries(const std::string& path) {
  auto entries = read_logs(path, {});
  REQUIRE(entries);
  return std::move(entries).value();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("entries are Docker json-file lines, one per line of output", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "containers/demo/demo-web-1/demo-web-1-json.log";
  auto w = open_writer(path);  // creates the directories
  REQUIRE(w->append(Stream::out, "hello\nworld\n", kT0 + 123456789));
  REQUIRE(w->append(Stream::err, "oops\n", kT0 + 500000000));
  CHECK(slurp(path) ==
        "{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20.123456789Z\"}\n"
        "{\"log\":\"world\\n\",\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20.123456789Z\"}\n"
        "{\"log\":\"oops\\n\",\"stream\":\"stderr\",\"time\":\"2023-11-14T22:13:20.5Z\"}\n");
  CHECK(w->size() == file_size(path));
}

TEST_CASE("a line split across chunks is one entry, stamped when it ends", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "x-json.log";
  auto w = open_writer(path);
  REQUIRE(w->append(Stream::out, "hel", kT0 + 1));
  CHECK(slurp(path).empty());  // nothing complete yet: nothing written
  REQUIRE(w->append(Stream::out, "lo\nwor", kT0 + 2));
  REQUIRE(w->append(Stream::err, "err line\n", kT0 + 3));  // stderr does not finish stdout's line
  REQUIRE(w->append(Stream::out, "ld\n", kT0 + 4));
  auto entries = all_entries(path);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].text == "hello\n");
  CHECK(entries[0].time_ns == kT0 + 2);
  CHECK(entries[1].text == "err line\n");
  CHECK(entries[1].stream == Stream::err);
  CHECK(entries[2].text == "world\n");
  CHECK(entries[2].stream == Stream::out);
  CHECK(entries[2].time_ns == kT0 + 4);
}

TEST_CASE("flush writes held partial lines without a newline", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "x-json.log";
  auto w = open_writer(path);
  REQUIRE(w->append(Stream::err, "no newline on stderr", kT0));
  REQUIRE(w->append(Stream::out, "done\nprompt> ", kT0));
  REQUIRE(w->flush(kT0 + 9));
  auto entries = all_entries(path);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].text == "done\n");
  CHECK(entries[1].text == "prompt> ");  // stdout's held line first
  CHECK(entries[1].stream == Stream::out);
  CHECK(entries[2].text == "no newline on stderr");
  CHECK(entries[2].stream == Stream::err);
  CHECK(entries[2].time_ns == kT0 + 9);
  REQUIRE(w->flush(kT0 + 10));  // nothing held: nothing more written
  CHECK(all_entries(path).size() == 3);
}

TEST_CASE("lines longer than 16 KiB are split into 16 KiB entries", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "x-json.log";
  auto w = open_writer(path);
  const size_t k = LogWriter::kMaxLine;

  SECTION("a complete long line") {
    REQUIRE(w->append(Stream::out, std::string(2 * k + 100, 'x') + "\n", kT0));
    auto entries = all_entries(path);
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].text == std::string(k, 'x'));
    CHECK(entries[1].text == std::string(k, 'x'));
    CHECK(entries[2].text == std::string(100, 'x') + "\n");
  }
  SECTION("exactly 16 KiB and its newline stay one entry") {
    REQUIRE(w->append(Stream::out, std::string(k, 'y'), kT0));
    CHECK(slurp(path).empty());
    REQUIRE(w->append(Stream::out, "\n", kT0));
    auto entries = all_entries(path);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].text == std::string(k, 'y') + "\n");
  }
  SECTION("an unfinished line is written once it passes 16 KiB") {
    REQUIRE(w->append(Stream::out, std::string(k + 10, 'z'), kT0));
    auto entries = all_entries(path);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].text == std::string(k, 'z'));
    REQUIRE(w->append(Stream::out, "end\n", kT0));
    entries = all_entries(path);
    REQUIRE(entries.size() == 2);
    CHECK(entries[1].text == std::string(10, 'z') + "end\n");
  }
  SECTION("a split never cuts a UTF-8 character") {
    std::string line = std::string(k - 1, 'a') + "\xC3\xA9" + "b\n";  // é straddles 16 KiB
    REQUIRE(w->append(Stream::out, line, kT0));
    auto entries = all_entries(path);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].text == std::string(k - 1, 'a'));
    CHECK(entries[1].text == "\xC3\xA9" "b\n");
  }
}

TEST_CASE("text is escaped as Docker escapes it and reads back", "[logs]") {
  std::string out;
  append_json_escaped(out, "q\" b\\ t\t r\r <&> \x01 \x7f \xC3\xA9 \xE2\x80\xA8 \xFF.");
  CHECK(out == "q\\\" b\\\\ t\\t r\\r \\u003c\\u0026\\u003e \\u0001 \x7f \xC3\xA9 \\u2028 \\ufffd.");

  LogEntry entry;
  std::string line;
  append_json_line(line, Stream::err, "q\" <a>\t\xF0\x9F\x90\xB3\n", "2023-11-14T22:13:20Z");
  REQUIRE(line.back() == '\n');
  line.pop_back();
  REQUIRE(parse_json_line(line, entry));
  CHECK(entry.text == "q\" <a>\t\xF0\x9F\x90\xB3\n");
  CHECK(entry.stream == Stream::err);
  CHECK(entry.time_ns == kT0);
}

TEST_CASE("json-file lines from other writers are read too", "[logs]") {
  LogEntry e;
  // Docker's `attrs`, keys in another order, spaces, \u escapes with a surrogate pair.
  REQUIRE(parse_json_line(R"( { "time" : "2023-11-14T22:13:20Z", "attrs":{"a":[1,{"b":null}]},)"
                          R"( "stream":"stderr", "log":"x\u00e9\ud83d\udc33\/\n" } )", e));
  CHECK(e.text == "x\xC3\xA9\xF0\x9F\x90\xB3/\n");
  CHECK(e.stream == Stream::err);
  REQUIRE(parse_json_line(R"({"stream":"stdout","time":"2023-11-14T22:13:20Z"})", e));
  CHECK(e.text.empty());  // Docker omits an empty log
  for (const char* bad : {"", "{", "[]", "{\"log\":\"x\"}", R"({"log":"x","time":"yesterday"})",
                          R"({"log":"x\q","time":"2023-11-14T22:13:20Z"})",
                          R"({"log":"x","time":"2023-11-14T22:13:20Z"} trailing)",
                          R"({"log":"unterminated,"time":"2023-11-14T22:13:20Z"})"}) {
    INFO(bad);
    CHECK_FALSE(parse_json_line(bad, e));
  }
}

TEST_CASE("reopening a log appends to it", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "x-json.log";
  {
    auto w = open_writer(path);
    REQUIRE(w->append(Stream::out, "first run\n", kT0));
  }
  auto w = open_writer(path);
  CHECK(w->size() == file_size(path));
  REQUIRE(w->append(Stream::out, "second run\n", kT0 + 1));
  auto entries = all_entries(path);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].text == "first run\n");
  CHECK(entries[1].text == "second run\n");
}

TEST_CASE("rotation keeps max_files files of at most max_size", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "x-json.log";
  // One entry is 69 bytes ("line NN\n" at kT0): three fit in 220 bytes, not four.
  auto w = open_writer(path, Rotation{220, 3});
  for (int i = 0; i < 20; ++i) {
    char text[16];
    std::snprintf(text, sizeof text, "line %02d\n", i);
    REQUIRE(w->append(Stream::out, text, kT0));
  }
  CHECK(exists(path));
  CHECK(exists(path + ".1"));
  CHECK(exists(path + ".2"));
  CHECK_FALSE(exists(path + ".3"));
  for (const auto& file : log_files(path)) CHECK(file_size(file) <= 220);
  CHECK(log_files(path) == std::vector<std::string>{path + ".2", path + ".1", path});
  // The kept files hold the newest lines, contiguous and in order.
  auto entries = all_entries(path);
  REQUIRE(entries.size() == 8);  // 20 lines = 6 files of 3 + 2; kept: 3 + 3 + 2
  for (size_t i = 0; i < entries.size(); ++i) {
    char want[32];
    std::snprintf(want, sizeof want, "line %02zu\n", 12 + i);
    CHECK(entries[i].text == want);
  }
}

TEST_CASE("one chunk larger than max_size is spread over files, rotating between entries", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "x-json.log";
  auto w = open_writer(path, Rotation{220, 3});
  std::string chunk;
  for (int i = 0; i < 9; ++i) {
    char text[16];
    std::snprintf(text, sizeof text, "line %02d\n", i);
    chunk += text;
  }
  REQUIRE(w->append(Stream::out, chunk, kT0));  // one read of a pipe: 9 lines at once
  CHECK(log_files(path) == std::vector<std::string>{path + ".2", path + ".1", path});
  for (const auto& file : log_files(path)) CHECK(file_size(file) <= 220);
  CHECK(all_entries(path).size() == 9);
}

TEST_CASE("max_files 1 keeps only the current file", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "x-json.log";
  auto w = open_writer(path, Rotation{100, 1});
  for (int i = 0; i < 5; ++i) REQUIRE(w->append(Stream::out, "0123456789\n", kT0));
  CHECK_FALSE(exists(path + ".1"));
  auto entries = all_entries(path);
  CHECK(entries.size() == 1);
  CHECK(lines_of(slurp(path)).size() == 1);
}

TEST_CASE("an unlimited max_size never rotates", "[logs]") {
  LogsTempDir dir;
  std::string path = dir / "x-json.log";
  auto w = open_writer(path, Rotation{Rotation::kUnlimited, 3});
  for (int i = 0; i < 100; ++i) REQUIRE(w->append(Stream::out, "0123456789\n", kT0));
  CHECK_FALSE(exists(path + ".1"));
  CHECK(all_entries(path).size() == 100);
}

TEST_CASE("logging options give the rotation, errors name option and value", "[logs]") {
  auto rot = [](std::map<std::string, std::string> options) {
    auto r = rotation_from_options(options);
    INFO((r ? "" : r.error().to_string()));
    REQUIRE(r);
    return *r;
  };
  CHECK(rot({}).max_size == 10 * 1024 * 1024);
  CHECK(rot({}).max_files == 3);
  CHECK(rot({{"max-size", "10k"}}).max_size == 10240);
  CHECK(rot({{"max-size", "10m"}}).max_size == 10 * 1024 * 1024);
  CHECK(rot({{"max-size", "1g"}}).max_size == 1024ULL * 1024 * 1024);
  CHECK(rot({{"max-size", "1.5m"}}).max_size == 1536 * 1024);
  CHECK(rot({{"max-size", "20MiB"}}).max_size == 20 * 1024 * 1024);
  CHECK(rot({{"max-size", "512"}}).max_size == 512);
  CHECK(rot({{"max-size", "-1"}}).max_size == Rotation::kUnlimited);
  CHECK(rot({{"max-file", "5"}, {"compress", "true"}}).max_files == 5);

  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"max-size", "abc"}, {"max-size", "10q"}, {"max-size", ""}, {"max-size", "0"},
           {"max-size", "-5"}, {"max-file", "0"}, {"max-file", "x"}, {"max-file", "-1"},
           {"max-file", ""}}) {
    auto r = rotation_from_options({{key, value}});
    INFO(key << "=" << value);
    REQUIRE_FALSE(r);
    std::string msg = r.error().to_string();
    CHECK(msg.find("logging option " + key) != std::string::npos);
    CHECK(msg.find("`" + value + "`") != std::string::npos);
  }
}
