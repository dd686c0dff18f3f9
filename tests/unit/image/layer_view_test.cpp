#include "image/layer_view.h"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "unit/image/temp_dir.h"

using namespace pier;
using image::LayerView;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

// Two layers: base has /data/{a,old}.txt and /run/app/x.txt; top adds /data/c.txt and
// makes /var/run a symlink to /run.
struct Image {
  test::TempDir dir;
  std::string top = dir / "top", base = dir / "base";
  Image() {
    write(base + "/data/a.txt", "from base");
    write(base + "/data/old.txt", "old");
    write(base + "/data/sub/b.txt", "nested");
    write(base + "/run/app/x.txt", "run");
    write(top + "/data/c.txt", "from top");
    fs::create_directories(top + "/var");
    fs::create_symlink("/run", top + "/var/run");
  }
};

std::vector<std::string> names_at(const LayerView& view, const std::string& path) {
  auto dir = view.resolve(path);
  REQUIRE(dir);
  REQUIRE(*dir);
  auto names = view.list(**dir);
  REQUIRE(names);
  return *names;
}

}  // namespace

TEST_CASE("layer view: whiteouts and opaque directories hide lower layers", "[image][layer_view]") {
  Image img;
  // overlayfs metadata needs root (mknod, trusted.* xattrs): create what this host allows.
  bool whiteout = ::mknod((img.top + "/data/old.txt").c_str(), S_IFCHR | 0, makedev(0, 0)) == 0;
  fs::create_directories(img.top + "/run/app");
  write(img.top + "/run/app/y.txt", "top");
  bool opaque = ::setxattr((img.top + "/run/app").c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0;
  if (!whiteout && !opaque) {
    WARN("skipped: cannot create overlayfs whiteouts here (needs root)");  // Catch2 v2 has no SKIP
    return;
  }
  LayerView view({img.top, img.base});
  test::TempDir out;
  if (whiteout) {
    auto entry = view.resolve("/data");
    REQUIRE(entry);
    REQUIRE(*entry);
    CHECK(view.list(**entry).value() == std::vector<std::string>{"a.txt", "c.txt", "sub"});
    fs::create_directories(out / "data");
    REQUIRE(view.copy_dir(**entry, out / "data"));
    CHECK(exists(out / "data/a.txt"));
    CHECK_FALSE(exists(out / "data/old.txt"));
    auto gone = view.resolve("/data/old.txt");
    REQUIRE(gone);
    CHECK_FALSE(*gone);
  }
  if (opaque) {
    CHECK(names_at(view, "/var/run/app") == std::vector<std::string>{"y.txt"});
    auto entry = view.resolve("/var/run/app");
    REQUIRE(entry);
    REQUIRE(*entry);
    fs::create_directories(out / "app");
    REQUIRE(view.copy_dir(**entry, out / "app"));
    CHECK(exists(out / "app/y.txt"));
    CHECK_FALSE(exists(out / "app/x.txt"));
  }
}

TEST_CASE("layer view: symlinks never leave the image", "[image][layer_view]") {
  Image img;
  test::TempDir host;
  write(host / "secret/key", "host secret");
  fs::create_symlink("../../../../../../../../" + host.path().substr(1) + "/secret", img.top + "/escape");
  fs::create_symlink(host / "secret", img.top + "/absolute");
  fs::create_symlink(host / "secret/key", img.top + "/key");
  LayerView view({img.top, img.base});
  for (const char* path : {"/escape", "/absolute"}) {
    auto entry = view.resolve(path);
    REQUIRE(entry);
    CHECK_FALSE(*entry);  // resolved inside the image, where no such directory exists
  }
  CHECK(view.read("/key", 1024).value() == "");  // nothing there inside the image
}

TEST_CASE("layer view: real_path follows the image's links and keeps a missing tail", "[image][layer_view]") {
  Image img;
  fs::create_symlink("/proc", img.top + "/foo");
  fs::create_symlink("../proc/self", img.top + "/var/self");
  LayerView view({img.top, img.base});
  CHECK(view.real_path("/var/run/app/x.txt").value() == "/run/app/x.txt");
  CHECK(view.real_path("/foo").value() == "/proc");
  CHECK(view.real_path("/foo/sys/../net").value() == "/proc/net");
  CHECK(view.real_path("/var/self/fd").value() == "/proc/self/fd");
  CHECK(view.real_path("/data/../missing/deeper").value() == "/missing/deeper");
  CHECK(view.real_path("/data/a.txt/beyond").value() == "/data/a.txt/beyond");
  // No layers at all (FROM scratch): nothing is there, and the path is kept as written.
  LayerView empty({});
  CHECK(empty.real_path("/proc/self").value() == "/proc/self");
  CHECK_FALSE(empty.resolve("/").value());
}

TEST_CASE("layer view: the last link is followed or kept as asked, a loop is an error", "[image][layer_view]") {
  Image img;
  fs::create_symlink("loop2", img.top + "/loop1");
  fs::create_symlink("loop1", img.top + "/loop2");
  LayerView view({img.top, img.base});
  auto kept = view.resolve("/var/run", LayerView::Last::keep);
  REQUIRE(kept);
  REQUIRE(*kept);
  CHECK(S_ISLNK((*kept)->st.st_mode));
  CHECK((*kept)->rel == "var/run");
  CHECK((*kept)->host_path() == img.top + "/var/run");
  auto followed = view.resolve("/var/run");
  REQUIRE(followed);
  REQUIRE(*followed);
  CHECK((*followed)->is_dir());
  CHECK((*followed)->rel == "run");
  CHECK((*followed)->layers == std::vector<std::string>{img.base});
  auto loop = view.resolve("/loop1");
  REQUIRE_FALSE(loop);
  CHECK(loop.error().message() == "too many symbolic links resolving `/loop1` in the image");
  CHECK(view.resolve("/loop1", LayerView::Last::keep));  // the link itself is there
}

// Merged-/usr images (Debian 12: /lib -> usr/lib) are read through the link: a COPY
// --from source or glob under /lib lists the merged directory it reaches.
TEST_CASE("layer view: a directory reached through a linked parent lists its merged content", "[image][layer_view]") {
  Image img;
  write(img.base + "/usr/lib/x86_64/libold.so", "old");
  write(img.top + "/usr/lib/x86_64/libnew.so", "new");
  fs::create_symlink("usr/lib", img.top + "/lib");
  LayerView view({img.top, img.base});
  CHECK(names_at(view, "/lib/x86_64") == std::vector<std::string>{"libnew.so", "libold.so"});
  CHECK(names_at(view, "/lib") == std::vector<std::string>{"x86_64"});
  auto file = view.resolve("/lib/x86_64/libold.so");
  REQUIRE(file);
  REQUIRE(*file);
  CHECK((*file)->rel == "usr/lib/x86_64/libold.so");
  CHECK((*file)->layers == std::vector<std::string>{img.base});
}

TEST_CASE("layer view: read and open take a regular file only, capped and without blocking", "[image][layer_view]") {
  Image img;
  write(img.base + "/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  fs::create_symlink("/etc/passwd", img.top + "/passwd-link");
  REQUIRE(::mkfifo((img.top + "/fifo").c_str(), 0600) == 0);
  LayerView view({img.top, img.base});
  CHECK(view.read("etc/passwd", 1024).value() == "root:x:0:0::/root:/bin/sh\n");
  CHECK(view.read("/passwd-link", 1024).value() == "root:x:0:0::/root:/bin/sh\n");
  CHECK(view.read("etc/group", 1024).value() == "");
  auto big = view.read("etc/passwd", 8);
  REQUIRE_FALSE(big);
  CHECK_THAT(big.error().message(), Catch::Contains("is larger than 8 bytes"));
  // A FIFO would block the reading thread: refused by type, never opened for reading.
  auto fifo = view.read("/fifo", 1024);
  REQUIRE_FALSE(fifo);
  CHECK_THAT(fifo.error().message(), Catch::Contains("not a regular file"));
  auto entry = view.resolve("/fifo");
  REQUIRE(entry);
  REQUIRE(*entry);
  auto opened = LayerView::open(**entry);
  REQUIRE_FALSE(opened);
  CHECK_THAT(opened.error().message(), Catch::Contains("not a regular file"));
  auto file = view.resolve("/data/c.txt");
  REQUIRE(file);
  REQUIRE(*file);
  auto regular = LayerView::open(**file);
  REQUIRE(regular);
  CHECK(regular->st.st_size == 8);
}
