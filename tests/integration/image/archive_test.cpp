// load (docker save and OCI archives written by skopeo), import, rm, prune and
// the busybox seed script, through the `pier image` command line.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "image/store/store.h"
#include "integration/image/fixture/oci_layout.h"
#include "integration/image/fixture/process.h"
#include "integration/image/fixture/require_tools.h"
#include "unit/image/temp_dir.h"

using namespace pier;
using test::TempDir;

namespace {

// Runs `pier-image-cli --root ROOT args...`, returning {status, output}.
std::pair<int, std::string> pier_image(const std::string& root, std::vector<std::string> args, const TempDir& tmp) {
  std::vector<std::string> argv = {PIER_IMAGE_CLI, "--root", root};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string log = tmp / "cli.log";
  std::filesystem::remove(log);
  int status = test::run(argv, log);
  std::ifstream in(log);
  return {status, std::string(std::istreambuf_iterator<char>(in), {})};
}

std::string busybox_layout(const TempDir& tmp) {
  test::OciLayout layout(tmp / "layout");
  auto m = layout.add_image({test::busybox_layer_tar()}, "amd64", "sh");
  layout.tag(m, "latest");
  return layout.dir();
}

}  // namespace

TEST_CASE("load an OCI archive and a docker save archive written by skopeo", "[archive][load]") {
  test::require_registry_tools();
  TempDir tmp;
  std::string layout = busybox_layout(tmp);
  REQUIRE(test::run({"skopeo", "--insecure-policy", "copy", "oci:" + layout + ":latest",
                     "oci-archive:" + (tmp / "oci.tar") + ":example.com/tools/bb:1.0"}, tmp / "skopeo.log") == 0);
  REQUIRE(test::run({"skopeo", "--insecure-policy", "copy", "oci:" + layout + ":latest",
                     "docker-archive:" + (tmp / "docker.tar") + ":saved/busybox:2"}, tmp / "skopeo.log") == 0);
  std::string root = tmp / "root";
  auto [s1, out1] = pier_image(root, {"image", "load", "-i", tmp / "oci.tar"}, tmp);
  CHECK(s1 == 0);
  CHECK(out1.find("Loaded image: example.com/tools/bb:1.0") != std::string::npos);
  auto [s2, out2] = pier_image(root, {"image", "load", "-i", tmp / "docker.tar"}, tmp);
  INFO(out2);
  CHECK(s2 == 0);
  CHECK(out2.find("Loaded image: saved/busybox:2") != std::string::npos);
  auto store = image::Store::open(root);
  auto a = store->resolve("example.com/tools/bb:1.0");
  auto b = store->resolve("saved/busybox:2");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(std::filesystem::exists(a->layer_dirs[0] + "/bin/busybox"));
  CHECK(a->layer_dirs == b->layer_dirs);  // same diff id: one unpacked layer
  auto [s3, out3] = pier_image(root, {"image", "ls"}, tmp);
  CHECK(out3.find("saved/busybox") != std::string::npos);
}

TEST_CASE("import a rootfs tarball with --change, then rm and prune", "[archive][import]") {
  test::require_registry_tools();
  TempDir tmp;
  std::filesystem::create_directories(tmp / "rootfs/bin");
  std::filesystem::copy_file("/bin/busybox", tmp / "rootfs/bin/busybox");
  REQUIRE(test::run({"tar", "-C", tmp / "rootfs", "-czf", tmp / "rootfs.tar.gz", "."}) == 0);
  std::string root = tmp / "root";
  auto [status, out] = pier_image(root,
                                  {"image", "import", "-c", "CMD [\"/bin/busybox\", \"sh\"]", "-c", "ENV A=1 B=2",
                                   "-c", "WORKDIR /srv", "-c", "ENTRYPOINT /bin/busybox", tmp / "rootfs.tar.gz",
                                   "local/rootfs:v1"},
                                  tmp);
  INFO(out);
  REQUIRE(status == 0);
  auto store = image::Store::open(root);
  auto img = store->resolve("local/rootfs:v1");
  REQUIRE(img.ok());
  CHECK(img->config.cmd == std::vector<std::string>{"/bin/busybox", "sh"});
  CHECK(img->config.entrypoint == std::vector<std::string>{"/bin/sh", "-c", "/bin/busybox"});
  CHECK(img->config.env == std::vector<std::string>{"A=1", "B=2"});
  CHECK(img->config.working_dir == "/srv");
  auto [bad, bad_out] = pier_image(root, {"image", "import", "-c", "RUN x", tmp / "rootfs.tar.gz", "x"}, tmp);
  CHECK(bad != 0);
  CHECK(bad_out.find("unsupported instruction") != std::string::npos);

  auto [inspect_status, inspect_out] = pier_image(root, {"image", "inspect", "local/rootfs:v1"}, tmp);
  CHECK(inspect_status == 0);
  CHECK(inspect_out.find("\"WorkingDir\": \"/srv\"") != std::string::npos);

  auto [rm_status, rm_out] = pier_image(root, {"image", "rm", "local/rootfs:v1"}, tmp);
  CHECK(rm_status == 0);
  CHECK(rm_out.find("Untagged: local/rootfs:v1") != std::string::npos);
  CHECK(store->list()->empty());
  CHECK(std::filesystem::is_empty(root + "/images/layers"));
  CHECK(std::filesystem::is_empty(root + "/images/blobs/sha256"));
  auto [prune_status, prune_out] = pier_image(root, {"image", "prune"}, tmp);
  CHECK(prune_status == 0);
  auto [missing, missing_out] = pier_image(root, {"image", "inspect", "local/rootfs:v1"}, tmp);
  CHECK(missing != 0);
  CHECK(missing_out.find("no such image") != std::string::npos);
}

TEST_CASE("gc keeps what images use and removes the rest", "[archive][gc]") {
  TempDir tmp;
  auto store = image::Store::open(tmp / "root");
  REQUIRE(store.ok());
  auto orphan = store->put_blob("orphan");
  REQUIRE(orphan.ok());
  std::ofstream(tmp / "root/images/tmp/blob-stale") << "partial";
  auto stats = store->gc();
  REQUIRE(stats.ok());
  CHECK(stats->blobs_removed == 1);
  CHECK_FALSE(store->has_blob(*orphan));
  CHECK(std::filesystem::is_empty(tmp / "root/images/tmp"));
}

TEST_CASE("seed-busybox.sh seeds busybox:latest offline, idempotently", "[archive][seed]") {
  test::require_registry_tools();
  TempDir tmp;
  std::string root = tmp / "root";
  std::string script = std::string(PIER_SOURCE_DIR) + "/scripts/seed-busybox.sh";
  ::setenv("PIER", PIER_IMAGE_CLI, 1);
  REQUIRE(test::run({script, root}, tmp / "seed.log") == 0);
  REQUIRE(test::run({script, root}, tmp / "seed2.log") == 0);
  ::unsetenv("PIER");
  std::ifstream second(tmp / "seed2.log");
  std::string text((std::istreambuf_iterator<char>(second)), {});
  CHECK(text.find("already") != std::string::npos);
  auto store = image::Store::open(root);
  auto img = store->resolve("busybox");
  REQUIRE(img.ok());
  CHECK(img->config.cmd == std::vector<std::string>{"sh"});
  std::string layer = img->layer_dirs.at(0);
  CHECK(std::filesystem::is_regular_file(layer + "/bin/busybox"));
  CHECK(std::filesystem::read_symlink(layer + "/bin/sh") == "/bin/busybox");
  CHECK(std::filesystem::is_symlink(layer + "/usr/bin/env"));
}
