// BuildContext on real directories: which ignore file, what a source brings, the
// digest. Each test lays out its own temporary context.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "builder/context/context.h"
#include "unit/image/temp_dir.h"

using namespace pier::builder;
using pier::test::TempDir;

namespace {

void write(const std::string& path, const std::string& content, mode_t mode = 0644) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << content;
  ::chmod(path.c_str(), mode);
}

BuildContext open_context(const TempDir& dir, const std::string& dockerfile = "") {
  auto context = BuildContext::open(dir.path(), dockerfile);
  if (!context) FAIL(context.error().to_string());
  return std::move(context).value();
}

// "rel:match:below" per entry, to compare whole results at once.
std::vector<std::string> brought(const BuildContext& context, std::string_view source) {
  auto entries = context.resolve(source);
  if (!entries) FAIL(entries.error().to_string());
  std::vector<std::string> out;
  for (const auto& e : *entries) out.push_back(e.rel + ":" + e.match + ":" + e.below);
  return out;
}

std::string resolve_error(const BuildContext& context, std::string_view source) {
  auto entries = context.resolve(source);
  if (entries) FAIL("resolved: " << source);
  return entries.error().to_string();
}

std::string digest_of(const BuildContext& context, std::string_view source) {
  auto entries = context.resolve(source);
  REQUIRE(entries.ok());
  auto digest = context.digest(*entries);
  REQUIRE(digest.ok());
  return *digest;
}

}  // namespace

TEST_CASE("a directory brings itself and its contents, parents first, sorted", "[context]") {
  TempDir dir;
  write(dir / "src/b.c", "b");
  write(dir / "src/a/x.c", "x");
  write(dir / "top.txt", "t");
  auto context = open_context(dir);
  CHECK(brought(context, "src") ==
        std::vector<std::string>{"src:src:", "src/a:src:a", "src/a/x.c:src:a/x.c", "src/b.c:src:b.c"});
  CHECK(brought(context, "./src/") == brought(context, "src"));
  CHECK(brought(context, "top.txt") == std::vector<std::string>{"top.txt:top.txt:"});
  auto root = brought(context, ".");
  CHECK(root.front() == ".:.:");
  CHECK(root.size() == 6);
}

TEST_CASE("a source cannot leave the context", "[context]") {
  TempDir dir;
  write(dir / "ctx/file", "in");
  write(dir / "outside", "out");
  auto context = BuildContext::open(dir / "ctx", "").value();
  // "/file" and "../file" are the context's own file, as in BuildKit.
  CHECK(brought(context, "/file") == std::vector<std::string>{"file:file:"});
  CHECK(brought(context, "../file") == std::vector<std::string>{"file:file:"});
  CHECK(resolve_error(context, "../outside") ==
        "`../outside` not found in the build context `" + dir / "ctx" +
            "` (sources are relative to the build context; `/` and `..` cannot leave it)");
}

TEST_CASE("symlinks: followed inside the context for a source, copied as links below it", "[context]") {
  TempDir dir;
  write(dir / "ctx/real/data.txt", "data");
  write(dir / "secret", "outside");
  REQUIRE(::symlink("real", (dir / "ctx/link").c_str()) == 0);
  REQUIRE(::symlink("../../secret", (dir / "ctx/real/up").c_str()) == 0);
  REQUIRE(::symlink("/secret", (dir / "ctx/abs").c_str()) == 0);
  REQUIRE(::symlink("/real/data.txt", (dir / "ctx/absin").c_str()) == 0);
  auto context = BuildContext::open(dir / "ctx", "").value();
  // The source `link` is the directory it points to, under the link's name.
  CHECK(brought(context, "link") ==
        std::vector<std::string>{"real:link:", "real/data.txt:link:data.txt", "real/up:link:up"});
  // An absolute target resolves from the context root, never the host's.
  CHECK(brought(context, "absin") == std::vector<std::string>{"real/data.txt:absin:"});
  CHECK(resolve_error(context, "abs").find("`abs` not found in the build context") == 0);
  CHECK(resolve_error(context, "real/up").find("`real/up` not found") == 0);
  auto entries = context.resolve("real").value();
  CHECK(S_ISLNK(entries[2].mode));  // below a match, a link stays a link
}

TEST_CASE("globs match names as filepath.Match does", "[context]") {
  TempDir dir;
  write(dir / "a.txt", "a");
  write(dir / "b.txt", "b");
  write(dir / ".hidden.txt", "h");
  write(dir / "c.md", "c");
  write(dir / "pkg1/go.mod", "1");
  write(dir / "pkg2/go.mod", "2");
  write(dir / "pkg2/sub/go.mod", "3");
  auto context = open_context(dir);
  CHECK(brought(context, "*.txt") ==
        std::vector<std::string>{".hidden.txt:.hidden.txt:", "a.txt:a.txt:", "b.txt:b.txt:"});
  CHECK(brought(context, "pkg*/go.mod") == std::vector<std::string>{"pkg1/go.mod:pkg1/go.mod:", "pkg2/go.mod:pkg2/go.mod:"});
  CHECK(brought(context, "[ab].txt").size() == 2);
  CHECK(resolve_error(context, "*.rs") == "no file in the build context `" + dir.path() + "` matches `*.rs`");
  CHECK(resolve_error(context, "x[") == "`x[`: syntax error in pattern: a malformed `[...]` class");
}

TEST_CASE(".dockerignore: ignored entries are left out, exceptions brought back", "[context]") {
  TempDir dir;
  write(dir / ".dockerignore", "node_modules\n*.log\n!keep.log\nbuild\n!build/dist/**\nDockerfile\n");
  write(dir / "Dockerfile", "FROM scratch\n");
  write(dir / "app.js", "js");
  write(dir / "debug.log", "log");
  write(dir / "keep.log", "keep");
  write(dir / "node_modules/lib/index.js", "lib");
  write(dir / "build/tmp.o", "o");
  write(dir / "build/dist/app.min.js", "min");
  auto context = open_context(dir, dir / "Dockerfile");
  CHECK(context.ignore_file() == dir / ".dockerignore");
  CHECK(brought(context, ".") == std::vector<std::string>{".:.:", ".dockerignore:.:.dockerignore", "app.js:.:app.js",
                                                            "build:.:build", "build/dist:.:build/dist",
                                                            "build/dist/app.min.js:.:build/dist/app.min.js",
                                                            "keep.log:.:keep.log"});
  // The Dockerfile is ignored for COPY; the builder reads it all the same.
  CHECK(context.ignored("Dockerfile"));
  CHECK(resolve_error(context, "node_modules") == "`node_modules` is excluded by `" + dir / ".dockerignore" + "`");
  CHECK(brought(context, "*.log") == std::vector<std::string>{"keep.log:keep.log:"});
  CHECK(brought(context, "build") ==
        std::vector<std::string>{"build:build:", "build/dist:build:dist", "build/dist/app.min.js:build:dist/app.min.js"});
}

TEST_CASE("<Dockerfile>.dockerignore beside the Dockerfile wins over .dockerignore", "[context]") {
  TempDir dir;
  write(dir / ".dockerignore", "a\n");
  write(dir / "docker/app.Dockerfile", "FROM scratch\n");
  write(dir / "docker/app.Dockerfile.dockerignore", "b\n");
  write(dir / "a", "a");
  write(dir / "b", "b");
  auto specific = open_context(dir, dir / "docker/app.Dockerfile");
  CHECK(specific.ignore_file() == dir / "docker/app.Dockerfile.dockerignore");
  CHECK_FALSE(specific.ignored("a"));
  CHECK(specific.ignored("b"));
  auto plain = open_context(dir, dir / "docker/Dockerfile");
  CHECK(plain.ignored("a"));
  CHECK(open_context(dir, "").ignored("a"));
}

TEST_CASE("opening a context that is not a directory, or a bad ignore file", "[context]") {
  TempDir dir;
  write(dir / "file", "x");
  auto notdir = BuildContext::open(dir / "file", "");
  REQUIRE_FALSE(notdir.ok());
  CHECK(notdir.error().to_string() == "the build context `" + dir / "file" + "` is not a directory");
  auto missing = BuildContext::open(dir / "nope", "");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().to_string() == "open the build context `" + dir / "nope" + "`: No such file or directory");
  write(dir / "ctx/.dockerignore", "ok\n!\n");
  auto bad = BuildContext::open(dir / "ctx", "");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().to_string() == dir / "ctx/.dockerignore" + ":2: illegal exclusion pattern: \"!\"");
}

TEST_CASE("digest: content, mode and names count; mtimes and read order do not", "[context]") {
  TempDir dir;
  write(dir / "app/a.txt", "hello");
  write(dir / "app/b.sh", "#!/bin/sh\n", 0755);
  auto context = open_context(dir);
  std::string first = digest_of(context, "app");
  CHECK(first.rfind("sha256:", 0) == 0);
  CHECK(first.size() == 7 + 64);
  // Touching a file changes nothing.
  struct timespec times[2] = {{0, 0}, {12345, 0}};
  REQUIRE(::utimensat(AT_FDCWD, (dir / "app/a.txt").c_str(), times, 0) == 0);
  CHECK(digest_of(context, "app") == first);
  // Recreating the directory in another order (other inode and readdir order) neither.
  std::filesystem::remove_all(dir / "app");
  write(dir / "app/b.sh", "#!/bin/sh\n", 0755);
  write(dir / "app/a.txt", "hello");
  CHECK(digest_of(context, "app") == first);
  write(dir / "app/a.txt", "hellO");
  std::string changed = digest_of(context, "app");
  CHECK(changed != first);
  write(dir / "app/a.txt", "hello");
  CHECK(digest_of(context, "app") == first);
  ::chmod((dir / "app/a.txt").c_str(), 0600);
  CHECK(digest_of(context, "app") != first);
  ::chmod((dir / "app/a.txt").c_str(), 0644);
  std::filesystem::rename(dir / "app/a.txt", dir / "app/c.txt");
  CHECK(digest_of(context, "app") != first);
  std::filesystem::rename(dir / "app/c.txt", dir / "app/a.txt");
  REQUIRE(::symlink("a.txt", (dir / "app/l").c_str()) == 0);
  std::string with_link = digest_of(context, "app");
  CHECK(with_link != first);
  std::filesystem::remove(dir / "app/l");
  REQUIRE(::symlink("b.sh", (dir / "app/l").c_str()) == 0);
  CHECK(digest_of(context, "app") != with_link);
}
