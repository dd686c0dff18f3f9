#include <catch2/catch.hpp>

#include "base/path.h"

using namespace pier;

TEST_CASE("clean_path is Go's path.Clean", "[base][path]") {
  // Go's own table (path/path_test.go) for '/'-separated paths.
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"", "."},          {"abc", "abc"},         {"abc/def", "abc/def"},  {"a/b/c", "a/b/c"},
      {".", "."},         {"..", ".."},           {"../..", "../.."},      {"../../abc", "../../abc"},
      {"/abc", "/abc"},   {"/", "/"},             {"abc/", "abc"},         {"/abc/", "/abc"},
      {"abc//def//ghi", "abc/def/ghi"},           {"//abc", "/abc"},       {"///abc", "/abc"},
      {"abc/./def", "abc/def"},                   {"/./abc/def", "/abc/def"},
      {"abc/.", "abc"},   {"abc/def/ghi/../jkl", "abc/def/jkl"},           {"abc/def/../ghi/../jkl", "abc/jkl"},
      {"abc/def/..", "abc"},                      {"abc/def/../..", "."},  {"/abc/def/../..", "/"},
      {"abc/def/../../..", ".."},                 {"/abc/def/../../..", "/"},
      {"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
      {"/../abc", "/abc"},                        {"a//b/./c/..", "a/b"},  {"../x/", "../x"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(clean_path(c.in) == c.out);
  }
}

TEST_CASE("clean_rooted_path never climbs above its root", "[base][path]") {
  CHECK(clean_rooted_path("") == "/");
  CHECK(clean_rooted_path("etc/passwd") == "/etc/passwd");
  CHECK(clean_rooted_path("../../etc/shadow") == "/etc/shadow");
  CHECK(clean_rooted_path("/data/../../..//x/./y/") == "/x/y");
  CHECK(clean_rooted_path("/var/lib/db") == "/var/lib/db");
  CHECK(clean_rooted_path("a/b/..") == "/a");
}
