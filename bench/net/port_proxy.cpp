// Throughput through the userland proxy (host loopback -> published port ->
// container) against a direct connection from the host to the container address.
// Target (issue 5): proxy at least 80% of direct.
#include <fmt/format.h>
#include <unistd.h>

#include <sys/resource.h>

#include <chrono>
#include <filesystem>

#include "integration/net/helpers.h"
#include "net/project_network.h"

using namespace pier;
using namespace pier::net;
using Clock = std::chrono::steady_clock;

namespace {

// Sends `total` bytes to ip:port from the host and waits for the sink's one-byte ack.
double send_bulk(const IpAddress& ip, uint16_t port, size_t total) {
  auto fd = test::connect_tcp_from(-1, ip, port, 30000);
  if (!fd) return 0;
  std::vector<char> buf(1 << 20, 'x');
  auto start = Clock::now();
  for (size_t sent = 0; sent < total;) {
    ssize_t n = write(fd.get(), buf.data(), std::min(buf.size(), total - sent));
    if (n <= 0) return 0;
    sent += size_t(n);
  }
  shutdown(fd.get(), SHUT_WR);
  char ack;
  if (read(fd.get(), &ack, 1) != 1) return 0;
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  return double(total) / secs / (1 << 20);
}

// The "container": accepts connections, drains them, acks with one byte.
std::thread run_sink(int listener, int connections) {
  return std::thread([listener, connections] {
    std::vector<char> buf(1 << 20);
    for (int i = 0; i < connections; ++i) {
      UniqueFd c(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
      while (read(c.get(), buf.data(), buf.size()) > 0) {
      }
      (void)!write(c.get(), "k", 1);
    }
  });
}

// CPU seconds used by this process (client, proxy and sink threads together): on
// a shared machine this says more than wall time about what the proxy costs.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (geteuid() != 0) {
    fmt::print(stderr, "bench_port_proxy: needs root\n");
    return 77;
  }
  size_t mib = argc > 1 ? std::stoul(argv[1]) : 1024;
  int rounds = 3;
  char tmpl[] = "/tmp/pier-bench-XXXXXX";
  std::string state = mkdtemp(tmpl);
  auto loop = std::move(event::make_uv_loop()).value();
  auto pn = std::move(ProjectNetwork::create(*loop, {fmt::format("pbench{}", getpid()), state, 53, {}})).value();
  NetworkSpec spec;
  spec.name = "default";
  spec.ipv4.subnet = Subnet::parse("10.198.4.0/24").value();
  (void)pn->add_network(spec, true);
  auto netns = test::new_netns();
  auto ns = ContainerNetns::from_fd(UniqueFd(dup(netns.get())));
  auto ep = std::move(pn->attach("sink", *ns, {{"default", {}, {"sink"}}})).value()[0];
  uint16_t port = 0;
  auto listener = test::listen_tcp_in(netns.get(), ep.ipv4, port);
  auto mapped = pn->publish("sink", {{"sink", IPPROTO_TCP, test::ip_of("127.0.0.1"), 0, ep.ipv4, port}});
  if (!mapped.ok()) {
    fmt::print(stderr, "{}\n", mapped.error().to_string());
    (void)pn->teardown();  // the bridge and the table must not outlive a failed run
    std::filesystem::remove_all(state);
    return 1;
  }
  uint16_t host_port = (*mapped)[0].host_port;
  auto sink = run_sink(listener.get(), rounds * 2);
  double direct = 0, proxied = 0, direct_cpu = 0, proxied_cpu = 0;
  size_t total = mib << 20;
  for (int r = 0; r < rounds; ++r) {
    double c0 = cpu_seconds();
    direct = std::max(direct, test::while_loop_runs(*loop, [&] { return send_bulk(ep.ipv4, port, total); }));
    double c1 = cpu_seconds();
    proxied = std::max(proxied, test::while_loop_runs(*loop, [&] {
      return send_bulk(test::ip_of("127.0.0.1"), host_port, total);
    }));
    direct_cpu += c1 - c0;
    proxied_cpu += cpu_seconds() - c1;
  }
  double gib = double(total) * rounds / (1 << 30);
  sink.join();
  (void)pn->teardown();
  std::filesystem::remove_all(state);
  double ratio = direct > 0 ? proxied / direct : 0;
  fmt::print("port_proxy: {} MiB x {} rounds (best): direct {:.0f} MiB/s, proxy {:.0f} MiB/s, ratio {:.0f}%; "
             "CPU per GiB: direct {:.2f} s, proxy {:.2f} s\n",
             mib, rounds, direct, proxied, ratio * 100, direct_cpu / gib, proxied_cpu / gib);
  return ratio >= 0.8 ? 0 : 2;
}
