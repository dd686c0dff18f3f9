// The mount table: binds, tmpfs, /proc masks, /sys, /dev, files, errors, host unaffected.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/scope_exit.h"
#include "integration/support/rootfs.h"

using namespace pier;
using pier::test::TestRoot;
namespace fs = std::filesystem;

TEST_CASE("bind mounts: rw writes through, ro refuses", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  std::string rw = t.path() + "/rw", ro = t.path() + "/ro";
  fs::create_directories(rw);
  fs::create_directories(ro);
  auto spec = t.spec({"write", "/mnt/rw/hello", "write", "/mnt/ro/hello"});
  spec.binds = {{rw, "/mnt/rw"}, {ro, "/mnt/ro", true}};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["write /mnt/rw/hello"] == "0");
  CHECK(r["write /mnt/ro/hello"] == "30");  // EROFS
  CHECK(fs::exists(rw + "/hello"));
  CHECK_FALSE(fs::exists(ro + "/hello"));
}

TEST_CASE("create_host_path makes a missing source; without it the error names the paths",
          "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"write", "/var/lib/db/x"});
  spec.binds = {{t.path() + "/made", "/var/lib/db"}};
  spec.binds[0].create_host_path = true;
  auto r = t.run(spec);
  INFO(r.error);
  CHECK(r["write /var/lib/db/x"] == "0");
  CHECK(fs::exists(t.path() + "/made/x"));

  auto missing = t.spec({"info"});
  missing.binds = {{t.path() + "/absent", "/var/lib/db"}};
  auto m = t.run(missing);
  CHECK_FALSE(m.started);
  CHECK_THAT(m.error, Catch::Contains("bind " + t.path() + "/absent -> `/var/lib/db`: No such file or directory"));
}

TEST_CASE("a failing mount in the child comes back as {op, path, errno}", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"info"});
  fs::create_directories(t.path() + "/dir");
  spec.binds = {{t.path() + "/dir", "/bin/busybox"}};  // a directory over a file
  auto r = t.run(spec);
  CHECK_FALSE(r.started);
  CHECK(r.error == "bind " + t.path() + "/dir -> /bin/busybox: Not a directory");
  auto exec = t.spec({});
  exec.process.argv = {"/nope"};
  CHECK(t.run(exec).error == "exec /nope: No such file or directory");
  auto path = t.spec({});
  path.process.argv = {"nope"};
  CHECK(t.run(path).error == "exec nope: No such file or directory");
}

TEST_CASE("tmpfs mounts get their size", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"statfs", "/scratch", "statfs", "/dev/shm"});
  spec.tmpfs = {{"/scratch", 8u << 20, 01777}};
  spec.shm_size = 16u << 20;
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["statfs /scratch"] == std::to_string(8u << 20));
  CHECK(r["statfs /dev/shm"] == std::to_string(16u << 20));
}

TEST_CASE("/proc masked and read-only paths, /sys read-only", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto r = t.run(t.spec({"cat", "/proc/kcore", "cat", "/proc/keys", "write", "/proc/sys/kernel/hostname", "write",
                         "/sys/kernel/x", "write", "/proc/sysrq-trigger", "readlink", "/dev/fd",
                         "rw", "/dev/null", "rw", "/dev/ptmx", "readlink", "/dev/stdout"}));
  INFO(r.error << r.output);
  CHECK(r["cat /proc/kcore"].empty());
  CHECK(r["cat /proc/keys"].empty());  // masked with /dev/null
  CHECK(r["write /proc/sys/kernel/hostname"] == "30");
  CHECK(r["write /sys/kernel/x"] == "30");
  if (fs::exists("/proc/sysrq-trigger")) CHECK(r["write /proc/sysrq-trigger"] == "30");
  CHECK(r["readlink /dev/fd"] == "/proc/self/fd");
  CHECK(r["readlink /dev/stdout"] == "/proc/self/fd/1");
  CHECK(r["rw /dev/null"] == "0");
  CHECK(r["rw /dev/ptmx"] == "0");
}

TEST_CASE("generated files and a read-only rootfs", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"cat", "/etc/hostname", "cat", "/etc/hosts", "write", "/etc/new", "write", "/tmp/x"});
  spec.files = {{"/etc/hostname", "box\n"}, {"/etc/hosts", "127.0.0.1 localhost\n"}};
  spec.read_only_rootfs = true;
  spec.tmpfs = {{"/tmp", 0, 01777}};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["cat /etc/hostname"] == "box");
  CHECK(r["cat /etc/hosts"] == "127.0.0.1 localhost");
  CHECK(r["write /etc/new"] == "30");
  CHECK(r["write /tmp/x"] == "0");
}

TEST_CASE("symlinked /proc in the image is refused", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  std::string evil = t.path() + "/evil";
  fs::create_directories(evil);
  fs::create_symlink("/etc", evil + "/proc");
  auto spec = t.spec({"info"});
  spec.layers.insert(spec.layers.begin(), evil);
  auto r = t.run(spec);
  CHECK_FALSE(r.started);
  CHECK(r.error == "mount proc -> /proc: Too many levels of symbolic links");
}

TEST_CASE("no mount of the container shows on the host, during or after", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"pause"});
  spec.tmpfs = {{"/scratch", 0, 0755}};
  auto c = runtime::spawn(spec);
  REQUIRE(c.ok());
  CHECK(test::count_mounts_under(t.path()) == 0);
  CHECK(test::count_mounts_under(spec.state_dir) == 0);
  REQUIRE(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
  CHECK(test::count_mounts_under(t.path()) == 0);
  CHECK_FALSE(fs::exists(spec.state_dir));
}

namespace {

// An image layer on top of the test image: /d/sub, and /s -> /d/sub/.. (which is /d).
std::string layer_with_dotdot_link(const TestRoot& t) {
  std::string layer = t.path() + "/layer";
  fs::create_directories(layer + "/d/sub");
  fs::create_symlink("/d/sub/..", layer + "/s");
  return layer;
}

// Bound content holding `sub -> /`: once it covers /d, the path `/s` leads through it to
// the rootfs's root, so a second lookup of `/s` after the mount lands elsewhere.
std::string source_with_root_link(const TestRoot& t, const std::string& name) {
  std::string src = t.path() + "/" + name;
  fs::create_directories(src);
  fs::create_symlink("/", src + "/sub");
  return src;
}

}  // namespace

TEST_CASE("a read-only bind on a rootfs symlink is read-only where it lands, not where content leads",
          "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"write", "/d/x", "write", "/tmp/y"});
  spec.layers.insert(spec.layers.begin(), layer_with_dotdot_link(t));
  // Not recursive: a read-only flag that lands on the rootfs's root leaves this bind writable.
  spec.binds = {{source_with_root_link(t, "vol"), "/s", true, false}};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["write /d/x"] == "30");  // EROFS: the bind itself
  CHECK(r["write /tmp/y"] == "0");  // the rootfs stays writable
  CHECK_FALSE(fs::exists(t.path() + "/vol/x"));
}

TEST_CASE("a read-only bind whose target symlink leaves the rootfs stays inside it", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  std::string layer = t.path() + "/layer", host = t.path() + "/host", src = t.path() + "/src";
  fs::create_directories(layer + t.path() + "/host");  // the same path, inside the image
  fs::create_directories(host);
  fs::create_directories(src);
  std::ofstream(src + "/marker") << "from-src";
  fs::create_symlink("../../../../../../.." + host, layer + "/link");
  auto spec = t.spec({"cat", host + "/marker", "write", host + "/x"});
  spec.layers.insert(spec.layers.begin(), layer);
  spec.binds = {{src, "/link", true}};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["cat " + host + "/marker"] == "from-src");  // mounted where the link leads in the rootfs
  CHECK(r["write " + host + "/x"] == "30");
  CHECK(fs::is_empty(host));
  CHECK(test::count_mounts_under(t.path()) == 0);
}

TEST_CASE("a recursive read-only bind makes its submounts read-only", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  std::string src = t.path() + "/src";
  fs::create_directories(src + "/sub");
  REQUIRE(::mount("tmpfs", (src + "/sub").c_str(), "tmpfs", 0, "size=1m") == 0);
  ScopeExit unmount([&] { ::umount2((src + "/sub").c_str(), MNT_DETACH); });
  auto spec = t.spec({"write", "/m/x", "write", "/m/sub/x"});
  spec.binds = {{src, "/m", true}};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["write /m/x"] == "30");
  CHECK(r["write /m/sub/x"] == "30");
  CHECK_FALSE(fs::exists(src + "/sub/x"));
}

TEST_CASE("a bind's propagation is set on the bind, not where bound content leads", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  // A shared host mount: the container's copy of it is a slave (the root is made rslave
  // for the first bind), and so is a bind from it until its own propagation is applied.
  std::string shared = t.path() + "/shared";
  fs::create_directories(shared);
  REQUIRE(::mount("tmpfs", shared.c_str(), "tmpfs", 0, "size=1m") == 0);
  ScopeExit unmount([&] { ::umount2(shared.c_str(), MNT_DETACH); });
  REQUIRE(::mount(nullptr, shared.c_str(), nullptr, MS_SHARED, nullptr) == 0);
  fs::create_directories(shared + "/other");
  fs::create_symlink("/", shared + "/sub");
  auto spec = t.spec({"propagation", "/d", "propagation", "/other"});
  spec.layers.insert(spec.layers.begin(), layer_with_dotdot_link(t));
  runtime::BindMount other{shared + "/other", "/other"};
  other.propagation = runtime::Propagation::rslave;
  runtime::BindMount bind{shared, "/s"};
  bind.propagation = runtime::Propagation::private_;
  spec.binds = {other, bind};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK_THAT(r["propagation /other"], Catch::Contains("master:"));
  CHECK(r["propagation /d"] == "private");
}

TEST_CASE("a volume subpath is looked up inside the volume, and a link out of it is refused",
          "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  std::string vol = t.path() + "/vol";
  fs::create_directories(vol + "/inner");
  std::ofstream(vol + "/inner/marker") << "inside";
  fs::create_symlink("inner", vol + "/rel");  // stays inside: followed
  fs::create_symlink("/", vol + "/site");     // what another container planted
  fs::create_symlink("../..", vol + "/up");

  auto ok = t.spec({"cat", "/srv/marker"});
  runtime::BindMount rel{vol, "/srv"};
  rel.subpath = "rel";
  ok.binds = {rel};
  auto r = t.run(ok);
  INFO(r.error << r.output);
  CHECK(r["cat /srv/marker"] == "inside");

  for (const char* escape : {"site", "up", "site/etc"}) {
    auto bad = t.spec({"info"});
    runtime::BindMount b{vol, "/srv"};
    b.subpath = escape;
    bad.binds = {b};
    auto e = t.run(bad);
    CHECK_FALSE(e.started);
    CHECK(e.error == fmt::format("bind {} subpath {} -> /srv: Invalid cross-device link (a symlink in the volume "
                                 "leads outside it; pier mounts only what lies inside)", vol, escape));
  }
}

TEST_CASE("a bind whose target leads into /proc through bound content is refused", "[root][runtime][mount]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  std::string vol = t.path() + "/vol", other = t.path() + "/other";
  fs::create_directories(vol);
  fs::create_directories(other);
  fs::create_symlink("/proc", vol + "/sub");  // planted by a container sharing the volume
  auto spec = t.spec({"info"});
  spec.binds = {{vol, "/v"}, {other, "/v/sub"}};
  auto r = t.run(spec);
  CHECK_FALSE(r.started);
  CHECK(r.error == "bind " + other + " -> /v/sub: the target leads into /proc (mounts on or inside /proc are refused; "
                   "a symlink on the target's path points there)");
}
