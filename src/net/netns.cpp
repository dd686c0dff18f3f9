#include "net/netns.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <thread>

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

}  // namespace pier::net
