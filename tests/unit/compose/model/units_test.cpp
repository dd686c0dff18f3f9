#include <catch2/catch.hpp>

#include "compose/units.h"

using namespace pier::compose;

TEST_CASE("durations parse Go syntax and print back as Go does", "[compose][units]") {
  struct Case { const char* in; int64_t ns; const char* out; };
  const Case cases[] = {
      {"1m30s", 90'000'000'000LL, "1m30s"}, {"10s", 10'000'000'000LL, "10s"},
      {"100ms", 100'000'000LL, "100ms"},     {"1h", 3'600'000'000'000LL, "1h0m0s"},
      {"2us", 2'000LL, "2\xC2\xB5s"},        {"1.5s", 1'500'000'000LL, "1.5s"},
      {"0", 0, "0s"},                        {"30", 30'000'000'000LL, "30s"},
      {"1h2m3s", 3'723'000'000'000LL, "1h2m3s"}, {"5ns", 5, "5ns"}};
  for (const auto& c : cases) {
    INFO(c.in);
    auto d = parse_duration(c.in);
    REQUIRE(d.ok());
    CHECK(*d == c.ns);
    CHECK(format_duration(*d) == c.out);
  }
  for (const char* bad : {"", "abc", "10x", "1..s", "s"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad).ok());
  }
}

TEST_CASE("byte sizes accept unit suffixes", "[compose][units]") {
  CHECK(*parse_bytes("512m") == 536870912);
  CHECK(*parse_bytes("1gb") == 1073741824);
  CHECK(*parse_bytes("2g") == 2147483648LL);
  CHECK(*parse_bytes("1024") == 1024);
  CHECK(*parse_bytes("64k") == 65536);
  CHECK(*parse_bytes("1.5k") == 1536);
  CHECK(*parse_bytes("10MiB") == 10485760);
  CHECK_FALSE(parse_bytes("12q").ok());
  CHECK_FALSE(parse_bytes("m").ok());
}

TEST_CASE("string commands split like a shell", "[compose][units]") {
  using V = std::vector<std::string>;
  CHECK(*shell_split("echo hello world") == V{"echo", "hello", "world"});
  CHECK(*shell_split("sh -c 'echo $HOME && ls'") == V{"sh", "-c", "echo $HOME && ls"});
  CHECK(*shell_split("echo \"a \\\"b\\\" c\"") == V{"echo", "a \"b\" c"});
  CHECK(*shell_split("a\\ b  c") == V{"a b", "c"});
  CHECK(*shell_split("''") == V{""});
  CHECK(shell_split("").value().empty());
  CHECK_FALSE(shell_split("echo 'unterminated").ok());
}
