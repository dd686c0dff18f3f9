// bench/runtime_start: start-to-exit of /bin/true in a full container (all namespaces,
// overlay rootfs of 2 layers, cgroup with limits), sequential and 50 in parallel; in the
// same run crun and runc on an equivalent bundle, and the `unshare ... chroot` floor.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/container.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace pier;

extern char** environ;

namespace {

struct Figures {
  double median_ms = 0, p95_ms = 0;
  double cpu_ms = 0;  // user+sys of this process and its reaped children, per container
  int failures = 0;
};

// CPU time is steadier than wall time on a shared, loaded 2-core machine.
double cpu_now_ms() {
  rusage self{}, kids{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ms(self.ru_utime) + ms(self.ru_stime) + ms(kids.ru_utime) + ms(kids.ru_stime);
}

Figures summarize(std::vector<double> ms, int failures) {
  Figures f;
  f.failures = failures;
  if (ms.empty()) return f;
  std::sort(ms.begin(), ms.end());
  f.median_ms = ms[ms.size() / 2];
  f.p95_ms = ms[std::min(ms.size() - 1, ms.size() * 95 / 100)];
  return f;
}

// Runs `one(i)` n times sequentially or all at once; each returns its own latency or nullopt.
Figures measure(int n, bool parallel, const std::function<std::optional<double>(int)>& one) {
  std::vector<double> ms(static_cast<size_t>(n), -1);
  double cpu0 = cpu_now_ms();
  if (parallel) {
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) threads.emplace_back([&, i] { ms[static_cast<size_t>(i)] = one(i).value_or(-1); });
    for (auto& t : threads) t.join();
  } else {
    for (int i = 0; i < n; ++i) ms[static_cast<size_t>(i)] = one(i).value_or(-1);
  }
  int failures = static_cast<int>(std::count(ms.begin(), ms.end(), -1.0));
  ms.erase(std::remove(ms.begin(), ms.end(), -1.0), ms.end());
  Figures f = summarize(ms, failures);
  if (n > 0) f.cpu_ms = (cpu_now_ms() - cpu0) / n;
  return f;
}

double since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::optional<double> run_command(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  auto t0 = Clock::now();
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return std::nullopt;
  int status = 0;
  waitpid(pid, &status, 0);
  double ms = since(t0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return ms;
}

struct Layers {
  std::string base, top, merged;
};

Layers build_layers(const std::string& dir) {
  Layers l{dir + "/base", dir + "/top", dir + "/merged"};
  for (const auto& root : {l.base, l.merged}) {
    for (const char* sub : {"/bin", "/etc", "/proc", "/sys", "/dev", "/tmp"}) fs::create_directories(root + sub);
    fs::copy_file("/bin/busybox", root + "/bin/busybox");
    fs::create_symlink("busybox", root + "/bin/true");
    fs::create_symlink("busybox", root + "/bin/sh");
    std::ofstream(root + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
    std::ofstream(root + "/etc/group") << "root:x:0:\n";
  }
  fs::create_directories(l.top + "/etc");
  std::ofstream(l.top + "/etc/os-release") << "NAME=bench\n";
  return l;
}

runtime::ContainerSpec pier_spec(const Layers& l, const std::string& dir, int i) {
  runtime::ContainerSpec s;
  s.project = "bench" + std::to_string(getpid());
  s.name = "c" + std::to_string(i);
  s.layers = {l.top, l.base};
  s.state_dir = dir + "/state/" + s.name;
  s.process.argv = {"/bin/true"};
  s.resources.memory = 64 << 20;
  s.resources.pids_limit = 64;
  s.resources.cpus = 1.0;
  return s;
}

struct Phases {
  std::vector<double> spawn, wait, destroy;
  std::mutex mu;
} phases;

std::optional<double> run_pier(const Layers& l, const std::string& dir, int i) {
  auto spec = pier_spec(l, dir, i);
  auto t0 = Clock::now();
  auto c = runtime::spawn(spec);
  if (!c) {
    std::fprintf(stderr, "pier: %s\n", c.error().to_string().c_str());
    return std::nullopt;
  }
  double t_spawn = since(t0);
  auto code = runtime::wait(c->pidfd.get());
  double t_wait = since(t0);
  auto st = runtime::destroy(spec.project, spec.name, spec.state_dir);
  double ms = since(t0);
  {
    std::lock_guard lock(phases.mu);
    phases.spawn.push_back(t_spawn);
    phases.wait.push_back(t_wait - t_spawn);
    phases.destroy.push_back(ms - t_wait);
  }
  if (!code || *code != 0 || !st) return std::nullopt;
  return ms;
}

// An OCI bundle equivalent to pier's container: same namespaces and limits, /bin/true.
std::string make_bundle(const std::string& tool, const Layers& l, const std::string& dir) {
  std::string bundle = dir + "/bundle-" + tool;
  fs::create_directories(bundle);
  std::string cmd = tool + " spec --bundle " + bundle + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return {};
  nlohmann::json j;
  std::ifstream(bundle + "/config.json") >> j;
  j["root"]["path"] = l.merged;
  j["root"]["readonly"] = false;
  j["process"]["terminal"] = false;
  j["process"]["args"] = {"/bin/true"};
  j["linux"]["namespaces"].push_back({{"type", "cgroup"}});
  j["linux"]["resources"]["memory"] = {{"limit", 64 << 20}};
  j["linux"]["resources"]["pids"] = {{"limit", 64}};
  j["linux"]["resources"]["cpu"] = {{"quota", 100000}, {"period", 100000}};
  std::ofstream(bundle + "/config.json") << j.dump(2);
  return bundle;
}

void print_row(const char* name, const char* mode, const Figures& f, double floor) {
  std::printf("%-8s %-10s median %7.2f ms  p95 %7.2f ms  cpu %6.2f ms", name, mode, f.median_ms, f.p95_ms, f.cpu_ms);
  if (floor > 0 && f.median_ms > 0) std::printf("  (%.2fx floor)", f.median_ms / floor);
  if (f.failures) std::printf("  [%d failed]", f.failures);
  std::printf("\n");
}

// crun refuses a hybrid host whose cgroup2 holds a controller ("cgroups in hybrid mode
// not supported"). The whole bench runs in a private mount namespace without the v2
// hierarchy, so crun, runc and pier all see the same pure-v1 host; nothing leaks out.
void hide_unified_hierarchy() {
  if (::unshare(CLONE_NEWNS) != 0) return;
  ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  if (::umount2("/sys/fs/cgroup/unified", MNT_DETACH) == 0)
    std::printf("(bench runs in a private mount namespace without /sys/fs/cgroup/unified, for crun)\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (geteuid() != 0) {
    std::printf("runtime_start: needs root (namespaces, mounts, cgroups); skipped\n");
    return 0;
  }
  hide_unified_hierarchy();
  int seq = argc > 1 ? std::atoi(argv[1]) : 100;
  int par = argc > 2 ? std::atoi(argv[2]) : 50;
  char tmpl[] = "/tmp/pier-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  Layers l = build_layers(dir);
  fs::create_directories(dir + "/state");
  std::printf("runtime_start: /bin/true, %d sequential, %d parallel (2 cores)\n", seq, par);

  auto floor_cmd = [&](int) {
    return run_command({"unshare", "--pid", "--mount", "--net", "--uts", "--ipc", "--fork", "chroot", l.merged, "/bin/true"});
  };
  auto pier_one = [&](int i) { return run_pier(l, dir, i); };
  for (int i = 0; i < 5; ++i) (void)pier_one(100000 + i), (void)floor_cmd(0);  // warm caches

  Figures floor_seq = measure(seq, false, floor_cmd);
  Figures pier_seq = measure(seq, false, pier_one);
  Figures pier_par = measure(par, true, [&](int i) { return run_pier(l, dir, 200000 + i); });
  Figures floor_par = measure(par, true, floor_cmd);
  print_row("floor", "sequential", floor_seq, 0);
  print_row("pier", "sequential", pier_seq, floor_seq.median_ms);
  auto med = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  std::printf("pier     phases     spawn %.2f ms, run to exit %.2f ms, destroy %.2f ms (medians, all runs)\n",
              med(phases.spawn), med(phases.wait), med(phases.destroy));
  print_row("floor", "parallel", floor_par, 0);
  print_row("pier", "parallel", pier_par, floor_par.median_ms);

  bool peers = !(argc > 3 && std::string(argv[3]) == "pier-only");
  for (const char* tool : {"crun", "runc"}) {
    if (!peers) break;
    if (std::system((std::string("command -v ") + tool + " >/dev/null").c_str()) != 0) {
      std::printf("%-8s not installed\n", tool);
      continue;
    }
    std::string bundle = make_bundle(tool, l, dir);
    if (bundle.empty()) continue;
    auto one = [&](int i) {
      std::string id = std::string("pierbench-") + tool + std::to_string(getpid()) + "-" + std::to_string(i);
      return run_command({tool, "run", "--bundle", bundle, id});
    };
    Figures s = measure(seq, false, one);
    Figures p = measure(par, true, [&](int i) { return one(100000 + i); });
    print_row(tool, "sequential", s, floor_seq.median_ms);
    print_row(tool, "parallel", p, floor_par.median_ms);
    if (pier_seq.median_ms > 0)
      std::printf("%-8s pier is %.2fx faster sequential, %.2fx parallel\n", tool, s.median_ms / pier_seq.median_ms,
                  p.median_ms / std::max(pier_par.median_ms, 1e-9));
  }
  runtime::release_project("bench" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
