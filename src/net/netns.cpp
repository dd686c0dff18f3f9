#include "net/netns.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "net/netlink/links.h"
#include "net/netlink/socket.h"

namespace pier::net {

Result<UniqueFd> open_netns_of(pid_t pid) {
  std::string path = fmt::format("/proc/{}/ns/net", pid);
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::system("open network namespace", path, errno);
  return fd;
}

Status run_in_netns(int netns_fd, const std::function<Status()>& fn) {
  Status result;
  std::thread worker([&] {
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
      result = Error::system("enter network namespace", fmt::format("fd {}", netns_fd), errno);
      return;
    }
    result = fn();
  });
  worker.join();
  return result;
}

Result<UniqueFd> socket_in_netns(int netns_fd, int domain, int type, int protocol) {
  UniqueFd sock;
  PIER_CHECK(run_in_netns(netns_fd, [&]() -> Status {
    sock.reset(socket(domain, type | SOCK_CLOEXEC, protocol));
    if (!sock) return Error::system("create socket", "in container namespace", errno);
    return {};
  }));
  return sock;
}

bool holds_namespace(const std::string& file) {
  struct statfs fs {};
  return ::statfs(file.c_str(), &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

namespace {

Status bind_namespace_file(const char* source, const std::string& file) {
  if (holds_namespace(file)) return {};
  UniqueFd created(::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!created) return Error::system("create namespace file", file, errno);
  if (::mount(source, file.c_str(), nullptr, MS_BIND, nullptr) != 0)
    return Error::system(fmt::format("bind {} onto", source), file, errno);
  return {};
}

}  // namespace

Status hold_new_namespaces(const std::string& net_file, const std::string& uts_file) {
  if (holds_namespace(net_file) && holds_namespace(uts_file)) return {};
  Status result;
  // unshare(2) of a network or UTS namespace moves only the calling thread, so a
  // thread of its own makes them and ends; the bind mounts keep them alive.
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNET | CLONE_NEWUTS) != 0) {
      result = Error::system("unshare network and uts namespaces", net_file, errno);
      return;
    }
    result = bind_namespace_file("/proc/thread-self/ns/net", net_file);
    if (result) result = bind_namespace_file("/proc/thread-self/ns/uts", uts_file);
    if (!result) return;
    auto sock = netlink::Socket::open();
    if (!sock) {
      result = std::move(sock).error().context("loopback of " + net_file);
      return;
    }
    result = netlink::set_link_up(*sock, "lo");
  });
  worker.join();
  if (!result) (void)release_held_namespaces({net_file, uts_file});
  return result;
}

Status release_held_namespaces(const std::vector<std::string>& files) {
  Status first;
  for (const auto& file : files) {
    if (holds_namespace(file) && ::umount2(file.c_str(), MNT_DETACH) != 0 && first)
      first = Error::system("unmount namespace file", file, errno);
    if (::unlink(file.c_str()) != 0 && errno != ENOENT && first) first = Error::system("remove", file, errno);
  }
  return first;
}

}  // namespace pier::net
