// `pier cp`'s placement rules, as `docker cp` documents them: where the copy lands and
// under which name, for every kind of source and destination.
#include <catch2/catch.hpp>

#include "app/copy_paths.h"

using namespace pier::app;

namespace {
Placement place(const std::string& source, bool is_dir, const std::string& dest, bool exists, bool dest_dir) {
  auto p = place_copy(source, is_dir, CopyDestination{dest, exists, dest_dir});
  REQUIRE(p);
  return *p;
}
std::string refusal(const std::string& source, bool is_dir, const std::string& dest, bool exists, bool dest_dir) {
  auto p = place_copy(source, is_dir, CopyDestination{dest, exists, dest_dir});
  REQUIRE_FALSE(p);
  return p.error().to_string();
}
}  // namespace

TEST_CASE("cp: a file goes into a directory under its own name, or becomes the file named") {
  auto into = place("/etc/hosts", false, "out", true, true);
  CHECK(into.dir == "out");
  CHECK(into.name == "hosts");
  auto renamed = place("/etc/hosts", false, "out/h.txt", false, false);
  CHECK(renamed.dir == "out");
  CHECK(renamed.name == "h.txt");
  auto overwrite = place("/etc/hosts", false, "/tmp/x", true, false);
  CHECK(overwrite.dir == "/tmp");
  CHECK(overwrite.name == "x");
  auto bare = place("a.txt", false, "b.txt", false, false);
  CHECK(bare.dir == ".");
  CHECK(bare.name == "b.txt");
}

TEST_CASE("cp: a file into a missing directory or onto a file named as a directory is refused") {
  CHECK_THAT(refusal("/etc/hosts", false, "missing/", false, false), Catch::Contains("must exist"));
  CHECK_THAT(refusal("/etc/hosts", false, "file/", true, false), Catch::Contains("Not a directory"));
}

TEST_CASE("cp: a directory is made, copied in under its name, or its content copied with /.") {
  auto made = place("/var/log", true, "logs", false, false);
  CHECK(made.dir == ".");
  CHECK(made.name == "logs");
  auto made_slash = place("/var/log", true, "/tmp/logs/", false, false);
  CHECK(made_slash.dir == "/tmp");
  CHECK(made_slash.name == "logs");
  auto into = place("/var/log", true, "/tmp", true, true);
  CHECK(into.name == "log");
  auto content = place("/var/log/.", true, "/tmp", true, true);
  CHECK(content.dir == "/tmp");
  CHECK(content.name.empty());
  auto root = place("/", true, "/tmp/out", true, true);
  CHECK(root.name.empty());
  CHECK_THAT(refusal("/var/log", true, "/tmp/file", true, false), Catch::Contains("cannot copy a directory to a file"));
}

TEST_CASE("cp: path pieces ignore trailing separators") {
  CHECK(base_name("a/b/") == "b");
  CHECK(base_name("a/b/.") == "b");
  CHECK(base_name("/") == "");
  CHECK(parent_path("/b") == "/");
  CHECK(parent_path("b") == ".");
  CHECK(parent_path("a/b/c/") == "a/b");
  CHECK(ends_in_separator("a/"));
  CHECK(ends_in_separator("a/."));
  CHECK_FALSE(ends_in_separator("a"));
  CHECK(means_content("a/."));
  CHECK_FALSE(means_content("a/"));
}
