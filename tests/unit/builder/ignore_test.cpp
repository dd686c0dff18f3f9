// .dockerignore: moby/patternmatcher's rules, with its own test table's cases.
#include <catch2/catch.hpp>

#include "base/path.h"
#include "builder/context/context.h"
#include "builder/context/glob.h"

using namespace pier::builder;
using pier::builder::detail::IgnorePattern;

namespace {

IgnoreMatcher matcher(std::string_view text) {
  auto m = IgnoreMatcher::parse(text, ".dockerignore");
  if (!m) FAIL(m.error().to_string());
  return std::move(m).value();
}

std::string parse_error(std::string_view text) {
  auto m = IgnoreMatcher::parse(text, ".dockerignore");
  if (m) FAIL("parsed: " << text);
  return m.error().to_string();
}

enum Expect { fail, exact, parent };  // parent: only a parent directory matches

}  // namespace

TEST_CASE("pattern kinds: exact, prefix **, suffix **, globs", "[ignore]") {
  struct Case {
    const char* pattern;
    const char* path;
    Expect expect;
  };
  const Case cases[] = {
      {"**", "file", exact},           {"**", "dir/file", exact},          {"**/", "file", exact},
      {"**/**", "dir/file", exact},    {"dir/**", "dir/file", exact},      {"dir/**", "dir/dir2/file", exact},
      {"**/dir", "dir", exact},        {"**/dir", "dir/file", parent},     {"**/dir2/*", "dir/dir2/file", exact},
      {"**/dir2/*", "dir/dir2/file/", parent}, {"**/dir2/**", "dir/dir2/dir3/file", exact},
      {"**file", "file", exact},       {"**file", "dir/dir/file", exact},  {"**/file*", "dir/dir/file.txt", exact},
      {"**/file*txt", "dir/dir/file.txt", exact}, {"**/**/*.txt", "dir/dir/file.txt", exact},
      {"**/**/*.txt2", "dir/dir/file.txt", fail}, {"**/*.txt", "file.txt", exact},
      {"a**/*.txt", "a/file.txt", exact}, {"a**/*.txt", "a/dir/dir/file.txt", exact},
      {"a/*.txt", "a/dir/file.txt", fail}, {"a/*.txt", "a/file.txt", exact}, {"a/*.txt**", "a/file.txt", exact},
      {"a[b-d]e", "ae", fail},         {"a[b-d]e", "ace", exact},          {"a[^b-d]e", "aze", exact},
      {".*", ".foo", exact},           {".*", "foo", fail},                {"abc.def", "abcdef", fail},
      {"abc?def", "abcZdef", exact},   {"abc?def", "abcdef", fail},        {"**/foo/bar", "dir/dir2/foo/bar", exact},
      {"abc/**", "abc", fail},         {"abc/**", "abc/def/ghi", exact},   {"**/.foo", "bar.foo", fail},
      {"a(b)c/def", "a(b)c/def", exact}, {"a.|)$(}+{bc", "a.|)$(}+{bc", exact}, {"a\\\\", "a\\", exact},
      {"a\\*b", "a*b", exact},         {"a\\*b", "axb", fail},             {"docs", "docs/README.md", parent},
      {"*", "a/b", parent},            {"*/b", "a/b/c", parent},           {"?", "\xE2\x98\xBA", exact},
      {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", exact},
  };
  for (const auto& c : cases) {
    INFO("pattern " << c.pattern << " path " << c.path);
    auto p = IgnorePattern::compile(pier::clean_path(c.pattern), false);
    CHECK(p.matches(c.path) == (c.expect == exact));
    CHECK(p.matches_path_or_parent(c.path) == (c.expect != fail));
  }
}

TEST_CASE("the last matching pattern wins; ! re-includes", "[ignore]") {
  auto m = matcher("*.go\n!main.go\ndocs\n!docs/README.md\n**\n!util/docker/web\n");
  CHECK_FALSE(m.ignored("."));
  CHECK(m.ignored("x.go"));
  CHECK(m.ignored("main.go"));  // `**` comes later and matches it again
  auto n = matcher("*.go\n!main.go\ndocs\n!docs/README.md\n");
  CHECK(n.ignored("x.go"));
  CHECK_FALSE(n.ignored("main.go"));
  CHECK(n.ignored("docs"));
  CHECK(n.ignored("docs/other.md"));
  CHECK_FALSE(n.ignored("docs/README.md"));
  CHECK_FALSE(n.ignored("src/x.go"));  // `*` stays in one directory
  auto all = matcher("**\n!util/docker/web\n");
  CHECK_FALSE(all.ignored("util/docker/web/foo"));
  CHECK(all.ignored("util/docker/other"));
}

TEST_CASE("lines: comments, blanks, cleaning, a leading /", "[ignore]") {
  auto m = matcher("\xEF\xBB\xBF# comment\n  \n /node_modules/ \r\n./build/../dist\n # not a comment\nkeep\n!  /keep\n");
  CHECK(m.ignored("node_modules"));
  CHECK(m.ignored("node_modules/x/y"));
  CHECK(m.ignored("dist"));
  CHECK_FALSE(m.ignored("build"));
  CHECK(m.ignored("# not a comment"));  // only a `#` in the first column starts a comment
  CHECK_FALSE(m.ignored("keep"));
  CHECK(matcher("").empty());
  CHECK(matcher("# only\n\n").empty());
}

TEST_CASE("bad patterns are errors with file:line", "[ignore]") {
  CHECK(parse_error("ok\n!\n") == ".dockerignore:2: illegal exclusion pattern: \"!\"");
  CHECK(parse_error("a[\n") == ".dockerignore:1: `a[`: syntax error in pattern: a malformed `[...]` class");
  CHECK(parse_error("x\n\nfoo\\\n") == ".dockerignore:3: `foo\\`: syntax error in pattern: a trailing `\\`");
}

TEST_CASE("walking into an ignored directory only when an exception may be below", "[ignore]") {
  CHECK_FALSE(matcher("node_modules\n").may_include_below("node_modules"));
  auto m = matcher("node_modules\n!node_modules/keep/**\n");
  CHECK(m.may_include_below("node_modules"));
  CHECK(m.may_include_below("node_modules/keep"));
  CHECK_FALSE(m.may_include_below("node_modules/other"));
  CHECK(matcher("vendor\n!**/*.go\n").may_include_below("vendor"));  // a wildcard exception: always walk
}

TEST_CASE("filepath.Match for COPY sources", "[glob]") {
  using detail::check_glob;
  using detail::glob_match;
  struct Case {
    const char* pattern;
    const char* name;
    bool match;
  };
  const Case cases[] = {
      {"abc", "abc", true},       {"*", "abc", true},          {"*c", "abc", true},          {"a*", "a", true},
      {"a*", "ab/c", false},      {"a*/b", "abc/b", true},     {"a*/b", "a/c/b", false},     {"a*b?c*x", "abxbbxdbxebxczzx", true},
      {"a*b?c*x", "abxbbxdbxebxczzy", false}, {"ab[c]", "abc", true}, {"ab[b-d]", "abc", true}, {"ab[e-g]", "abc", false},
      {"ab[^c]", "abc", false},   {"ab[^e-g]", "abc", true},   {"a\\*b", "a*b", true},       {"a\\*b", "ab", false},
      {"a?b", "a\xE2\x98\xBA" "b", true}, {"a[^a]b", "a\xE2\x98\xBA" "b", true}, {"a???b", "a\xE2\x98\xBA" "b", false},
      {"[a-\xCE\xB6]*", "\xCE\xB1", true}, {"*[a-\xCE\xB6]", "A", false}, {"a?b", "a/b", false}, {"a*b", "a/b", false},
      {"[\\]a]", "]", true},      {"[\\-]", "-", true},        {"[x\\-]", "-", true},        {"[x\\-]", "z", false},
      {"*x", "xxx", true},        {".*", ".git", true},        {"*", ".hidden", true},
  };
  for (const auto& c : cases) {
    INFO("pattern " << c.pattern << " name " << c.name);
    REQUIRE(check_glob(c.pattern).ok());
    CHECK(glob_match(c.pattern, c.name) == c.match);
  }
  for (const char* bad : {"[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a["})
    CHECK_FALSE(check_glob(bad).ok());
  CHECK(detail::has_glob_meta("src/*.c"));
  CHECK_FALSE(detail::has_glob_meta("src/a\\*.c"));
  CHECK(detail::glob_unescape("a\\*b") == "a*b");
}
