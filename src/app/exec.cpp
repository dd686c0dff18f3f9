#include "app/exec.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "app/stdio_relay.h"
#include "app/tty_relay.h"
#include "runtime/container.h"
#include "sys/syscalls.h"

namespace pier::app {
namespace {

std::vector<std::string> merge_env(std::vector<std::string> base, const std::vector<std::string>& extra) {
  for (const auto& kv : extra) {
    auto key = kv.substr(0, kv.find('='));
    std::erase_if(base, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    base.push_back(kv);
  }
  return base;
}

}  // namespace

Result<int> exec_in_container(const state::ContainerRecord& r, const ExecOptions& o) {
  if (r.state != state::ContainerState::running || !state::process_matches(r.pid, r.pid_start_time))
    return Error("container " + r.name + " is not running");
  if (r.seccomp == "custom")
    return Error("container " + r.name + " runs with a custom seccomp profile, which exec cannot apply yet");
  runtime::Container c;
  c.project = r.project;
  c.name = r.name;
  c.state_dir = r.scratch_dir;
  c.cgroup = r.cgroup;
  c.pid = r.pid;
  c.pidfd = UniqueFd(sys::pidfd_open(r.pid));
  if (!c.pidfd) return Error::system("open pidfd of container", r.name, errno);
  c.privileged = r.privileged || o.privileged;
  c.seccomp = r.seccomp == "unconfined" || c.privileged ? runtime::SeccompMode::unconfined
                                                          : runtime::SeccompMode::default_profile;
  c.cap_add = r.cap_add;
  c.cap_drop = r.cap_drop;
  for (const auto& l : r.rlimits) c.rlimits.push_back({l.resource, l.soft, l.hard});
  c.oom_score_adj = r.oom_score_adj;
  c.no_new_privs = r.no_new_privs;

  runtime::Process p;
  p.argv = o.argv;
  p.env = merge_env(r.env, o.env);
  p.workdir = !o.workdir.empty() ? o.workdir : (!r.working_dir.empty() ? r.working_dir : "/");
  p.user = !o.user.empty() ? o.user : r.user;
  p.group_add = r.group_add;  // docker exec keeps the container's group_add
  p.tty = o.tty;
  if (o.tty) {
    winsize ws{};
    if (::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
      p.tty_rows = ws.ws_row;
      p.tty_cols = ws.ws_col;
    }
  }
  std::optional<StdioRelay> relay;
  if (!o.tty && !o.detach) {
    PIER_TRY(relay, StdioRelay::open(o.interactive));
    auto ends = relay->container_ends();
    std::copy(ends.begin(), ends.end(), p.stdio);
  }
  PIER_TRY(auto handle, runtime::exec_in(c, p));
  if (o.detach) return 0;
  if (o.tty && handle.pty_master) relay_tty(handle.pty_master.get(), handle.pidfd.get());
  if (relay) {
    relay->close_container_ends();
    Status st;
    do st = relay->pump_until(handle.pidfd.get());
    while (!st && st.error().errnum() == EINTR);
    relay->finish();
    PIER_CHECK(st);
  }
  // Signals the user sends (Ctrl-C without a tty) go to the process, as docker exec.
  return runtime::wait(handle.pidfd.get());
}

}  // namespace pier::app
