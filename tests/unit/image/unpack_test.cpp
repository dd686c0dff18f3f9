// Layer unpacking: overlay whiteouts, metadata, and the crafted tarballs a
// hostile image could ship. Every escape attempt must stay inside the layer.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/atomic_file.h"
#include "image/digest.h"
#include "image/unpack/layer_unpacker.h"
#include "unit/image/tar_builder.h"
#include "unit/image/temp_dir.h"

using pier::image::unpack_layer;
using pier::test::TarBuilder;
using pier::test::TempDir;

namespace {

struct Fixture {
  TempDir tmp;
  std::string layer = tmp / "layer";
  std::string outside = tmp / "outside";
  Fixture() {
    std::filesystem::create_directory(layer);
    std::filesystem::create_directory(outside);
  }
  pier::Result<pier::image::UnpackStats> unpack(const std::string& tar, const char* compress = nullptr) {
    std::string path = tmp / "layer.tar";
    REQUIRE(pier::write_file_atomic(path, tar).ok());
    if (compress) {
      std::string cmd = std::string(compress) + " -q -f " + path;  // test helper only
      REQUIRE(std::system(cmd.c_str()) == 0);
      path += std::string(compress) == "gzip" ? ".gz" : ".zst";
    }
    return unpack_layer(path, layer);
  }
  bool exists_outside(const std::string& name) const { return std::filesystem::exists(outside + "/" + name); }
};

bool is_root() { return ::geteuid() == 0; }

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("plain, gzip and zstd layers unpack with the diff id of the tar", "[unpack]") {
  std::string tar = TarBuilder().dir("etc").file("etc/hostname", "pier\n").finish();
  for (const char* compress : {static_cast<const char*>(nullptr), "gzip", "zstd"}) {
    Fixture f;
    auto stats = f.unpack(tar, compress);
    REQUIRE(stats.ok());
    CHECK(stats->diff_id == pier::image::sha256_digest(tar));
    CHECK(slurp(f.layer + "/etc/hostname") == "pier\n");
  }
}

TEST_CASE("modes, setuid, ownership, mtimes and hard links are preserved", "[unpack]") {
  Fixture f;
  std::string tar = TarBuilder()
                        .dir("bin", 0711)
                        .file("bin/su", "x", 04755, 1000, 1001)
                        .hardlink("bin/su2", "bin/su")
                        .symlink("bin/sh", "busybox")
                        .fifo("bin/pipe")
                        .finish();
  REQUIRE(f.unpack(tar).ok());
  auto su = lstat_of(f.layer + "/bin/su");
  CHECK((su.st_mode & 07777) == 04755);
  CHECK(su.st_mtime == 1700000000);
  if (is_root()) {
    CHECK(su.st_uid == 1000u);
    CHECK(su.st_gid == 1001u);
  }
  CHECK(lstat_of(f.layer + "/bin/su2").st_ino == su.st_ino);
  CHECK(std::filesystem::read_symlink(f.layer + "/bin/sh") == "busybox");
  CHECK(S_ISFIFO(lstat_of(f.layer + "/bin/pipe").st_mode));
  auto bin = lstat_of(f.layer + "/bin");
  CHECK((bin.st_mode & 07777) == 0711);
  CHECK(bin.st_mtime == 1700000000);  // set after its children were created
}

TEST_CASE("device nodes and xattrs are preserved", "[unpack][root]") {
  if (!is_root()) { WARN("skipped: " "needs root to create device nodes"); return; }
  Fixture f;
  std::string tar = TarBuilder()
                        .chardev("null", 1, 3)
                        .xattrs({{"user.note", "hello"}, {"trusted.overlay.opaque", "y"}})
                        .file("tagged", "data")
                        .finish();
  REQUIRE(f.unpack(tar).ok());
  auto dev = lstat_of(f.layer + "/null");
  CHECK(S_ISCHR(dev.st_mode));
  CHECK(major(dev.st_rdev) == 1);
  CHECK(minor(dev.st_rdev) == 3);
  char buf[16] = {};
  CHECK(::getxattr((f.layer + "/tagged").c_str(), "user.note", buf, sizeof buf) == 5);
  // A layer cannot forge overlayfs metadata itself.
  CHECK(::getxattr((f.layer + "/tagged").c_str(), "trusted.overlay.opaque", buf, sizeof buf) < 0);
}

TEST_CASE("whiteouts become overlayfs whiteouts and opaque directories", "[unpack][root]") {
  if (!is_root()) { WARN("skipped: " "trusted.* xattrs need CAP_SYS_ADMIN"); return; }
  Fixture f;
  std::string tar =
      TarBuilder().dir("etc").file("etc/.wh.passwd", "").dir("var").file("var/.wh..wh..opq", "").finish();
  REQUIRE(f.unpack(tar).ok());
  auto wh = lstat_of(f.layer + "/etc/passwd");
  CHECK(S_ISCHR(wh.st_mode));
  CHECK(wh.st_rdev == makedev(0, 0));
  CHECK_FALSE(std::filesystem::exists(f.layer + "/etc/.wh.passwd"));
  char v[4] = {};
  CHECK(::getxattr((f.layer + "/var").c_str(), "trusted.overlay.opaque", v, sizeof v) == 1);
  CHECK(v[0] == 'y');
  CHECK_FALSE(std::filesystem::exists(f.layer + "/var/.wh..wh..opq"));
}

TEST_CASE("absolute member paths are contained in the layer", "[unpack][adversarial]") {
  Fixture f;
  std::string target = f.outside + "/abs";
  REQUIRE(f.unpack(TarBuilder().file(target, "evil").finish()).ok());
  CHECK_FALSE(f.exists_outside("abs"));
  CHECK(slurp(f.layer + target) == "evil");
}

TEST_CASE("members with .. are rejected", "[unpack][adversarial]") {
  Fixture f;
  auto r = f.unpack(TarBuilder().file("a/../../outside/dotdot", "evil").finish());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().to_string().find("..") != std::string::npos);
  CHECK_FALSE(f.exists_outside("dotdot"));
}

TEST_CASE("a symlinked parent cannot lead outside", "[unpack][adversarial]") {
  Fixture f;
  SECTION("absolute symlink resolves inside the layer") {
    REQUIRE(f.unpack(TarBuilder().dir("data").symlink("link", "/data").file("link/x", "in").finish()).ok());
    CHECK(slurp(f.layer + "/data/x") == "in");
  }
  SECTION("absolute symlink to a host directory") {
    auto r = f.unpack(TarBuilder().symlink("link", f.outside).file("link/escaped", "evil").finish());
    if (r.ok()) CHECK(slurp(f.layer + f.outside + "/escaped") == "evil");  // contained, or refused
  }
  SECTION("relative symlink climbing up") {
    auto r = f.unpack(TarBuilder().symlink("link", "../../../../../../../.." + f.outside)
                          .file("link/escaped", "evil")
                          .finish());
    if (r.ok()) CHECK(slurp(f.layer + f.outside + "/escaped") == "evil");
  }
  SECTION("symlink chain through a directory") {
    REQUIRE(f.unpack(TarBuilder().dir("d").symlink("d/up", "..").symlink("d/up2", "up/..")
                         .file("d/up2/x/escaped", "evil")
                         .finish())
                .ok());
  }
  CHECK_FALSE(f.exists_outside("escaped"));
}

TEST_CASE("hard links cannot point outside the layer", "[unpack][adversarial]") {
  Fixture f;
  REQUIRE(pier::write_file_atomic(f.outside + "/secret", "host data").ok());
  SECTION("absolute target is looked up in the layer") {
    auto r = f.unpack(TarBuilder().hardlink("stolen", f.outside + "/secret").finish());
    REQUIRE_FALSE(r.ok());  // the layer has no such file
  }
  SECTION("target through a symlinked parent") {
    auto r = f.unpack(TarBuilder().symlink("out", f.outside).hardlink("stolen", "out/secret").finish());
    REQUIRE_FALSE(r.ok());
  }
  SECTION("target with ..") {
    auto r = f.unpack(TarBuilder().hardlink("stolen", "../outside/secret").finish());
    REQUIRE_FALSE(r.ok());
  }
  CHECK_FALSE(std::filesystem::exists(f.layer + "/stolen"));
  CHECK(lstat_of(f.outside + "/secret").st_nlink == 1);
}

TEST_CASE("duplicate members: the last one wins, and cannot redirect the first", "[unpack][adversarial]") {
  Fixture f;
  std::string tar = TarBuilder()
                        .file("etc", "a file first")
                        .dir("etc")  // replaces the file
                        .file("etc/conf", "one")
                        .file("etc/conf", "two")
                        .symlink("etc/conf", f.outside + "/conf")  // replaces the file with a symlink
                        .file("etc/conf", "three")                 // replaces the symlink, never follows it
                        .finish();
  REQUIRE(f.unpack(tar).ok());
  CHECK(std::filesystem::is_directory(f.layer + "/etc"));
  CHECK_FALSE(std::filesystem::is_symlink(f.layer + "/etc/conf"));
  CHECK(slurp(f.layer + "/etc/conf") == "three");
  CHECK_FALSE(f.exists_outside("conf"));
}

TEST_CASE("a whiteout cannot remove anything outside", "[unpack][adversarial]") {
  Fixture f;
  REQUIRE(pier::write_file_atomic(f.outside + "/keep", "x").ok());
  auto r = f.unpack(TarBuilder().symlink("out", f.outside).file("out/.wh.keep", "").finish());
  (void)r;  // may fail without root (mknod 0:0 needs privileges on old kernels); must not escape either way
  CHECK(f.exists_outside("keep"));
  CHECK(lstat_of(f.outside + "/keep").st_size == 1);
}

TEST_CASE("truncated and corrupt layers fail cleanly", "[unpack]") {
  Fixture f;
  std::string tar = TarBuilder().file("big", std::string(5000, 'x')).finish();
  CHECK_FALSE(f.unpack(tar.substr(0, 1000)).ok());
  Fixture g;
  CHECK_FALSE(g.unpack(std::string("\x1f\x8b garbage that is not gzip", 27)).ok());
}

TEST_CASE("member count is bounded", "[unpack]") {
  Fixture f;
  TarBuilder b;
  for (int i = 0; i < 20; ++i) b.file("f" + std::to_string(i), "");
  std::string path = f.tmp / "many.tar";
  REQUIRE(pier::write_file_atomic(path, b.finish()).ok());
  pier::image::UnpackLimits limits;
  limits.max_entries = 10;
  auto r = unpack_layer(path, f.layer, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().to_string().find("more than 10") != std::string::npos);
}

TEST_CASE("a member larger than the layer's limit is refused before it is written", "[unpack][limits]") {
  Fixture f;
  // 4 MiB of zeros gzip to a few KiB: only a bound on what is written stops it.
  std::string path = f.tmp / "big.tar";
  REQUIRE(pier::write_file_atomic(path, TarBuilder().file("big", std::string(4 << 20, '\0')).finish()).ok());
  REQUIRE(std::system(("gzip -q -f " + path).c_str()) == 0);
  pier::image::UnpackLimits limits;
  limits.max_bytes = 1 << 20;
  auto r = unpack_layer(path + ".gz", f.layer, limits);
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(r.error().to_string().find("take the layer past 1 MiB of files") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.layer + "/big"));
}

TEST_CASE("a sparse member counts its apparent size", "[unpack][limits]") {
  Fixture f;
  // A few bytes of data at the end of a 1 TiB file: tiny in the tar, tiny on
  // disk, but 1 TiB for anything that copies it (overlayfs copy-up included).
  constexpr unsigned long kTiB = 1ul << 40;
  auto r = f.unpack(TarBuilder().sparse("holes", "tail!", kTiB - 5, kTiB).finish());
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(r.error().to_string().find("(the apparent size of a sparse file) take the layer past 64 GiB") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.layer + "/holes"));
}

TEST_CASE("a sparse member within the limit keeps its data and holes", "[unpack][limits]") {
  Fixture f;
  REQUIRE(f.unpack(TarBuilder().sparse("holes", "tail!", 100000, 100005).finish()).ok());
  std::string content = slurp(f.layer + "/holes");
  REQUIRE(content.size() == 100005);
  CHECK(content.substr(100000) == "tail!");
  CHECK(content.find_first_not_of('\0') == 100000);
}

TEST_CASE("the decompressed stream is bounded while it is read", "[unpack][limits]") {
  Fixture f;
  // Zeros after the end-of-archive blocks: no member holds them, yet they are
  // decompressed (and hashed into the diff id) all the same.
  std::string path = f.tmp / "bomb.tar";
  std::string tar = TarBuilder().file("small", "x").finish() + std::string(4 << 20, '\0');
  REQUIRE(pier::write_file_atomic(path, tar).ok());
  REQUIRE(std::system(("gzip -q -f " + path).c_str()) == 0);
  pier::image::UnpackLimits limits;
  limits.max_bytes = 1 << 20;
  auto r = unpack_layer(path + ".gz", f.layer, limits);
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(r.error().to_string().find("it decompresses to more than 1 MiB, pier's limit for a layer") !=
        std::string::npos);
}

TEST_CASE("a whiteout does not remove a file of its own layer", "[unpack][whiteout]") {
  // Whiteouts hide lower layers only; the layer's own file, before or after it, stays.
  Fixture f;
  REQUIRE(f.unpack(TarBuilder().dir("etc").file("etc/passwd", "mine").file("etc/.wh.passwd", "").finish()).ok());
  CHECK(slurp(f.layer + "/etc/passwd") == "mine");
  CHECK_FALSE(std::filesystem::exists(f.layer + "/etc/.wh.passwd"));
  Fixture d;
  REQUIRE(d.unpack(TarBuilder().dir("var").file("var/log", "kept").file(".wh.var", "").finish()).ok());
  CHECK(slurp(d.layer + "/var/log") == "kept");
  if (is_root()) {
    Fixture g;
    REQUIRE(g.unpack(TarBuilder().dir("etc").file("etc/.wh.passwd", "").file("etc/passwd", "mine").finish()).ok());
    CHECK(slurp(g.layer + "/etc/passwd") == "mine");
  }
}
