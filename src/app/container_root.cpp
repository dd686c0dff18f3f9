#include "app/container_root.h"

#include <fcntl.h>

#include <cerrno>
#include <csignal>

#include "sys/syscalls.h"

namespace pier::app {

Result<sys::ContentRoot> open_container_root(const state::ContainerRecord& r) {
  auto not_running = [&] {
    return Error("container " + r.name + " is not running").hint("start it with `pier up -d` or `pier start`");
  };
  if (r.state != state::ContainerState::running && r.state != state::ContainerState::paused) return not_running();
  UniqueFd pidfd(sys::pidfd_open(r.pid));
  if (!pidfd || !state::process_matches(r.pid, r.pid_start_time)) return not_running();
  std::string link = "/proc/" + std::to_string(r.pid) + "/root";
  UniqueFd root(::open(link.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::system("open the root of container " + r.name + " at", link, errno);
  // The pidfd still names a live process: the pid was not reused between the two opens.
  if (sys::pidfd_send_signal(pidfd.get(), 0) != 0) return not_running();
  return sys::ContentRoot{std::move(root), r.name + ":"};
}

}  // namespace pier::app
