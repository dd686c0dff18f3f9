#include "app/stats.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/strings.h"

namespace pier::app {
namespace {

std::string read_proc(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool shares_host_network(pid_t pid) {
  struct stat mine {}, theirs {};
  return ::stat("/proc/self/ns/net", &mine) == 0 &&
         ::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &theirs) == 0 && mine.st_ino == theirs.st_ino &&
         mine.st_dev == theirs.st_dev;
}

std::string scaled(double size, double base, const char* const* units, size_t count, int precision) {
  size_t i = 0;
  while (size >= base && i + 1 < count) {
    size /= base;
    ++i;
  }
  char out[64];
  std::snprintf(out, sizeof out, "%.*g%s", precision, size, units[i]);
  return out;
}

std::string percent(double value) {
  char out[32];
  std::snprintf(out, sizeof out, "%.2f%%", value);
  return out;
}

}  // namespace

std::string binary_size(double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  return scaled(bytes, 1024.0, units, std::size(units), 4);
}

std::string decimal_size(double bytes) {
  static const char* const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  return scaled(bytes, 1000.0, units, std::size(units), 3);
}

std::pair<uint64_t, uint64_t> parse_net_dev(const std::string& text) {
  uint64_t rx = 0, tx = 0;
  for (const auto& line : split(text, '\n')) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;  // the two header lines
    if (trim(line.substr(0, colon)) == "lo") continue;
    std::istringstream fields(line.substr(colon + 1));
    uint64_t v[9] = {};
    for (auto& f : v) fields >> f;
    rx += v[0];  // receive bytes, then 7 more receive counters
    tx += v[8];  // transmit bytes
  }
  return {rx, tx};
}

uint64_t parse_host_cpu_ns(const std::string& text, long ticks_per_second) {
  std::istringstream in(text);
  std::string label;
  in >> label;
  if (label != "cpu" || ticks_per_second <= 0) return 0;
  uint64_t ticks = 0, v = 0;
  // user nice system idle iowait irq softirq steal: guest time is inside user already.
  for (int i = 0; i < 8 && in >> v; ++i) ticks += v;
  return ticks * (1'000'000'000ull / static_cast<uint64_t>(ticks_per_second));
}

StatsSample sample_container(const state::ContainerRecord& r) {
  StatsSample s;
  s.host_cpu_ns = parse_host_cpu_ns(read_proc("/proc/stat"), ::sysconf(_SC_CLK_TCK));
  bool live = (r.state == state::ContainerState::running || r.state == state::ContainerState::paused) &&
              state::process_matches(r.pid, r.pid_start_time);
  if (!live) return s;
  auto manager = runtime::cgroup_manager();
  if (!manager) return s;
  auto cgroup = (*manager)->stats(r.cgroup);
  if (!cgroup) return s;
  s.cgroup = *cgroup;
  // The kernel's own view of the container's network namespace, through its init. A
  // container in the host's namespace (`network_mode: host`) has no traffic of its own:
  // docker shows none, not the host's.
  if (!shares_host_network(r.pid)) {
    auto [rx, tx] = parse_net_dev(read_proc("/proc/" + std::to_string(r.pid) + "/net/dev"));
    s.net_rx = rx;
    s.net_tx = tx;
  }
  s.running = state::process_matches(r.pid, r.pid_start_time);
  return s;
}

HostFacts host_facts() {
  HostFacts h;
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  h.online_cpus = cpus > 0 ? static_cast<unsigned>(cpus) : 1;
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) h.memory = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
  return h;
}

StatsRow stats_row(const state::ContainerRecord& r, const StatsSample* previous, const StatsSample& now,
                   const HostFacts& host, bool no_trunc) {
  StatsRow row;
  row.container = r.id;
  row.id = no_trunc ? r.id : r.id.substr(0, 12);
  row.name = r.name;
  if (!now.running) {
    // What docker prints for a container that is not running.
    row.cpu_perc = row.mem_perc = "0.00%";
    row.mem_usage = row.net_io = row.block_io = "0B / 0B";
    row.pids = "0";
    return row;
  }
  double cpu = 0;
  if (previous && previous->running && now.host_cpu_ns > previous->host_cpu_ns &&
      now.cgroup.cpu_usage_ns > previous->cgroup.cpu_usage_ns) {
    double container_delta = static_cast<double>(now.cgroup.cpu_usage_ns - previous->cgroup.cpu_usage_ns);
    double host_delta = static_cast<double>(now.host_cpu_ns - previous->host_cpu_ns);
    cpu = container_delta / host_delta * host.online_cpus * 100.0;
  }
  const auto& c = now.cgroup;
  uint64_t used = c.memory_inactive_file < c.memory_usage ? c.memory_usage - c.memory_inactive_file : c.memory_usage;
  uint64_t limit = c.memory_limit != 0 && (host.memory == 0 || c.memory_limit < host.memory) ? c.memory_limit
                                                                                            : host.memory;
  row.cpu_perc = percent(cpu);
  row.mem_usage = binary_size(static_cast<double>(used)) + " / " + binary_size(static_cast<double>(limit));
  row.mem_perc = percent(limit ? static_cast<double>(used) / static_cast<double>(limit) * 100.0 : 0.0);
  row.net_io = decimal_size(static_cast<double>(now.net_rx)) + " / " + decimal_size(static_cast<double>(now.net_tx));
  row.block_io = decimal_size(static_cast<double>(c.io_read_bytes)) + " / " +
                 decimal_size(static_cast<double>(c.io_write_bytes));
  row.pids = std::to_string(c.pids_current);
  return row;
}

}  // namespace pier::app
