// Pulls from a real docker-registry on loopback, images pushed with skopeo.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "image/registry/pull.h"
#include "image/store/store.h"
#include "integration/image/fixture/oci_layout.h"
#include "integration/image/fixture/process.h"
#include "integration/image/fixture/pull_helpers.h"
#include "integration/image/fixture/require_tools.h"
#include "integration/image/fixture/push.h"
#include "integration/image/fixture/registry.h"
#include "unit/image/temp_dir.h"

using namespace pier;
using namespace pier::image;
using test::TempDir;

namespace {

struct PullFixture {
  TempDir tmp;
  std::unique_ptr<test::Registry> registry;
  std::string root = tmp / "root";
};

}  // namespace

namespace {

PullOptions options_for(const test::Registry& r) {
  PullOptions o = test::plain_pull_options();
  o.registries.insecure.insert(r.host());
  return o;
}

using test::ref_of;

size_t count_entries(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

// Pushes busybox (1 layer) as test/busybox:latest; returns its manifest.
test::BuiltManifest push_busybox(const TempDir& tmp, const test::Registry& reg, const std::string& repo = "test/busybox",
                                 const std::string& creds = {}) {
  test::OciLayout layout(tmp / "layout-busybox");
  auto m = layout.add_image({test::busybox_layer_tar()}, "amd64", "sh");
  layout.tag(m, "latest");
  REQUIRE(test::skopeo_push(layout.dir(), "latest", reg.host() + "/" + repo + ":latest", tmp / "skopeo.log", creds) == 0);
  return m;
}

}  // namespace

TEST_CASE("pull by tag and by digest from a local registry", "[registry][pull]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry reg(tmp / "registry");
  auto pushed = push_busybox(tmp, reg);
  auto store = Store::open(tmp / "root");
  REQUIRE(store.ok());

  auto rec = pull_image(*store, ref_of(reg.host() + "/test/busybox"), options_for(reg));
  INFO((rec.ok() ? std::string() : rec.error().to_string()));
  REQUIRE(rec.ok());
  CHECK(rec->repo_digest == pushed.digest);
  auto resolved = store->resolve(reg.host() + "/test/busybox:latest");
  REQUIRE(resolved.ok());
  REQUIRE(resolved->layer_dirs.size() == 1);
  CHECK(std::filesystem::exists(resolved->layer_dirs[0] + "/bin/busybox"));
  CHECK(resolved->config.cmd == std::vector<std::string>{"sh"});

  auto by_digest = pull_image(*store, ref_of(reg.host() + "/test/busybox@" + pushed.digest), options_for(reg));
  REQUIRE(by_digest.ok());
  CHECK(by_digest->id == rec->id);
  CHECK(store->resolve(reg.host() + "/test/busybox@" + pushed.digest).ok());
  CHECK(count_entries(tmp / "root/images/layers") == 1);  // shared, not unpacked twice
  CHECK(count_entries(tmp / "root/images/tmp") == 0);
}

TEST_CASE("a multi-platform index pulls the requested platform", "[registry][pull]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry reg(tmp / "registry");
  test::OciLayout layout(tmp / "layout-multi");
  auto amd = layout.add_image({test::busybox_layer_tar()}, "amd64", "amd-cmd");
  auto arm = layout.add_image({test::random_layer_tar("arm", 1000, 7)}, "arm64", "arm-cmd");
  std::string index_digest = layout.tag_multi({amd, arm}, "multi");
  REQUIRE(test::skopeo_push(layout.dir(), "multi", reg.host() + "/test/multi:1", tmp / "skopeo.log") == 0);
  auto store = Store::open(tmp / "root");
  REQUIRE(store.ok());

  auto opts = options_for(reg);
  opts.platform = Platform{"linux", "arm64", ""};
  auto rec = pull_image(*store, ref_of(reg.host() + "/test/multi:1"), opts);
  REQUIRE(rec.ok());
  CHECK(rec->manifest_digest == arm.digest);
  CHECK(rec->repo_digest == index_digest);
  CHECK(rec->platform == "linux/arm64");
  CHECK(store->resolve(reg.host() + "/test/multi:1")->config.cmd == std::vector<std::string>{"arm-cmd"});

  opts.platform = Platform{"linux", "s390x", ""};
  auto missing = pull_image(*store, ref_of(reg.host() + "/test/multi:1"), opts);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().to_string().find("linux/arm64") != std::string::npos);
}

TEST_CASE("a corrupted blob fails the pull and leaves the store unchanged", "[registry][pull]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry reg(tmp / "registry");
  test::OciLayout layout(tmp / "layout");
  std::string tar = test::random_layer_tar("blob", 200000, 3);
  auto m = layout.add_image({tar}, "amd64", "sh");
  layout.tag(m, "latest");
  REQUIRE(test::skopeo_push(layout.dir(), "latest", reg.host() + "/test/corrupt:latest", tmp / "skopeo.log") == 0);
  std::string layer_digest = test::sha256_of(test::gzip_bytes(tar));
  {
    std::fstream f(reg.blob_file(layer_digest), std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f.good());
    f.seekp(1000);
    f.put('\x42');
    f.put('\x43');
  }
  auto store = Store::open(tmp / "root");
  REQUIRE(store.ok());
  auto rec = pull_image(*store, ref_of(reg.host() + "/test/corrupt"), options_for(reg));
  REQUIRE_FALSE(rec.ok());
  CHECK(rec.error().to_string().find("digest mismatch") != std::string::npos);
  CHECK(store->list()->empty());
  CHECK_FALSE(store->has_blob(layer_digest));
  CHECK(count_entries(tmp / "root/images/layers") == 0);
  CHECK(count_entries(tmp / "root/images/tmp") == 0);
}

TEST_CASE("a registry dying mid-pull is an error, then a clean retry succeeds", "[registry][pull]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry reg(tmp / "registry");
  test::OciLayout layout(tmp / "layout");
  auto m = layout.add_image({test::random_layer_tar("a", 8 << 20, 1), test::random_layer_tar("b", 8 << 20, 2)},
                            "amd64", "sh");
  layout.tag(m, "latest");
  REQUIRE(test::skopeo_push(layout.dir(), "latest", reg.host() + "/test/dying:latest", tmp / "skopeo.log") == 0);
  auto store = Store::open(tmp / "root");
  REQUIRE(store.ok());

  auto opts = options_for(reg);
  std::atomic<bool> killed{false};
  opts.progress = [&](const LayerProgress& p) {
    if (p.status == "Downloading" && p.current > (1 << 20) && !killed.exchange(true)) reg.stop();
  };
  auto failed = pull_image(*store, ref_of(reg.host() + "/test/dying"), opts);
  REQUIRE(killed);
  REQUIRE_FALSE(failed.ok());
  CHECK(store->list()->empty());
  CHECK(count_entries(tmp / "root/images/tmp") == 0);

  reg.start();
  auto retried = pull_image(*store, ref_of(reg.host() + "/test/dying"), options_for(reg));
  INFO((retried.ok() ? std::string() : retried.error().to_string()));
  REQUIRE(retried.ok());
  CHECK(store->resolve(reg.host() + "/test/dying")->layer_dirs.size() == 2);
}

TEST_CASE("concurrent pulls of the same image share one copy", "[registry][pull]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry reg(tmp / "registry");
  test::OciLayout layout(tmp / "layout");
  auto m = layout.add_image({test::busybox_layer_tar(), test::random_layer_tar("x", 4 << 20, 9)}, "amd64", "sh");
  layout.tag(m, "latest");
  REQUIRE(test::skopeo_push(layout.dir(), "latest", reg.host() + "/test/same:latest", tmp / "skopeo.log") == 0);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      auto store = Store::open(tmp / "root");  // each its own Store, as separate processes would
      if (store.ok() && pull_image(*store, ref_of(reg.host() + "/test/same"), options_for(reg)).ok()) ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 4);
  auto store = Store::open(tmp / "root");
  CHECK(store->list()->size() == 1);
  CHECK(store->resolve(reg.host() + "/test/same")->layer_dirs.size() == 2);
  CHECK(count_entries(tmp / "root/images/layers") == 2);
  CHECK(count_entries(tmp / "root/images/tmp") == 0);
}

TEST_CASE("a plain-HTTP registry is refused unless configured insecure", "[registry][pull]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry reg(tmp / "registry");
  push_busybox(tmp, reg);
  auto store = Store::open(tmp / "root");
  auto opts = options_for(reg);
  opts.registries.insecure.clear();
  auto rec = pull_image(*store, ref_of(reg.host() + "/test/busybox"), opts);
  REQUIRE_FALSE(rec.ok());
  CHECK(rec.error().to_string().find("insecure-registries") != std::string::npos);
}

TEST_CASE("pier image pull: a plain-HTTP registry on loopback needs no configuration, as in Docker",
          "[registry][pull][cli]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry reg(tmp / "registry");
  push_busybox(tmp, reg);
  // No registries.json, no PIER_INSECURE_REGISTRIES: 127.0.0.1 and localhost are
  // insecure by default, so HTTPS is tried first and plain HTTP follows.
  std::string root = tmp / "root";
  std::string port = reg.host().substr(reg.host().find(':') + 1);
  for (const std::string& host : {reg.host(), "localhost:" + port}) {
    std::string log = tmp / "pull.log";
    int code = test::run({PIER_IMAGE_CLI, "--root", root, "image", "pull", "-q", host + "/test/busybox"}, log);
    std::ifstream in(log);
    INFO(host << ": " << std::string((std::istreambuf_iterator<char>(in)), {}));
    CHECK(code == 0);
  }
  auto store = Store::open(root);
  REQUIRE(store.ok());
  CHECK(store->resolve(reg.host() + "/test/busybox").ok());
  CHECK(store->resolve("localhost:" + port + "/test/busybox").ok());
}

TEST_CASE("a pull killed mid-way leaves no visible image; the next pull completes", "[registry][pull][crash]") {
  test::require_registry_tools();
  TempDir tmp;
  test::Registry reg(tmp / "registry");
  test::OciLayout layout(tmp / "layout");
  std::vector<std::string> layers;
  for (unsigned i = 0; i < 4; ++i) layers.push_back(test::random_layer_tar("c" + std::to_string(i), 12 << 20, 20 + i));
  auto m = layout.add_image(layers, "amd64", "sh");
  layout.tag(m, "latest");
  REQUIRE(test::skopeo_push(layout.dir(), "latest", reg.host() + "/test/crash:latest", tmp / "skopeo.log") == 0);
  std::string root = tmp / "root";
  std::filesystem::create_directories(root);
  std::ofstream(root + "/registries.json") << R"({"insecure-registries":[")" << reg.host() << R"("]})";
  std::string image = reg.host() + "/test/crash";
  {
    test::Process pull({PIER_IMAGE_CLI, "--root", root, "image", "pull", "-q", image}, tmp / "pull.log");
    // Kill it as soon as it has started writing content.
    for (int i = 0; i < 2000; ++i) {
      if (std::filesystem::exists(root + "/images/tmp") && !std::filesystem::is_empty(root + "/images/tmp")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    pull.kill();
  }
  auto store = Store::open(root);
  REQUIRE(store.ok());
  CHECK_FALSE(store->find(image).ok());
  REQUIRE(test::run({PIER_IMAGE_CLI, "--root", root, "image", "pull", image}, tmp / "pull2.log") == 0);
  std::ifstream log(tmp / "pull2.log");
  std::string progress((std::istreambuf_iterator<char>(log)), {});
  INFO(progress);
  CHECK(progress.find(" Pull complete\n") != std::string::npos);  // plain lines: stdout is not a TTY
  CHECK(progress.find(" " + image + ":latest Pulled\n") != std::string::npos);
  CHECK(progress.find(image + ":latest: digest sha256:") != std::string::npos);
  auto resolved = store->resolve(image);
  REQUIRE(resolved.ok());
  CHECK(resolved->layer_dirs.size() == 4);
  REQUIRE(test::run({PIER_IMAGE_CLI, "--root", root, "image", "prune"}, tmp / "prune.log") == 0);
  CHECK(std::filesystem::is_empty(root + "/images/tmp"));
  CHECK(store->resolve(image).ok());
}
