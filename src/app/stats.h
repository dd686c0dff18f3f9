// `pier stats`: one row per container, figured as `docker stats` figures them: CPU % is
// the container's share of the host's CPU time between two samples times the online
// CPUs; MEM USAGE leaves out inactive page cache; LIMIT is the host's memory when the
// container has no limit; NET I/O sums the container's interfaces but loopback; BLOCK
// I/O sums every device; sizes print as Docker's go-units does (binary for memory,
// three significant decimal digits for I/O).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/cgroup/manager.h"
#include "state/container_record.h"

namespace pier::app {

struct StatsSample {
  runtime::CgroupStats cgroup;
  uint64_t net_rx = 0, net_tx = 0;
  uint64_t host_cpu_ns = 0;  // all CPUs' time since boot, from /proc/stat
  bool running = false;
};

struct HostFacts {
  unsigned online_cpus = 1;
  uint64_t memory = 0;  // MemTotal
};

// The columns of `docker stats`, already formatted, and the JSON keys they go under.
struct StatsRow {
  std::string container;  // the full ID (docker's "Container")
  std::string id;         // 12 digits unless --no-trunc
  std::string name, cpu_perc, mem_usage, mem_perc, net_io, block_io, pids;
};

// Reads the container's cgroup and network counters now; a stopped container gives an
// empty sample.
StatsSample sample_container(const state::ContainerRecord& record);
HostFacts host_facts();
// `previous`: the sample a round earlier (none on the first: CPU % is then 0.00%).
StatsRow stats_row(const state::ContainerRecord& record, const StatsSample* previous, const StatsSample& now,
                   const HostFacts& host, bool no_trunc);

// go-units' BytesSize ("3.5MiB") and HumanSizeWithPrecision(size, 3) ("1.2kB").
std::string binary_size(double bytes);
std::string decimal_size(double bytes);
// The rx and tx bytes of /proc/<pid>/net/dev text, loopback left out.
std::pair<uint64_t, uint64_t> parse_net_dev(const std::string& text);
// All CPUs' time from /proc/stat text (its first "cpu" line), in nanoseconds.
uint64_t parse_host_cpu_ns(const std::string& text, long ticks_per_second);

}  // namespace pier::app
