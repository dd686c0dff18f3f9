// bench_build: pier's builder on a 10-step Dockerfile from busybox (seeded offline):
// a cold build (no cache) and a fully cached rebuild, each the median of N runs, in
// process and as a `pier build` process; `podman build` / `docker build` on the same
// context in the same run when installed. Needs root (RUN steps are containers).
//   bench_build [--runs N]
// Targets: cached rebuild < 100 ms; cold build at least 3x faster than the peer.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "builder/builder.h"
#include "image/store/store.h"

using namespace pier;
namespace fs = std::filesystem;

namespace {

const char* kDockerfile = R"(FROM busybox
ENV APP_ENV=bench
WORKDIR /app
COPY a.txt ./
RUN echo one > /app/r1 && ls /app
COPY b.txt ./
RUN for i in 1 2 3; do echo $i; done > /app/r2
ARG LEVEL=3
RUN echo "$LEVEL $APP_ENV" > /app/r3 && rm -f /etc/nsswitch.conf
LABEL org.example.bench=build
CMD ["cat", "/app/r1"]
)";

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double time_it(const std::function<bool()>& fn) {
  auto start = std::chrono::steady_clock::now();
  if (!fn()) {
    std::fprintf(stderr, "bench_build: a run failed\n");
    std::exit(1);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool have(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1 && " + tool + " version >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
  if (::geteuid() != 0) {
    std::fprintf(stderr, "bench_build: needs root (RUN steps are containers)\n");
    return 77;
  }
  char tmpl[] = "/tmp/pier-bench-build-XXXXXX";
  if (!::mkdtemp(tmpl)) return 1;
  std::string root = std::string(tmpl) + "/root", ctx = std::string(tmpl) + "/ctx";
  fs::create_directories(ctx);
  std::string seed = std::string("PIER=") + PIER_BINARY + " " + PIER_SOURCE_DIR + "/scripts/seed-busybox.sh " + root +
                     " >/dev/null";
  if (std::system(seed.c_str()) != 0) {
    std::fprintf(stderr, "bench_build: seeding busybox failed\n");
    return 1;
  }
  std::ofstream(ctx + "/Dockerfile") << kDockerfile;
  std::ofstream(ctx + "/a.txt") << "a\n";
  std::ofstream(ctx + "/b.txt") << "b\n";
  std::ofstream(ctx + "/compose.yaml") << "services:\n  app:\n    build: .\n";
  auto store = image::Store::open(root);
  if (!store) return 1;
  builder::BuildRequest request;
  request.context_dir = ctx;
  request.dockerfile = ctx + "/Dockerfile";
  request.tags = {"bench/build:latest"};
  auto build = [&](bool no_cache) {
    request.no_cache = no_cache;
    auto r = builder::build_image(*store, root, request);
    if (!r) std::fprintf(stderr, "%s\n", r.error().message().c_str());
    return r.ok();
  };
  std::vector<double> cold, cached, cli;
  for (int i = 0; i < runs; ++i) cold.push_back(time_it([&] { return build(true); }));
  for (int i = 0; i < runs; ++i) cached.push_back(time_it([&] { return build(false); }));
  std::string cli_cmd = std::string(PIER_BINARY) + " --root " + root + " -f " + ctx + "/compose.yaml -p bench build -q";
  for (int i = 0; i < runs; ++i) cli.push_back(time_it([&] { return std::system(cli_cmd.c_str()) == 0; }));
  double c = median(cold), h = median(cached), p = median(cli);
  std::printf("bench_build: 10-step Dockerfile from busybox (3 RUN, 2 COPY), median of %d runs\n", runs);
  std::printf("bench_build: cold build (no cache) %.1f ms\n", c * 1e3);
  std::printf("bench_build: cached rebuild %.2f ms in process, %.1f ms as `pier build` (target < 100 ms: %s)\n", h * 1e3,
              p * 1e3, p < 0.1 ? "met" : "missed");
  std::string peer;
  for (const char* tool : {"podman", "docker"})
    if (have(tool)) {
      peer = tool;
      break;
    }
  if (peer.empty()) {
    std::printf("bench_build: peer: neither podman nor docker is installed; no ratio\n");
  } else {
    std::string pc = peer + " build -q --no-cache -t pier-bench-build " + ctx + " >/dev/null 2>&1";
    std::string ph = peer + " build -q -t pier-bench-build " + ctx + " >/dev/null 2>&1";
    std::vector<double> pcold, pcached;
    for (int i = 0; i < runs; ++i) pcold.push_back(time_it([&] { return std::system(pc.c_str()) == 0; }));
    for (int i = 0; i < runs; ++i) pcached.push_back(time_it([&] { return std::system(ph.c_str()) == 0; }));
    double pcm = median(pcold), phm = median(pcached);
    std::printf("bench_build: %s build: cold %.1f ms, cached %.1f ms; pier is %.1fx (cold, target >= 3x) and %.1fx (cached)\n",
                peer.c_str(), pcm * 1e3, phm * 1e3, pcm / c, phm / p);
    std::system((peer + " rmi -f pier-bench-build >/dev/null 2>&1").c_str());
  }
  fs::remove_all(tmpl);
  return 0;
}
