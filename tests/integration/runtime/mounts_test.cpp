// The mount table: binds, tmpfs, /proc masks, /sys, /dev, files, errors, host unaffected.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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
