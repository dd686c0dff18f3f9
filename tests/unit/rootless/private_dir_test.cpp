#include "rootless/private_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

using pier::rootless::ensure_private_dir;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/pier-unit-private-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::string refusal(const std::string& path) {
  auto r = ensure_private_dir(path);
  return r ? "" : r.error().to_string();
}

}  // namespace

TEST_CASE("private dir: made 0700, then accepted as it is") {
  TempDir tmp;
  std::string dir = tmp.path + "/run";
  auto made = ensure_private_dir(dir);
  REQUIRE(made);
  CHECK(*made);
  struct stat st {};
  REQUIRE(::lstat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  auto again = ensure_private_dir(dir);
  REQUIRE(again);
  CHECK_FALSE(*again);
}

TEST_CASE("private dir: a symlink someone made first is refused, even to a private directory") {
  TempDir tmp;
  std::string target = tmp.path + "/target";
  REQUIRE(::mkdir(target.c_str(), 0700) == 0);
  std::string dir = tmp.path + "/run";
  REQUIRE(::symlink(target.c_str(), dir.c_str()) == 0);
  CHECK(refusal(dir).find("symbolic link") != std::string::npos);
}

TEST_CASE("private dir: a directory others may enter, or a file, is refused") {
  TempDir tmp;
  std::string dir = tmp.path + "/run";
  REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
  REQUIRE(::chmod(dir.c_str(), 01777) == 0);
  CHECK(refusal(dir).find("mode is 1777") != std::string::npos);
  std::string file = tmp.path + "/file";
  REQUIRE(::close(::creat(file.c_str(), 0600)) == 0);
  CHECK(refusal(file).find("not a directory") != std::string::npos);
}
