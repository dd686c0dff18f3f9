// Attach 50 containers (bare network namespaces) to one network: veth, address,
// routes, loopback and DNS record, i.e. ProjectNetwork::attach plus opening the
// namespace's netlink socket. Prints the median and p90 per container.
// Target (issue 5): median under 3 ms.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "integration/net/helpers.h"
#include "net/project_network.h"

using namespace pier;
using namespace pier::net;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (geteuid() != 0) {
    fmt::print(stderr, "bench_net_attach: needs root\n");
    return 77;
  }
  int count = argc > 1 ? std::atoi(argv[1]) : 50;
  char tmpl[] = "/tmp/pier-bench-XXXXXX";
  std::string state = mkdtemp(tmpl);
  auto loop = std::move(event::make_uv_loop()).value();
  auto project = fmt::format("bench{}", getpid());
  auto pn = std::move(ProjectNetwork::create(*loop, {project, state, 53, {}})).value();
  NetworkSpec spec;
  spec.name = "default";
  spec.ipv4.subnet = Subnet::parse("10.198.0.0/22").value();
  auto net = pn->add_network(spec, true);
  if (!net.ok()) {
    fmt::print(stderr, "{}\n", net.error().to_string());
    return 1;
  }
  std::vector<UniqueFd> namespaces;
  for (int i = 0; i < count; ++i) namespaces.push_back(test::new_netns());  // not timed: the runtime makes these
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    auto start = Clock::now();
    auto ns = ContainerNetns::from_fd(UniqueFd(dup(namespaces[i].get())));
    auto eps = pn->attach(fmt::format("c-{}", i), *ns, {{"default", {}, {"svc", fmt::format("c-{}", i)}}});
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!eps.ok()) {
      fmt::print(stderr, "{}\n", eps.error().to_string());
      break;
    }
  }
  auto sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  auto teardown_start = Clock::now();
  auto rc = pn->teardown();
  double teardown = std::chrono::duration<double, std::milli>(Clock::now() - teardown_start).count();
  namespaces.clear();
  std::filesystem::remove_all(state);
  if (sorted.empty()) return 1;
  fmt::print("net_attach: {} containers, median {:.2f} ms, p90 {:.2f} ms, max {:.2f} ms per attach; teardown {:.1f} ms{}\n",
             sorted.size(), sorted[sorted.size() / 2], sorted[sorted.size() * 9 / 10], sorted.back(), teardown,
             rc.ok() ? "" : " (teardown failed: " + rc.error().to_string() + ")");
  return sorted[sorted.size() / 2] < 3.0 ? 0 : 2;
}
