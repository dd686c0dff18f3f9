// sys/in_root_write: how `pier watch` writes into a container's root. Each case is a
// link a hostile container could plant where the files go: the write must land inside
// the root (or replace the link), never at the host path the link names.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sys/in_root_write.h"
#include "unit/image/temp_dir.h"

using pier::sys::ContentRoot;

namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ContentRoot open_root(const std::string& dir) {
  auto root = ContentRoot::open(dir);
  REQUIRE(root.ok());
  return std::move(*root);
}

// A source file to copy from, opened for reading.
int source(const pier::test::TempDir& dir, const std::string& text) {
  write(dir / "source", text);
  int fd = ::open((dir / "source").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  return fd;
}

}  // namespace

TEST_CASE("in_root_write: a file and its missing parents are made", "[sys][in_root]") {
  pier::test::TempDir dir, src;
  std::filesystem::create_directories(dir / "root");
  auto root = open_root(dir / "root");
  int fd = source(src, "hello\n");
  REQUIRE(pier::sys::write_file_in_root(root, "/app/sub/a.txt", fd, 0640).ok());
  ::close(fd);
  CHECK(read(dir / "root/app/sub/a.txt") == "hello\n");
  struct stat st {};
  REQUIRE(::stat((dir / "root/app/sub/a.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  // No temporary file is left beside it.
  CHECK(std::distance(std::filesystem::directory_iterator(dir / "root/app/sub"), {}) == 1);
}

TEST_CASE("in_root_write: a link planted at the target is replaced, not written through", "[sys][in_root]") {
  pier::test::TempDir dir, src, host;
  write(host / "victim", "host original\n");
  std::filesystem::create_directories(dir / "root/app");
  // Absolute, as the container would write it, naming the host's file.
  std::filesystem::create_symlink(host / "victim", dir / "root/app/f.txt");
  auto root = open_root(dir / "root");
  int fd = source(src, "synced\n");
  REQUIRE(pier::sys::write_file_in_root(root, "/app/f.txt", fd, 0644).ok());
  ::close(fd);
  CHECK(read(host / "victim") == "host original\n");
  CHECK_FALSE(std::filesystem::is_symlink(dir / "root/app/f.txt"));
  CHECK(read(dir / "root/app/f.txt") == "synced\n");
}

TEST_CASE("in_root_write: a planted directory link resolves inside the root", "[sys][in_root]") {
  pier::test::TempDir dir, src, host;
  std::filesystem::create_directories(dir / "root/app");
  // /app/sub -> <host dir> and /app/up -> / : both must stay inside the root.
  std::filesystem::create_symlink(host.path(), dir / "root/app/sub");
  std::filesystem::create_symlink("/", dir / "root/app/up");
  std::filesystem::create_symlink("../../..", dir / "root/app/dotdot");
  // The container has a directory at the host directory's path: the link leads there.
  std::filesystem::create_directories(dir / ("root" + host.path()));
  auto root = open_root(dir / "root");
  for (const char* rel : {"/app/sub/x.txt", "/app/up/tmp/y.txt", "/app/dotdot/z.txt"}) {
    int fd = source(src, "inside\n");
    auto st = pier::sys::write_file_in_root(root, rel, fd, 0644);
    ::close(fd);
    REQUIRE(st.ok());
  }
  CHECK(std::filesystem::is_empty(host.path()));
  CHECK(read(dir / ("root" + host.path() + "/x.txt")) == "inside\n");
  CHECK(read(dir / "root/tmp/y.txt") == "inside\n");
  CHECK(read(dir / "root/z.txt") == "inside\n");
}

TEST_CASE("in_root_write: a link that leads nowhere inside the root is an error, never a host write",
          "[sys][in_root]") {
  pier::test::TempDir dir, src, host;
  std::filesystem::create_directories(dir / "root/app");
  std::filesystem::create_symlink(host / "made", dir / "root/app/dangling");
  auto root = open_root(dir / "root");
  int fd = source(src, "x\n");
  auto st = pier::sys::write_file_in_root(root, "/app/dangling/x.txt", fd, 0644);
  ::close(fd);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().to_string().find("/app/dangling") != std::string::npos);
  CHECK(std::filesystem::is_empty(host.path()));
}

TEST_CASE("in_root_write: removal never follows a planted link", "[sys][in_root]") {
  pier::test::TempDir dir, host;
  write(host / "keep/file", "host\n");
  write(dir / "root/app/tree/a/b", "x");
  std::filesystem::create_symlink(host / "keep", dir / "root/app/tree/a/escape");
  std::filesystem::create_symlink(host / "keep", dir / "root/app/link");
  auto root = open_root(dir / "root");
  REQUIRE(pier::sys::remove_in_root(root, "/app/link").ok());
  REQUIRE(pier::sys::remove_in_root(root, "/app/tree").ok());
  CHECK_FALSE(std::filesystem::exists(dir / "root/app/tree"));
  CHECK_FALSE(std::filesystem::is_symlink(dir / "root/app/link"));
  CHECK(read(host / "keep/file") == "host\n");
  CHECK(pier::sys::remove_in_root(root, "/app/nothing/here").ok());
}
