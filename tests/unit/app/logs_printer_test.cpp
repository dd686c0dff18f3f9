#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>

#include <string>

#include "app/logs/log_printer.h"
#include "supervisor/logs/log_time.h"
#include "unit/app/mem_file.h"

using namespace pier::supervisor::logs;
using namespace pier::app::logs;

using pier::test::MemFile;

namespace {

const int64_t kTime = civil_to_unix_ns(2026, 11, 23, 10, 0, 0) + 123456789;

LogEntry entry(std::string text, Stream stream = Stream::out) { return {stream, std::move(text), kTime}; }

}  // namespace

TEST_CASE("the prefix is the name padded to the width, then ' | '", "[logs]") {
  CHECK(format_prefix("web-1", 6, "") == "web-1  | ");
  CHECK(format_prefix("db-1", 6, "") == "db-1   | ");
  CHECK(format_prefix("a-very-long-name", 6, "") == "a-very-long-name | ");
  // Compose colours the whole prefix, bar included.
  CHECK(format_prefix("web-1", 6, "36") == "\033[36mweb-1  | \033[0m");
  CHECK(format_prefix("web-1", 6, "33;1") == "\033[33;1mweb-1  | \033[0m");
}

TEST_CASE("an entry prints as prefixed lines, with the time when asked", "[logs]") {
  CHECK(format_entry("web-1  | ", entry("hello\n"), false) == "web-1  | hello\n");
  CHECK(format_entry("web-1  | ", entry("hello\n"), true) ==
        "web-1  | 2026-11-23T10:00:00.123456789Z hello\n");
  CHECK(format_entry("", entry("no prefix\n"), false) == "no prefix\n");
  CHECK(format_entry("", entry("no prefix\n"), true) == "2026-11-23T10:00:00.123456789Z no prefix\n");
  // A split line (no newline) still ends its printed line.
  CHECK(format_entry("w | ", entry("partial"), false) == "w | partial\n");
  CHECK(format_entry("w | ", entry("\n"), false) == "w | \n");
  CHECK(format_entry("w | ", entry("two\nlines\n"), false) == "w | two\nw | lines\n");
  CHECK(format_entry("w | ", entry("crlf\r\n"), false) == "w | crlf\r\n");
}

TEST_CASE("Compose's palette, in its order", "[logs]") {
  CHECK(kPalette[0] == "36");
  CHECK(kPalette[1] == "33");
  CHECK(kPalette[2] == "32");
  CHECK(kPalette[3] == "35");
  CHECK(kPalette[4] == "34");
  CHECK(kPalette[5] == "36;1");
  CHECK(kPalette[9] == "34;1");
}

TEST_CASE("the printer pads every prefix to the longest name and cycles colours", "[logs]") {
  MemFile out, err;
  LogPrinter printer({.color = true}, out.get(), err.get());
  printer.add_name("web-1");
  printer.print("web-1", entry("one\n"));
  printer.add_name("worker-10");  // wider: later lines of web-1 are padded further
  printer.add_name("web-1");      // known: keeps its colour
  printer.print("web-1", entry("two\n"));
  printer.print("worker-10", entry("three\n", Stream::err));
  printer.print("db-1", entry("four\n"));  // unknown names register on first use
  CHECK(printer.width() == 10);
  CHECK(out.text() ==
        "\033[36mweb-1  | \033[0mone\n"
        "\033[36mweb-1      | \033[0mtwo\n"
        "\033[32mdb-1       | \033[0mfour\n");
  CHECK(err.text() == "\033[33mworker-10  | \033[0mthree\n");  // stderr to stderr
}

TEST_CASE("the printer without colour, prefix, or a separate stderr", "[logs]") {
  MemFile out;
  SECTION("monochrome") {
    LogPrinter printer({.color = false}, out.get());
    printer.print("web-1", entry("a\n", Stream::err));
    printer.print("web-1", entry("b\n"));
    CHECK(out.text() == "web-1  | a\nweb-1  | b\n");
  }
  SECTION("--no-log-prefix -t") {
    LogPrinter printer({.color = true, .prefix = false, .timestamps = true}, out.get());
    printer.print("web-1", entry("a\n"));
    CHECK(out.text() == "2026-11-23T10:00:00.123456789Z a\n");
  }
}
