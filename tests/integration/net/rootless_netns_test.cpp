// The rootless network namespace (net/rootless/): each scenario runs in a child that
// is uid 0 of a user namespace of its own with a mount namespace of its own, as
// `unshare --user --map-root-user --mount` makes and as pier runs for a user. There
// sys::rootless() holds and the host's network namespace belongs to a user namespace
// where the child has no capability (it cannot setns() back into it, nor bind ports
// below 1024 there). Traffic goes only to loopback and to a bridge this test makes on
// the host; pasta forwards the latter. Every namespace, mount and process goes with
// the child, and the test checks that pasta went too.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "base/atomic_file.h"
#include "event/loop.h"
#include "integration/net/helpers.h"
#include "net/netlink/links.h"
#include "net/netlink/socket.h"
#include "net/project_network.h"
#include "net/proxy/port_proxy.h"
#include "net/rootless/connector.h"
#include "net/rootless/host_side.h"
#include "net/rootless/rootless_netns.h"
#include "sys/user_namespace.h"

using namespace pier;
using namespace pier::net;
using namespace pier::net::test;
using namespace std::chrono_literals;
using rootless::RootlessNetns;

namespace {

bool write_text(const char* path, const std::string& text) {
  UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
  return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

// A forked process running `fn`; what it returns comes back through a pipe.
struct Child {
  pid_t pid = -1;
  UniqueFd out;

  static Child start(const std::function<std::string()>& fn) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    Child c;
    c.pid = ::fork();
    REQUIRE(c.pid >= 0);
    if (c.pid == 0) {
      ::close(fds[0]);
      // Nothing may unwind out of the child into the test runner it is a copy of.
      std::string text;
      try {
        text = fn();
      } catch (const std::exception& e) {
        text = std::string("exception: ") + e.what();
      } catch (...) {
        text = "exception";
      }
      (void)!::write(fds[1], text.data(), text.size());
      ::_exit(0);
    }
    ::close(fds[1]);
    c.out.reset(fds[0]);
    return c;
  }
  // Everything it wrote, once it closed the pipe (it exited or was killed).
  std::string result() {
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out.get(), buf, sizeof buf)) > 0) text.append(buf, n);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) text += " (child did not exit cleanly)";
    return text;
  }
};

// Runs `scenario` as rootless pier runs (see the top); "" means it passed.
std::string as_rootless(const std::function<std::string()>& scenario) {
  auto child = Child::start([&]() -> std::string {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return "unshare user and mount namespaces failed";
    if (!write_text("/proc/self/setgroups", "deny") || !write_text("/proc/self/uid_map", "0 0 1") ||
        !write_text("/proc/self/gid_map", "0 0 1"))
      return "writing the id maps failed";
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return "private mounts failed";
    if (!sys::rootless()) return "sys::rootless() is false in the user namespace";
    return scenario();
  });
  return child.result();
}

ino_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}
ino_t my_netns() { return inode_of("/proc/thread-self/ns/net"); }

bool pid_alive(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

// Whether any process is in the network namespace with this inode.
bool netns_in_use(ino_t ino) {
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  while (auto* e = ::readdir(proc.get()))
    if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && inode_of(fmt::format("/proc/{}/ns/net", e->d_name)) == ino)
      return true;
  return false;
}

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/pier-rnet-it-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  // A failed scenario may leave its connector running (mounts went with its mount
  // namespace).
  ~TempDir() {
    (void)rootless::stop_connector(path + "/.netns/connector.pid");
    std::filesystem::remove_all(path);
  }
  std::string path;
};

// A TCP connection made on the host's side of a rootless supervisor.
UniqueFd connect_from_host_side(const IpAddress& ip, uint16_t port) {
  UniqueFd s;
  auto* side = rootless::published_ports_side();
  if (side == nullptr) return s;
  (void)side->run([&]() -> Status {
    s = connect_tcp_from(-1, ip, port);
    return {};
  });
  return s;
}

// "<netns inode> <connector pid>" of a supervisor that has entered.
std::string where(const RootlessNetns& ns) {
  return fmt::format("{} {}", my_netns(), rootless::running_connector(ns.pid_file()).value_or(0));
}

}  // namespace

TEST_CASE("rootless netns: created once by two supervisors starting at once, and connected by pasta",
          "[net][root][rootless]") {
  PIER_NEEDS_ROOT();
  TempDir dir;
  std::string netns_dir = dir.path + "/.netns";
  std::string failure = as_rootless([&]() -> std::string {
    ino_t host = my_netns();
    int go[2];
    if (::pipe(go) != 0) return "pipe";
    auto supervisor = [&] {
      return Child::start([&]() -> std::string {
        char byte;
        if (::read(go[0], &byte, 1) != 1) return "no go";
        auto ns = RootlessNetns::enter(netns_dir);
        if (!ns) return ns.error().to_string();
        return where(**ns);
      });
    };
    Child a = supervisor(), b = supervisor();
    ::close(go[0]);
    (void)!::write(go[1], "ab", 2);  // both start now
    ::close(go[1]);
    std::string at_a = a.result(), at_b = b.result();
    if (at_a != at_b) return fmt::format("two namespaces or connectors: `{}` and `{}`", at_a, at_b);
    auto ns = RootlessNetns::enter(netns_dir);
    if (!ns) return ns.error().to_string();
    if (where(**ns) != at_a) return fmt::format("a third supervisor is in `{}`, the first two in `{}`", where(**ns), at_a);
    if (my_netns() == host || my_netns() != inode_of((*ns)->netns_file())) return "not inside the namespace file";
    auto pid = rootless::running_connector((*ns)->pid_file());
    if (!pid) return "no connector runs";
    auto comm_text = read_file(fmt::format("/proc/{}/comm", *pid));
    std::string comm = comm_text ? *comm_text : "";
    // Debian's pasta runs as passt(.avx2).
    if (comm.rfind("pasta", 0) != 0 && comm.rfind("passt", 0) != 0) return "the connector is " + comm;
    ifreq lo{};
    std::strcpy(lo.ifr_name, "lo");
    UniqueFd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (::ioctl(probe.get(), SIOCGIFFLAGS, &lo) != 0 || !(lo.ifr_flags & IFF_UP)) return "lo is not up";
    auto released = (*ns)->release_if_unused();
    if (!released || !*released) return "not released when unused";
    return fmt::format("pasta {}", *pid);
  });
  INFO(failure);
  REQUIRE(failure.rfind("pasta ", 0) == 0);
  pid_t pid = std::stoi(failure.substr(6));
  for (int i = 0; i < 100 && pid_alive(pid); ++i) std::this_thread::sleep_for(10ms);
  CHECK_FALSE(pid_alive(pid));
}

TEST_CASE("rootless netns: a supervisor started after a SIGKILL adopts the namespace and its pasta",
          "[net][root][rootless]") {
  PIER_NEEDS_ROOT();
  TempDir dir;
  std::string netns_dir = dir.path + "/.netns";
  std::string failure = as_rootless([&]() -> std::string {
    int report[2];
    if (::pipe(report) != 0) return "pipe";
    pid_t first = ::fork();
    if (first == 0) {
      auto ns = RootlessNetns::enter(netns_dir);
      std::string text = ns ? where(**ns) : "error";
      text.resize(64, ' ');
      (void)!::write(report[1], text.data(), text.size());
      ::pause();  // until killed
      ::_exit(0);
    }
    ::close(report[1]);
    std::string before(64, ' ');
    if (::read(report[0], before.data(), 64) != 64) return "the first supervisor said nothing";
    ::kill(first, SIGKILL);
    ::waitpid(first, nullptr, 0);
    before.erase(before.find_last_not_of(' ') + 1);
    auto second = Child::start([&]() -> std::string {
      auto ns = RootlessNetns::enter(netns_dir);
      if (!ns) return ns.error().to_string();
      std::string text = where(**ns);
      if (!(*ns)->started_connector().empty()) text += " and started " + (*ns)->started_connector();
      auto released = (*ns)->release_if_unused();
      if (!released || !*released) text += " and did not release";
      return text;
    });
    std::string after = second.result();
    if (after != before) return fmt::format("before the kill `{}`, after `{}`", before, after);
    return "";
  });
  CHECK(failure == "");
}

TEST_CASE("rootless netns: a published port listens on the host's side and reaches the rootless namespace",
          "[net][root][rootless]") {
  PIER_NEEDS_ROOT();
  TempDir dir;
  std::string failure = as_rootless([&]() -> std::string {
    auto ns = RootlessNetns::enter(dir.path + "/.netns");
    if (!ns) return ns.error().to_string();
    // The "container": an echo server on the rootless namespace's own loopback.
    uint16_t inside = 0;
    auto server = listen_tcp_in(-1, ip_of("127.0.0.1"), inside);
    auto echo = echo_once(server.get());
    auto loop = event::make_uv_loop().value();
    PortMapping m;
    m.service = "web";
    m.host_ip = ip_of("127.0.0.1");
    m.container_ip = ip_of("127.0.0.1");
    m.container_port = inside;
    auto proxy = proxy::start_tcp_proxy(*loop, m);
    if (!proxy) return proxy.error().to_string();
    uint16_t port = (*proxy)->port();
    std::string got, inside_view;
    std::atomic<bool> done{false};
    std::thread client([&] {
      // Nothing listens on that port inside: the proxy is on the host's side.
      inside_view = connect_tcp_from(-1, ip_of("127.0.0.1"), port, 500) ? "reached inside" : "";
      auto c = connect_from_host_side(ip_of("127.0.0.1"), port);
      got = c ? tcp_roundtrip(c.get(), "through the host side") : "no connection from the host's side";
      done = true;
      loop->post([] {});
    });
    loop->run_until([&] { return done.load(); }, 5000ms);
    client.join();
    echo.join();
    proxy->reset();
    (void)(*ns)->release_if_unused();
    if (got != "through the host side") return "relay: " + got;
    if (!inside_view.empty()) return "the published port listens inside the rootless namespace";
    return "";
  });
  CHECK(failure == "");
}

TEST_CASE("rootless netns: a published port below ip_unprivileged_port_start names the sysctl",
          "[net][root][rootless]") {
  PIER_NEEDS_ROOT();
  int start = std::stoi(sysctl_text(-1, "ipv4/ip_unprivileged_port_start"));
  if (start <= 80) {
    WARN("skipped: net.ipv4.ip_unprivileged_port_start is " << start);
    return;
  }
  TempDir dir;
  std::string message = as_rootless([&]() -> std::string {
    auto ns = RootlessNetns::enter(dir.path + "/.netns");
    if (!ns) return ns.error().to_string();
    auto loop = event::make_uv_loop().value();
    PortMapping m;
    m.service = "web";
    m.host_port = 80;
    m.container_ip = ip_of("127.0.0.1");
    m.container_port = 80;
    auto proxy = proxy::start_tcp_proxy(*loop, m);
    (void)(*ns)->release_if_unused();
    return proxy ? "port 80 was bound" : proxy.error().to_string();
  });
  INFO(message);
  CHECK(message.find("service web") != std::string::npos);
  CHECK(message.find("port 80") != std::string::npos);
  CHECK(message.find(fmt::format("net.ipv4.ip_unprivileged_port_start ({})", start)) != std::string::npos);
  CHECK(message.find("sysctl -w net.ipv4.ip_unprivileged_port_start=80") != std::string::npos);
}

TEST_CASE("rootless netns: outbound traffic goes through pasta", "[net][root][rootless]") {
  PIER_NEEDS_ROOT();
  // The "outside": a bridge of this test's on the host with an address and a server.
  auto host = netlink::Socket::open().value();
  std::string link = fmt::format("rnet{}", ::getpid() % 100000);
  REQUIRE(netlink::create_bridge(host, link, 1500).ok());
  struct RemoveLink {
    netlink::Socket& host;
    std::string name;
    ~RemoveLink() { (void)netlink::delete_link_if_exists(host, name); }
  } remove{host, link};
  int index = netlink::find_link(host, link).value().value();
  REQUIRE(netlink::add_address(host, index, ip_of("10.213.77.1"), 32).ok());
  REQUIRE(netlink::set_link_up(host, link).ok());
  uint16_t port = 0;
  auto server = listen_tcp_in(-1, ip_of("10.213.77.1"), port);
  REQUIRE(server);
  auto echo = echo_once(server.get());
  TempDir dir;
  std::string failure = as_rootless([&]() -> std::string {
    auto ns = RootlessNetns::enter(dir.path + "/.netns");
    if (!ns) return ns.error().to_string();
    auto c = connect_tcp_from(-1, ip_of("10.213.77.1"), port, 3000);
    std::string got = c ? tcp_roundtrip(c.get(), "out through pasta") : "no connection";
    c.reset();
    (void)(*ns)->release_if_unused();
    return got == "out through pasta" ? "" : "outbound: " + got;
  });
  if (!failure.empty()) {
    // Unblock the echo thread's accept.
    auto c = connect_tcp_from(-1, ip_of("10.213.77.1"), port);
  }
  echo.join();
  CHECK(failure == "");
}

TEST_CASE("rootless netns: the connector gives no way to the host's loopback and forwards no port of its own",
          "[net][rootless]") {
  rootless::ConnectorFiles files{"/run/x/net", "/run/x/pid", "/run/x/log"};
  auto pasta = rootless::pasta_arguments("/usr/bin/pasta", files);
  auto has = [&](const std::vector<std::string>& args, const std::string& a) {
    return std::find(args.begin(), args.end(), a) != args.end();
  };
  CHECK(has(pasta, "--no-map-gw"));
  for (const char* flag : {"-t", "-u", "-T", "-U"}) {
    auto it = std::find(pasta.begin(), pasta.end(), flag);
    REQUIRE(it != pasta.end());
    CHECK(*(it + 1) == "none");
  }
  CHECK(has(rootless::slirp4netns_arguments("/usr/bin/slirp4netns", "/run/x/net", 3), "--disable-host-loopback"));
}

TEST_CASE("rootless netns: slirp4netns connects it when pasta is missing, and neither is a clear error",
          "[net][root][rootless]") {
  PIER_NEEDS_ROOT();
  TempDir dir;
  std::string bin = dir.path + "/bin";
  std::filesystem::create_directories(bin);
  std::string failure = as_rootless([&]() -> std::string {
    ::setenv("PATH", bin.c_str(), 1);
    {
      // No connector: the supervisor still runs (a project without networks needs no
      // way out), and the reason waits for the first project network.
      auto none = RootlessNetns::enter(dir.path + "/.netns");
      if (!none) return "a missing connector stopped the supervisor: " + none.error().to_string();
      const auto& why = rootless::outbound_error();
      if (!why) return "no reason kept for the missing way out";
      std::string text = why->to_string();
      if (text.find("pasta") == std::string::npos || text.find("slirp4netns") == std::string::npos ||
          text.find("passt") == std::string::npos)
        return "unclear: " + text;
      auto released = (*none)->release_if_unused();
      if (!released || !*released) return "the namespace without a connector was not released";
      if (holds_namespace(dir.path + "/.netns/net")) return "released but still mounted";
    }
    std::filesystem::create_symlink("/usr/bin/slirp4netns", bin + "/slirp4netns");
    auto ns = RootlessNetns::enter(dir.path + "/.netns");
    if (!ns) return ns.error().to_string();
    if ((*ns)->started_connector() != "slirp4netns") return "started " + (*ns)->started_connector();
    if (rootless::outbound_error()) return "the way out is still reported missing";
    auto sock = netlink::Socket::open().value();
    if (!netlink::find_link(sock, "tap0").value()) return "no tap0 from slirp4netns";
    pid_t pid = rootless::running_connector((*ns)->pid_file()).value_or(0);
    auto released = (*ns)->release_if_unused();
    if (!released || !*released) return "not released";
    auto stat = read_file(fmt::format("/proc/{}/stat", pid));
    if (stat && stat->find(") Z") == std::string::npos) return "slirp4netns still runs";
    return "";
  });
  CHECK(failure == "");
}

TEST_CASE("rootless netns: released only when no bridge and no other supervisor is left, and then nothing remains",
          "[net][root][rootless]") {
  PIER_NEEDS_ROOT();
  TempDir dir;
  std::string netns_dir = dir.path + "/.netns";
  std::string report = as_rootless([&]() -> std::string {
    auto ns = RootlessNetns::enter(netns_dir);
    if (!ns) return ns.error().to_string();
    pid_t pasta = rootless::running_connector((*ns)->pid_file()).value_or(0);
    // Another supervisor inside keeps it.
    int hold[2], entered[2];
    if (::pipe(hold) != 0 || ::pipe(entered) != 0) return "pipe";
    pid_t other = ::fork();
    if (other == 0) {
      ::close(hold[1]);
      auto mine = RootlessNetns::enter(netns_dir);
      (void)!::write(entered[1], mine ? "y" : "n", 1);
      char byte;
      (void)!::read(hold[0], &byte, 1);
      ::_exit(0);
    }
    ::close(hold[0]);
    char byte = 0;
    if (::read(entered[0], &byte, 1) != 1 || byte != 'y') return "the other supervisor did not enter";
    auto released = (*ns)->release_if_unused();
    ::close(hold[1]);
    ::waitpid(other, nullptr, 0);
    if (!released || *released) return "released while another supervisor was inside";
    // A project's bridge keeps it.
    ns = RootlessNetns::enter(netns_dir);
    if (!ns) return ns.error().to_string();
    auto sock = netlink::Socket::open().value();
    if (!netlink::create_bridge(sock, "pier-rnet0001", 1500)) return "create bridge";
    released = (*ns)->release_if_unused();
    if (!released || *released) return "released with a pier bridge in it";
    if (!rootless::running_connector((*ns)->pid_file())) return "pasta stopped although not released";
    (void)netlink::delete_link(sock, "pier-rnet0001");
    ns = RootlessNetns::enter(netns_dir);
    if (!ns) return ns.error().to_string();
    released = (*ns)->release_if_unused();
    if (!released || !*released) return "not released once unused";
    if (holds_namespace((*ns)->netns_file())) return "the namespace file is still mounted";
    if (std::filesystem::exists((*ns)->pid_file())) return "the pid file is left";
    return fmt::format("{} {}", pasta, my_netns());
  });
  INFO(report);
  unsigned long pasta = 0, netns = 0;
  REQUIRE(std::sscanf(report.c_str(), "%lu %lu", &pasta, &netns) == 2);
  for (int i = 0; i < 100 && pid_alive(pasta); ++i) std::this_thread::sleep_for(10ms);
  CHECK_FALSE(pid_alive(pasta));
  // The child was the last process inside: the namespace is gone.
  CHECK_FALSE(netns_in_use(netns));
}

TEST_CASE("rootless netns: a resolver on the host's loopback is reached through the connector's DNS relay",
          "[net][root][rootless]") {
  PIER_NEEDS_ROOT();
  // The host's resolver, on a loopback address of its own (as systemd-resolved's
  // 127.0.0.53), answering one query by echoing it.
  uint16_t port = 53;
  auto resolver = bound_udp_in(-1, ip_of("127.213.77.1"), port);
  REQUIRE(resolver);
  set_timeouts(resolver.get(), 8000);
  std::thread answer([&] {
    char buf[512];
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(resolver.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n > 0) ::sendto(resolver.get(), buf, n, 0, reinterpret_cast<sockaddr*>(&from), len);
  });
  TempDir dir;
  std::string failure = as_rootless([&]() -> std::string {
    // This child's own /etc/resolv.conf (its mount namespace), which pasta reads.
    std::string resolv = dir.path + "/resolv.conf";
    if (!write_file_atomic(resolv, "nameserver 127.213.77.1\n") ||
        ::mount(resolv.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0)
      return "bind resolv.conf";
    auto ns = RootlessNetns::enter(dir.path + "/.netns");
    if (!ns) return ns.error().to_string();
    auto servers = rootless::reachable_nameservers({ip_of("127.213.77.1"), ip_of("10.213.77.9")});
    std::string result;
    if (servers.size() != 2 || servers[1] != ip_of("10.213.77.9")) result = "a nameserver off loopback was changed";
    // A DNS query header and question for example.com A: the relay forwards it as is.
    const std::string query("\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07" "example\x03" "com\x00\x00\x01\x00\x01", 29);
    UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    set_timeouts(s.get(), 3000);
    auto to = sockaddr_of(servers[0], 53);
    char buf[512];
    if (::sendto(s.get(), query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0 ||
        ::recv(s.get(), buf, sizeof buf, 0) != static_cast<ssize_t>(query.size()) ||
        std::memcmp(buf, query.data(), query.size()) != 0)
      result = "no answer through " + servers[0].to_string();
    (void)(*ns)->release_if_unused();
    return result;
  });
  if (!failure.empty()) {
    // Unblock the resolver thread.
    uint16_t any = 0;
    auto s = bound_udp_in(-1, ip_of("127.0.0.1"), any);
    auto to = sockaddr_of(ip_of("127.213.77.1"), 53);
    ::sendto(s.get(), "x", 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  answer.join();
  CHECK(failure == "");
}

TEST_CASE("rootless netns: every port of a published range gets a proxy on the host's side",
          "[net][root][rootless]") {
  PIER_NEEDS_ROOT();
  TempDir dir;
  std::string failure = as_rootless([&]() -> std::string {
    auto ns = RootlessNetns::enter(dir.path + "/.netns");
    if (!ns) return ns.error().to_string();
    // Two "container" ports inside, published as a range of two host ports.
    uint16_t first = 0, second = 0;
    UniqueFd a, b;
    for (int tries = 0; tries < 50 && !b; ++tries) {
      first = 0;
      a = listen_tcp_in(-1, ip_of("127.0.0.1"), first);
      second = first + 1;
      b = listen_tcp_in(-1, ip_of("127.0.0.1"), second);
    }
    if (!b) return "no two consecutive free ports";
    // accept() gives up after 5 s when nothing is relayed.
    set_timeouts(a.get(), 5000);
    set_timeouts(b.get(), 5000);
    auto echo_a = echo_once(a.get()), echo_b = echo_once(b.get());
    auto loop = event::make_uv_loop().value();
    std::string result;
    {
      auto pn = ProjectNetwork::create(*loop, {"rnetrange", dir.path + "/state", 53, {}});
      if (!pn) return pn.error().to_string();
      std::vector<PortMapping> ports(2);
      for (int i = 0; i < 2; ++i) {
        ports[i].service = "web";
        ports[i].host_ip = ip_of("127.0.0.1");
        ports[i].host_port = (i == 0 ? first : second);
        ports[i].container_ip = ip_of("127.0.0.1");
        ports[i].container_port = ports[i].host_port;
      }
      auto published = (*pn)->publish("rnetrange-web-1", ports);
      if (!published) return published.error().to_string();
      std::atomic<bool> done{false};
      std::thread client([&] {
        for (uint16_t port : {first, second}) {
          auto c = connect_from_host_side(ip_of("127.0.0.1"), port);
          if (!c || tcp_roundtrip(c.get(), "range") != "range") result += fmt::format("port {} not relayed; ", port);
        }
        done = true;
        loop->post([] {});
      });
      loop->run_until([&] { return done.load(); }, 5000ms);
      client.join();
      for (const auto& m : *published)
        if (m.by_kernel) result += "a port was left to the kernel's DNAT inside; ";
      (void)(*pn)->teardown();
    }
    echo_a.join();
    echo_b.join();
    (void)(*ns)->release_if_unused();
    return result;
  });
  CHECK(failure == "");
}

TEST_CASE("rootless netns: a connector pid file naming another program is never signalled", "[net][rootless]") {
  // The connector died and its pid went to an unrelated process of the user's.
  pid_t other = ::fork();
  REQUIRE(other >= 0);
  if (other == 0) {
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 100 && read_file(fmt::format("/proc/{}/comm", other)).value() != "sleep\n"; ++i)
    std::this_thread::sleep_for(10ms);
  TempDir dir;
  std::string pid_file = dir.path + "/connector.pid";
  REQUIRE(write_file_atomic(pid_file, fmt::format("{}\n", other)).ok());
  CHECK_FALSE(rootless::running_connector(pid_file));
  CHECK(rootless::stop_connector(pid_file).ok());
  CHECK(pid_alive(other));
  ::kill(other, SIGKILL);
  ::waitpid(other, nullptr, 0);
}
