#include "net/rootless/rootless_netns.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "base/log.h"
#include "net/netlink/links.h"
#include "net/netlink/socket.h"
#include "net/netns.h"
#include "net/rootless/connector.h"

namespace pier::net::rootless {

namespace {

// Set by the entered RootlessNetns (before the loop's threads exist), read by the loop.
std::optional<IpAddress> entered_dns_relay;

bool is_loopback(const IpAddress& ip) {
  if (ip.is_v4()) return (ip.to_v4() >> 24) == 127;
  return ip == IpAddress::parse("::1").value();
}

}  // namespace

std::vector<IpAddress> reachable_nameservers(const std::vector<IpAddress>& host_nameservers) {
  std::vector<IpAddress> out;
  for (const auto& ns : host_nameservers) {
    IpAddress reachable = entered_dns_relay && is_loopback(ns) ? *entered_dns_relay : ns;
    if (std::find(out.begin(), out.end(), reachable) == out.end()) out.push_back(reachable);
  }
  return out;
}

Status RootlessNetns::create_namespace() {
  std::string file = netns_file();
  UniqueFd created(::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!created) return Error::system("create namespace file", file, errno);
  Status result;
  // unshare(CLONE_NEWNET) moves only the calling thread: a thread of its own makes the
  // namespace, pins it with the bind mount (as `ip netns add` does) and ends.
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      result = Error::system("create the rootless network namespace", file, errno);
      return;
    }
    if (::mount("/proc/thread-self/ns/net", file.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      result = Error::system("bind the rootless network namespace onto", file, errno);
      return;
    }
    auto sock = netlink::Socket::open();
    result = sock ? netlink::set_link_up(*sock, "lo") : Status(std::move(sock).error());
  });
  worker.join();
  if (!result) (void)release_held_namespaces({file});
  return result;
}

namespace {
std::optional<Error>& no_way_out() {
  static std::optional<Error> error;
  return error;
}
}  // namespace

const std::optional<Error>& outbound_error() { return no_way_out(); }

Result<std::unique_ptr<RootlessNetns>> RootlessNetns::enter(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Error::system("create directory", dir, errno);
  std::unique_ptr<RootlessNetns> ns(new RootlessNetns(dir));
  // Started here, in the host's namespace, before this thread leaves it.
  ns->host_ = HostSide::start();
  PIER_TRY(auto creating, FileLock::acquire(dir + "/lock", FileLock::Mode::exclusive));
  PIER_TRY(ns->user_, FileLock::acquire(dir + "/users", FileLock::Mode::shared));
  if (!holds_namespace(ns->netns_file())) PIER_CHECK(ns->create_namespace());
  if (!running_connector(ns->pid_file())) {
    auto started = start_connector({ns->netns_file(), ns->pid_file(), ns->log_file()});
    if (started) {
      no_way_out().reset();
      ns->connector_ = *started;
      log::info("rootless network namespace {}: connected by {}", ns->netns_file(), *started);
    } else {
      // Kept, not fatal: a project without networks needs no way out.
      log::warn("rootless network namespace {}: {}", ns->netns_file(), started.error().to_string());
      no_way_out() = std::move(started).error();
    }
  }
  UniqueFd fd(::open(ns->netns_file().c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::system("open the rootless network namespace", ns->netns_file(), errno);
  if (::setns(fd.get(), CLONE_NEWNET) != 0)
    return Error::system("enter the rootless network namespace", ns->netns_file(), errno);
  set_published_ports_side(ns->host_.get());
  entered_dns_relay = dns_relay(ns->pid_file());
  return ns;
}

RootlessNetns::~RootlessNetns() {
  if (published_ports_side() == host_.get()) {
    set_published_ports_side(nullptr);
    entered_dns_relay.reset();
  }
}

Result<bool> RootlessNetns::release_if_unused() {
  PIER_TRY(auto releasing, FileLock::acquire(dir_ + "/lock", FileLock::Mode::exclusive));
  if (!holds_namespace(netns_file())) return false;
  // Another supervisor inside still holds its shared lock: ours must go first, as
  // flock(2) locks of two open files of one process conflict like any others.
  user_ = FileLock();
  auto alone = FileLock::acquire(dir_ + "/users", FileLock::Mode::exclusive, /*try_only=*/true);
  if (!alone) {
    if (alone.error().errnum() == EWOULDBLOCK) return false;
    return std::move(alone).error();
  }
  // This thread is inside: a bridge left is a project (its containers may run without
  // a supervisor, after a crash) that still needs the namespace.
  PIER_TRY(auto sock, netlink::Socket::open());
  PIER_TRY(auto bridges, netlink::list_links(sock, "pier-"));
  if (!bridges.empty()) return false;
  PIER_CHECK(stop_connector(pid_file()));
  PIER_CHECK(release_held_namespaces({netns_file()}));
  ::unlink(log_file().c_str());
  log::info("rootless network namespace {}: released (no project uses it)", netns_file());
  return true;
}

}  // namespace pier::net::rootless
