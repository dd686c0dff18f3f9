// Benchmark: load and normalise a generated 500-service project, as `pier config`
// does, and compare with Docker Compose when it is installed.
//
//   config_load [--services N] [--runs N] [--keep DIR] [--print]
//
// Prints e.g.
//   config_load: 500 services: median 42.1 ms, p95 45.0 ms, peak RSS 21.3 MB (target < 100 ms, < 30 MB)
// In-process figures time load_tree + normalize_project only. Then `pier -f
// compose.yaml config -q` is timed as a process (start-up included: what users see),
// and the peer the same way when one is usable, so start-up counts on both sides.
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench/project_generator.h"
#include "compose/loader.h"
#include "compose/normalize.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int services = 500;
  int runs = 20;
  int peer_runs = 10;  // runs of `config -q` as a process, pier's and the peer's
  std::string keep_dir;  // write the project here and keep it
  bool print = false;    // print the generated compose.yaml and exit
};

struct Stats {
  double median = 0, p95 = 0;
};

Stats stats_of(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  Stats s;
  if (ms.empty()) return s;
  s.median = ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
  size_t idx = static_cast<size_t>(0.95 * static_cast<double>(ms.size() - 1) + 0.5);
  s.p95 = ms[std::min(idx, ms.size() - 1)];
  return s;
}

double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--services" || a == "--runs" || a == "--peer-runs") {
      const char* v = value();
      if (!v || atoi(v) <= 0) return false;
      (a == "--services" ? o.services : a == "--runs" ? o.runs : o.peer_runs) = atoi(v);
    } else if (a == "--keep") {
      const char* v = value();
      if (!v) return false;
      o.keep_dir = v;
    } else if (a == "--print") {
      o.print = true;
    } else {
      return false;
    }
  }
  return true;
}

// Runs argv in `dir` with stdout and stderr discarded; returns the exit status,
// or -1 when it could not run or died by a signal. `cpu_ms`: the child's user + sys time.
int run_quiet(const std::vector<std::string>& args, const std::string& dir, double* cpu_ms = nullptr) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) < 0) return -1;
  if (cpu_ms) {
    auto ms = [](const timeval& tv) {
      return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3;
    };
    *cpu_ms = ms(usage.ru_utime) + ms(usage.ru_stime);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct ProcessStats {
  Stats wall;
  double cpu_median = 0;  // ms, user + sys
};

// Wall and CPU time of `args` run `runs` times, or nullopt when a run fails.
std::optional<ProcessStats> time_process(const std::vector<std::string>& args, const std::string& dir,
                                         int runs) {
  if (run_quiet(args, dir) != 0) return std::nullopt;  // warm-up (page cache, plugin lookup)
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    double cpu_ms = 0;
    if (run_quiet(args, dir, &cpu_ms) != 0) return std::nullopt;
    wall.push_back(elapsed_ms(start));
    cpu.push_back(cpu_ms);
  }
  return ProcessStats{stats_of(wall), stats_of(cpu).median};
}

// The first usable peer: its command prefix (before `-f FILE config -q`).
std::optional<std::vector<std::string>> find_peer(const std::string& dir) {
  const std::vector<std::vector<std::string>> candidates = {
      {"docker", "compose"}, {"docker-compose"}, {"podman-compose"}};
  for (const auto& c : candidates) {
    std::vector<std::string> probe = c;
    probe.push_back("version");
    if (run_quiet(probe, dir) == 0) return c;
  }
  return std::nullopt;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

pier::compose::LoadOptions load_options(const std::string& dir) {
  pier::compose::LoadOptions o;
  o.files = {dir + "/compose.yaml"};
  o.project_directory = dir;
  o.working_directory = dir;
  o.environment = {{"TAG", "2.1"}, {"LOG_LEVEL", "debug"}};
  return o;
}

struct Timing {
  double total = 0, load = 0, normalize = 0, cpu = 0;  // ms
};

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// One load + normalise, or nullopt (after printing the error) when it fails.
std::optional<Timing> load_once(const pier::compose::LoadOptions& options) {
  Timing t;
  double cpu_start = cpu_ms();
  auto start = Clock::now();
  auto tree = pier::compose::load_tree(options);
  if (!tree) {
    std::fprintf(stderr, "config_load: %s\n", tree.error().to_string().c_str());
    return std::nullopt;
  }
  t.load = elapsed_ms(start);
  auto normalize_start = Clock::now();
  pier::compose::Warnings warnings;
  auto project = pier::compose::normalize_project(*tree, warnings);
  if (!project) {
    std::fprintf(stderr, "config_load: %s\n", project.error().to_string().c_str());
    return std::nullopt;
  }
  t.normalize = elapsed_ms(normalize_start);
  t.total = elapsed_ms(start);
  t.cpu = cpu_ms() - cpu_start;
  return t;
}

// `pier -f compose.yaml config -q` as a user runs it, start-up included: the figure the
// issue's target is about. Then the peer, when one is usable, and pier's ratio to it.
void time_processes(const std::string& dir, const Options& o) {
  std::vector<std::string> tail = {"-f", dir + "/compose.yaml", "config", "-q"};
  std::vector<std::string> pier_cmd = {PIER_BINARY};
  pier_cmd.insert(pier_cmd.end(), tail.begin(), tail.end());
  auto pier_stats = time_process(pier_cmd, dir, o.peer_runs);
  if (!pier_stats) {
    std::printf("config_load: `%s` failed\n", join(pier_cmd).c_str());
    return;
  }
  std::printf("config_load: `pier -f compose.yaml config -q` as a process: median %.1f ms wall, "
              "%.1f ms CPU (%d runs; target < 100 ms, goal 50 ms)\n",
              pier_stats->wall.median, pier_stats->cpu_median, o.peer_runs);

  auto peer = find_peer(dir);
  if (!peer) {
    std::printf("config_load: peer: docker compose, docker-compose and podman-compose are not "
                "installed or not usable; no ratio\n");
    return;
  }
  std::vector<std::string> peer_cmd = *peer;
  peer_cmd.insert(peer_cmd.end(), tail.begin(), tail.end());
  auto peer_stats = time_process(peer_cmd, dir, o.peer_runs);
  if (!peer_stats) {
    std::printf("config_load: peer: `%s` failed on the generated project; no ratio\n",
                join(peer_cmd).c_str());
    return;
  }
  double pier_ms = pier_stats->wall.median, peer_ms = peer_stats->wall.median;
  std::printf("config_load: `%s`: median %.1f ms wall, %.1f ms CPU; pier is %.1fx %s\n",
              join(*peer).c_str(), peer_ms, peer_stats->cpu_median,
              pier_ms <= peer_ms ? peer_ms / pier_ms : pier_ms / peer_ms, pier_ms <= peer_ms ? "faster" : "slower");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: config_load [--services N] [--runs N] [--peer-runs N] [--keep DIR] [--print]\n");
    return 2;
  }
  auto project = pier::bench::generate_project(o.services);
  if (o.print) {
    std::fputs(project.compose_yaml.c_str(), stdout);
    return 0;
  }

  std::string dir = o.keep_dir;
  if (dir.empty()) {
    const char* tmp = getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/pier-bench-XXXXXX";
    if (!mkdtemp(tmpl.data())) {
      std::perror("config_load: mkdtemp");
      return 1;
    }
    dir = tmpl;
  } else {
    std::filesystem::create_directories(dir);
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{o.keep_dir.empty() ? dir : std::string()};

  std::string error;
  if (!pier::bench::write_project(project, dir, error)) {
    std::fprintf(stderr, "config_load: %s\n", error.c_str());
    return 1;
  }
  project = {};  // keep the generator's memory out of the figures as far as possible

  auto options = load_options(dir);
  if (!load_once(options)) return 1;  // warm-up, and fail loudly on a load error
  std::vector<double> total, load, normalize, cpu;
  for (int i = 0; i < o.runs; ++i) {
    auto t = load_once(options);
    if (!t) return 1;
    total.push_back(t->total);
    load.push_back(t->load);
    normalize.push_back(t->normalize);
    cpu.push_back(t->cpu);
  }
  Stats s = stats_of(total);
  double rss = peak_rss_mb();
  std::printf("config_load: %d services: median %.1f ms, p95 %.1f ms, peak RSS %.1f MB "
              "(target < 100 ms, < 30 MB; %d runs)\n",
              o.services, s.median, s.p95, rss, o.runs);
  // CPU time is what to compare on a busy machine, where wall time includes waiting.
  std::printf("config_load: load_tree median %.1f ms, normalize_project median %.1f ms, "
              "CPU time median %.1f ms per run\n",
              stats_of(load).median, stats_of(normalize).median, stats_of(cpu).median);
  time_processes(dir, o);
  if (!o.keep_dir.empty()) std::printf("config_load: project kept in %s\n", dir.c_str());
  return 0;
}
