// bench_image: pier's pull against `skopeo copy` (same local registry, same
// image, same run) and pier's layer unpacking against `tar -x`.
//   bench_image [pull|unpack|all]
// Figures are medians of 3 warm runs. Targets: pull <= 1.2x skopeo, unpack <= 1.3x tar.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "image/registry/pull.h"
#include "image/store/store.h"
#include "image/unpack/layer_unpacker.h"
#include "integration/image/fixture/oci_layout.h"
#include "integration/image/fixture/process.h"
#include "integration/image/fixture/push.h"
#include "integration/image/fixture/registry.h"
#include "unit/image/tar_builder.h"
#include "unit/image/temp_dir.h"

using namespace pier;
namespace fs = std::filesystem;

namespace {

constexpr int kRuns = 3;

double median_seconds(const std::function<void(int)>& prepare, const std::function<bool(int)>& body) {
  std::vector<double> times;
  for (int i = 0; i < kRuns; ++i) {
    prepare(i);
    auto start = std::chrono::steady_clock::now();
    if (!body(i)) {
      std::fprintf(stderr, "bench run failed\n");
      std::exit(1);
    }
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[kRuns / 2];
}

void print_row(const char* what, double pier_s, const char* peer, double peer_s, double target, double mb) {
  double ratio = pier_s / peer_s;
  std::printf("%-28s pier %7.3f s (%6.1f MB/s)   %-10s %7.3f s   ratio %.2fx (target <= %.1fx) %s\n", what, pier_s,
              mb / pier_s, peer, peer_s, ratio, target, ratio <= target ? "OK" : "MISS");
}

void bench_pull() {
  test::TempDir tmp;
  test::Registry reg(tmp / "registry");
  test::OciLayout layout(tmp / "layout");
  std::vector<std::string> layers;
  for (unsigned i = 0; i < 5; ++i) layers.push_back(test::random_layer_tar("l" + std::to_string(i), 10 << 20, i + 1));
  auto m = layout.add_image(layers, "amd64", "sh");
  layout.tag(m, "latest");
  if (test::skopeo_push(layout.dir(), "latest", reg.host() + "/bench/pull:latest", tmp / "skopeo.log") != 0) {
    std::fprintf(stderr, "skopeo push failed; see %s\n", (tmp / "skopeo.log").c_str());
    std::exit(1);
  }
  auto ref = *image::parse_reference(reg.host() + "/bench/pull:latest");
  image::PullOptions options;
  options.registries.insecure.insert(reg.host());
  options.registries.docker_config_path = "/nonexistent";
  options.platform = image::Platform{"linux", "amd64", ""};
  auto fresh = [&](int i) { fs::remove_all(tmp / ("run" + std::to_string(i))); };
  double pier_s = median_seconds(fresh, [&](int i) {
    auto store = image::Store::open(tmp / ("run" + std::to_string(i)));
    auto r = pull_image(*store, ref, options);
    if (!r.ok()) std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
    return r.ok();
  });
  double skopeo_s = median_seconds(fresh, [&](int i) {
    return test::run({"skopeo", "--insecure-policy", "copy", "--src-tls-verify=false", "docker://" + ref.str(),
                      "oci:" + (tmp / ("run" + std::to_string(i))) + ":latest"},
                     tmp / "skopeo.log") == 0;
  });
  double mb = 5 * 10.0 * 1.048576;
  std::printf("pull: 5 layers x 10 MiB (gzip, incompressible) from docker-registry on loopback\n");
  print_row("pull (download+verify+unpack)", pier_s, "skopeo", skopeo_s, 1.2, mb);
  std::printf("  (skopeo copy only downloads into an OCI layout; pier also unpacks every layer and syncs it)\n");
}

std::string make_unpack_tar(const test::TempDir& tmp) {
  // ~100 MiB: 40 files of 2 MiB and 5000 files of 4 KiB in 50 directories.
  test::TarBuilder b;
  std::string big = test::random_layer_tar("x", 2 << 20, 5);
  std::string payload(2 << 20, 'a');
  for (size_t i = 0; i < payload.size(); i += 7) payload[i] = static_cast<char>(i * 31);
  b.dir("big");
  for (int i = 0; i < 40; ++i) b.file("big/f" + std::to_string(i), payload, 0644);
  std::string small(4096, 's');
  for (int d = 0; d < 50; ++d) {
    b.dir("small" + std::to_string(d));
    for (int i = 0; i < 100; ++i) b.file("small" + std::to_string(d) + "/f" + std::to_string(i), small, 0644);
  }
  std::string path = tmp / "layer.tar";
  std::ofstream(path, std::ios::binary) << b.finish();
  return path;
}

void bench_unpack() {
  test::TempDir tmp;
  std::string tar = make_unpack_tar(tmp);
  double mb = static_cast<double>(fs::file_size(tar)) / 1e6;
  auto fresh = [&](int i) {
    fs::remove_all(tmp / ("out" + std::to_string(i)));
    fs::create_directories(tmp / ("out" + std::to_string(i)));
  };
  double pier_s = median_seconds(fresh, [&](int i) {
    auto r = image::unpack_layer(tar, tmp / ("out" + std::to_string(i)));
    if (!r.ok()) std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
    return r.ok();
  });
  double tar_s = median_seconds(fresh, [&](int i) {
    return test::run({"tar", "-xpf", tar, "-C", tmp / ("out" + std::to_string(i))}) == 0;
  });
  std::printf("unpack: %.0f MB plain tar, 40 x 2 MiB + 5000 x 4 KiB files\n", mb);
  print_row("unpack (with diff id sha256)", pier_s, "tar -x", tar_s, 1.3, mb);
}

}  // namespace

int main(int argc, char** argv) {
  std::string which = argc > 1 ? argv[1] : "all";
  if (which == "pull" || which == "all") bench_pull();
  if (which == "unpack" || which == "all") bench_unpack();
  return 0;
}
