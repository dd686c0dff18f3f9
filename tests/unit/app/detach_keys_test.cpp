// `--detach-keys` as Docker reads it, and the matcher that holds the keys back from the
// container's input until they are the whole sequence.
#include <catch2/catch.hpp>

#include "app/detach_keys.h"

using pier::app::DetachKeys;

namespace {

DetachKeys keys(const char* text) {
  auto parsed = DetachKeys::parse(text);
  REQUIRE(parsed.ok());
  return std::move(*parsed);
}

}  // namespace

TEST_CASE("detach keys: Docker's default leaves only on ctrl-p then ctrl-q", "[attach]") {
  auto d = keys("ctrl-p,ctrl-q");
  std::string out;
  CHECK_FALSE(d.feed("ls\r", out));
  CHECK(out == "ls\r");
  // Split over two reads, held back meanwhile.
  out.clear();
  CHECK_FALSE(d.feed("\x10", out));
  CHECK(out.empty());
  CHECK(d.feed("\x11" "after", out));
  CHECK(out.empty());
  // In one read, after other keys.
  auto again = keys("ctrl-p,ctrl-q");
  out.clear();
  CHECK(again.feed("echo\x10\x11", out));
  CHECK(out == "echo");
}

TEST_CASE("detach keys: a broken match lets the held keys through in order", "[attach]") {
  auto d = keys("ctrl-p,ctrl-q");
  std::string out;
  CHECK_FALSE(d.feed("\x10x", out));
  CHECK(out == "\x10x");
  // Ctrl-P twice: the first goes through, the second starts the sequence again.
  out.clear();
  CHECK_FALSE(d.feed("\x10\x10", out));
  CHECK(out == "\x10");
  CHECK(d.feed("\x11", out));
}

TEST_CASE("detach keys: letters, every ctrl- key, and unknown keys refused", "[attach]") {
  std::string out;
  CHECK(keys("a,b").feed("zab", out));
  CHECK(out == "z");
  out.clear();
  CHECK(keys("ctrl-@,ctrl-a,ctrl-z,ctrl-[,ctrl-\\,ctrl-],ctrl-^,CTRL-_")
            .feed(std::string("\x00\x01\x1a\x1b\x1c\x1d\x1e\x1f", 8), out));
  CHECK(out.empty());
  for (const char* bad : {"ctrl-1", "ctrl-", "esc", "", "ctrl-p,,ctrl-q"}) {
    auto parsed = DetachKeys::parse(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message().find("--detach-keys: unknown key") == 0);
  }
}
