// sys/in_root: the one way pier reads a file an image, a container or a volume
// controls. Each case is a file a hostile image could ship.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

#include "sys/in_root.h"
#include "unit/image/temp_dir.h"

using pier::sys::ContentRoot;
using pier::sys::LastLink;
using pier::sys::read_file_in_root;

namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

ContentRoot open_root(const std::string& dir) {
  auto root = ContentRoot::open(dir);
  REQUIRE(root.ok());
  return std::move(*root);
}

// The read on a thread of its own: a helper that blocks fails the test instead of
// hanging it (the FIFO is then opened for writing, which lets the blocked open return).
pier::Result<std::string> read_bounded(const ContentRoot& root, const std::string& rel, const std::string& fifo) {
  auto pending = std::async(std::launch::async, [&] { return read_file_in_root(root, rel, 1 << 20); });
  if (pending.wait_for(std::chrono::seconds(5)) == std::future_status::timeout) {
    int unblock = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    ::close(unblock);  // the reader's open returns, its read sees end of file
    (void)pending.get();
    FAIL("reading `" << rel << "` blocked for 5 s");
  }
  return pending.get();
}

}  // namespace

TEST_CASE("in_root: a regular file is read whole", "[sys][in_root]") {
  pier::test::TempDir dir;
  write(dir / "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  auto root = open_root(dir.path());
  auto text = read_file_in_root(root, "/etc/passwd", 1 << 20);
  REQUIRE(text.ok());
  CHECK(*text == "root:x:0:0::/root:/bin/sh\n");
}

TEST_CASE("in_root: a FIFO is refused without blocking", "[sys][in_root]") {
  pier::test::TempDir dir;
  std::filesystem::create_directories(dir / "etc");
  REQUIRE(::mkfifo((dir / "etc/passwd").c_str(), 0644) == 0);
  auto root = open_root(dir.path());
  auto text = read_bounded(root, "etc/passwd", dir / "etc/passwd");
  REQUIRE_FALSE(text.ok());
  CHECK_THAT(text.error().to_string(), Catch::Contains(dir / "etc/passwd") && Catch::Contains("a FIFO"));
}

TEST_CASE("in_root: a device node is refused", "[sys][in_root]") {
  // Unprivileged tests cannot mknod: the host's /dev stands for an image's tree.
  auto root = open_root("/dev");
  auto text = read_file_in_root(root, "null", 1 << 20);
  REQUIRE_FALSE(text.ok());
  CHECK_THAT(text.error().to_string(), Catch::Contains("/dev/null") && Catch::Contains("a character device"));
}

TEST_CASE("in_root: symlinks resolve inside the root", "[sys][in_root]") {
  pier::test::TempDir image, host;
  write(host / "shadow", "host secret\n");
  // Inside the image, the same absolute path holds the image's own file.
  write(image.path() + host.path() + "/shadow", "image file\n");
  auto root = open_root(image.path());

  SECTION("the file itself is a link climbing out") {
    std::filesystem::create_directories(image / "etc");
    std::filesystem::create_symlink("/../../../../.." + host.path() + "/shadow", image / "etc/passwd");
    auto text = read_file_in_root(root, "etc/passwd", 1 << 20);
    REQUIRE(text.ok());
    CHECK(*text == "image file\n");
  }
  SECTION("a parent is a link to a host directory") {
    std::filesystem::create_symlink(host.path(), image / "etc");
    auto text = read_file_in_root(root, "etc/shadow", 1 << 20);
    REQUIRE(text.ok());
    CHECK(*text == "image file\n");
  }
  SECTION("`..` stops at the root") {
    auto text = read_file_in_root(root, "../../../../.." + host.path() + "/shadow", 1 << 20);
    REQUIRE(text.ok());
    CHECK(*text == "image file\n");
  }
  SECTION("a link as the last component is refused when the caller asks") {
    std::filesystem::create_directories(image / "etc");
    std::filesystem::create_symlink(host.path() + "/shadow", image / "etc/passwd");
    auto text = read_file_in_root(root, "etc/passwd", 1 << 20, LastLink::refuse);
    REQUIRE_FALSE(text.ok());
    CHECK_THAT(text.error().to_string(), Catch::Contains("a symbolic link"));
  }
}

TEST_CASE("in_root: a file over the limit is refused, not cut", "[sys][in_root]") {
  pier::test::TempDir dir;
  write(dir / "etc/group", std::string(100, 'g'));
  auto root = open_root(dir.path());
  auto over = read_file_in_root(root, "etc/group", 99);
  REQUIRE_FALSE(over.ok());
  CHECK_THAT(over.error().to_string(), Catch::Contains("larger than 99 bytes"));
  auto exact = read_file_in_root(root, "etc/group", 100);
  REQUIRE(exact.ok());
  CHECK(exact->size() == 100);
}

TEST_CASE("in_root: a missing file or parent reads as absent", "[sys][in_root]") {
  pier::test::TempDir dir;
  write(dir / "etc", "a file where a directory would be");
  auto root = open_root(dir.path());
  auto missing = read_file_in_root(root, "usr/lib/os-release", 1 << 20);
  REQUIRE_FALSE(missing.ok());
  CHECK(pier::sys::is_absent(missing.error()));
  auto under_file = read_file_in_root(root, "etc/passwd", 1 << 20);
  REQUIRE_FALSE(under_file.ok());
  CHECK(pier::sys::is_absent(under_file.error()));
  auto dir_itself = read_file_in_root(root, "/", 1 << 20);
  REQUIRE_FALSE(dir_itself.ok());
  CHECK_FALSE(pier::sys::is_absent(dir_itself.error()));
  CHECK_THAT(dir_itself.error().to_string(), Catch::Contains("a directory"));
}

TEST_CASE("in_root: a directory is opened inside the root, a FIFO never as one", "[sys][in_root]") {
  pier::test::TempDir image, host;
  write(host / "marker", "host\n");
  write(image.path() + host.path() + "/marker", "image\n");
  std::filesystem::create_symlink(host.path(), image / "link");
  REQUIRE(::mkfifo((image / "fifo").c_str(), 0644) == 0);
  auto root = open_root(image.path());
  // The link names the host's directory, and opens the image's of that name.
  auto dir = pier::sys::open_directory_in_root(root, "link", LastLink::follow_in_root);
  REQUIRE(dir.ok());
  std::string inside(64, '\0');
  int marker = ::openat(dir->get(), "marker", O_RDONLY | O_CLOEXEC);
  REQUIRE(marker >= 0);
  inside.resize(static_cast<size_t>(::read(marker, inside.data(), inside.size())));
  ::close(marker);
  CHECK(inside == "image\n");
  CHECK_FALSE(pier::sys::open_directory_in_root(root, "link", LastLink::refuse).ok());
  auto fifo = pier::sys::open_directory_in_root(root, "fifo", LastLink::refuse);
  REQUIRE_FALSE(fifo.ok());
  CHECK(fifo.error().errnum() == ENOTDIR);
}

TEST_CASE("in_root: a link is read, not followed, and entries name their mount", "[sys][in_root]") {
  pier::test::TempDir image;
  std::filesystem::create_symlink("/etc/shadow", image / "link");
  write(image / "a/file", "x");
  auto root = open_root(image.path());
  auto target = pier::sys::read_link_in_root(root, "/link");
  REQUIRE(target.ok());
  CHECK(*target == "/etc/shadow");
  CHECK_FALSE(pier::sys::read_link_in_root(root, "a/file").ok());
  auto top = pier::sys::mount_id_in_root(root, "/", LastLink::follow_in_root);
  auto file = pier::sys::mount_id_in_root(root, "a/file", LastLink::refuse);
  REQUIRE(top.ok());
  REQUIRE(file.ok());
  CHECK(*top == *file);
  // /proc is a mount of its own below the host's root.
  auto host = open_root("/");
  auto proc = pier::sys::mount_id_in_root(host, "/proc", LastLink::refuse);
  auto slash = pier::sys::mount_id_in_root(host, "/", LastLink::refuse);
  REQUIRE(proc.ok());
  REQUIRE(slash.ok());
  CHECK(*proc != *slash);
}
