// `pier stats` figures as `docker stats` shows them: go-units sizes, CPU % from two
// samples, memory without page cache and the host's memory as the missing limit.
#include <catch2/catch.hpp>

#include "app/stats.h"

using namespace pier;
using namespace pier::app;

TEST_CASE("stats: sizes print as Docker's go-units does") {
  CHECK(binary_size(0) == "0B");
  CHECK(binary_size(1536) == "1.5KiB");
  CHECK(binary_size(3.5 * 1024 * 1024) == "3.5MiB");
  CHECK(binary_size(7.7 * 1024 * 1024 * 1024) == "7.7GiB");
  CHECK(decimal_size(648) == "648B");
  CHECK(decimal_size(1234) == "1.23kB");
  CHECK(decimal_size(999999) == "1e+03kB");  // Go's %.3g, as docker prints it
  CHECK(decimal_size(12'500'000) == "12.5MB");
}

TEST_CASE("stats: /proc/net/dev without loopback, /proc/stat in nanoseconds") {
  const std::string dev =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
      "    lo:    5000      50    0    0    0     0          0         0     5000      50    0    0    0     0       0          0\n"
      "  eth0:    1200      10    0    0    0     0          0         0      648       8    0    0    0     0       0          0\n"
      "  eth1:     100       1    0    0    0     0          0         0        2       1    0    0    0     0       0          0\n";
  auto [rx, tx] = parse_net_dev(dev);
  CHECK(rx == 1300);
  CHECK(tx == 650);
  CHECK(parse_host_cpu_ns("cpu  10 0 5 85 0 0 0 0 7 0\ncpu0 1 2 3\n", 100) == 100ull * 10'000'000);
  CHECK(parse_host_cpu_ns("intr 1\n", 100) == 0);
}

TEST_CASE("stats: a row from two samples") {
  state::ContainerRecord r;
  r.id = std::string(64, 'a');
  r.name = "demo-web-1";
  HostFacts host{4, 8ull << 30};
  StatsSample before, now;
  before.running = now.running = true;
  before.host_cpu_ns = 1'000'000'000;
  now.host_cpu_ns = 3'000'000'000;  // 2 s of all CPUs
  before.cgroup.cpu_usage_ns = 0;
  now.cgroup.cpu_usage_ns = 250'000'000;  // an eighth of that: half a CPU of four
  now.cgroup.memory_usage = 6 << 20;
  now.cgroup.memory_inactive_file = 2 << 20;
  now.cgroup.pids_current = 3;
  now.net_rx = 1200;
  now.net_tx = 648;
  now.cgroup.io_read_bytes = 4096;
  auto row = stats_row(r, &before, now, host, false);
  CHECK(row.id == std::string(12, 'a'));
  CHECK(row.container == r.id);
  CHECK(row.cpu_perc == "50.00%");
  CHECK(row.mem_usage == "4MiB / 8GiB");
  CHECK(row.mem_perc == "0.05%");
  CHECK(row.net_io == "1.2kB / 648B");
  CHECK(row.block_io == "4.1kB / 0B");
  CHECK(row.pids == "3");
  // A limit below the host's memory is the container's; the first round has no CPU %.
  now.cgroup.memory_limit = 16 << 20;
  auto limited = stats_row(r, nullptr, now, host, true);
  CHECK(limited.id == r.id);
  CHECK(limited.cpu_perc == "0.00%");
  CHECK(limited.mem_usage == "4MiB / 16MiB");
  CHECK(limited.mem_perc == "25.00%");
  // A stopped container: zeros, as docker prints them.
  StatsSample stopped;
  auto idle = stats_row(r, nullptr, stopped, host, false);
  CHECK(idle.mem_usage == "0B / 0B");
  CHECK(idle.pids == "0");
}
