// bench_image: pier's pull against `skopeo copy` (same local registry, same
// image, same run) and pier's layer unpacking against `tar -x`.
//   bench_image [pull|unpack|all]
// Figures are medians of 5 warm runs, pier and the peer alternating. Targets: pull <= 1.2x skopeo, unpack <= 1.3x tar.
#include <sys/resource.h>
#include <unistd.h>

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

constexpr int kRuns = 5;

struct Figures {
  double wall = 0;  // median seconds
  double cpu = 0;   // median user+sys seconds (the peer's measured as our child)
};

double cpu_seconds(int who) {
  rusage u{};
  ::getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs pier and the peer alternately, so both see the same machine load (the
// build machine is shared); wall and CPU time are kept for each.
std::pair<Figures, Figures> compare(const std::function<void(int)>& prepare, const std::function<bool(int)>& pier_run,
                                    const std::function<bool(int)>& peer_run) {
  std::vector<double> wall[2], cpu[2];
  for (int i = 0; i < kRuns; ++i) {
    for (int side = 0; side < 2; ++side) {
      prepare(i);
      int who = side == 0 ? RUSAGE_SELF : RUSAGE_CHILDREN;
      double cpu_start = cpu_seconds(who);
      auto start = std::chrono::steady_clock::now();
      if (!(side == 0 ? pier_run(i) : peer_run(i))) {
        std::fprintf(stderr, "bench run failed\n");
        std::exit(1);
      }
      wall[side].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      cpu[side].push_back(cpu_seconds(who) - cpu_start);
    }
  }
  return {Figures{median(wall[0]), median(cpu[0])}, Figures{median(wall[1]), median(cpu[1])}};
}

void print_row(const char* what, const Figures& pier, const char* peer, const Figures& other, double target, double mb) {
  double ratio = pier.wall / other.wall;
  std::printf("%-30s pier %6.3f s wall %6.3f s cpu (%6.1f MB/s) | %-7s %6.3f s wall %6.3f s cpu | wall ratio %.2fx "
              "(target <= %.1fx) %s, cpu ratio %.2fx\n",
              what, pier.wall, pier.cpu, mb / pier.wall, peer, other.wall, other.cpu, ratio, target,
              ratio <= target ? "OK" : "MISS", pier.cpu / other.cpu);
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
  // Both sides pull into run<i>; the other side's copy is removed first.
  auto [pier_s, skopeo_s] = compare(
      fresh,
      [&](int i) {
        auto store = image::Store::open(tmp / ("run" + std::to_string(i)));
        auto r = pull_image(*store, ref, options);
        if (!r.ok()) std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
        return r.ok();
      },
      [&](int i) {
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
    ::sync();  // the previous side's writeback is not charged to this one
  };
  auto [pier_s, tar_s] = compare(
      fresh,
      [&](int i) {
        auto r = image::unpack_layer(tar, tmp / ("out" + std::to_string(i)));
        if (!r.ok()) std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
        return r.ok();
      },
      [&](int i) { return test::run({"tar", "-xpf", tar, "-C", tmp / ("out" + std::to_string(i))}) == 0; });
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
