#include "runtime/process/sync.h"

namespace pier::runtime {

const char* msg_name(Msg msg) {
  switch (msg) {
    case Msg::go: return "go";
    case Msg::ready: return "ready";
    case Msg::exec: return "exec";
    case Msg::error: return "error";
    case Msg::child_pid: return "child_pid";
    case Msg::pty: return "pty";
    case Msg::mounted: return "mounted";
    case Msg::pivot: return "pivot";
  }
  return "unknown";
}

const char* step_name(Step step) {
  switch (step) {
    case Step::wait_parent: return "wait for parent";
    case Step::cgroup_ns: return "unshare cgroup namespace";
    case Step::join_namespace: return "join namespaces";
    case Step::hostname: return "sethostname";
    case Step::domainname: return "setdomainname";
    case Step::root_propagation: return "make / private";
    case Step::mount_rootfs: return "mount rootfs";
    case Step::open_rootfs: return "open rootfs";
    case Step::mount_op: return "mount";
    case Step::pivot_root: return "pivot_root";
    case Step::detach_old_root: return "detach old root";
    case Step::readonly_rootfs: return "remount / read-only";
    case Step::rlimit: return "setrlimit";
    case Step::oom_score_adj: return "write oom_score_adj";
    case Step::stdio: return "set up stdio";
    case Step::close_fds: return "close inherited fds";
    case Step::capability_bounding: return "drop bounding capabilities";
    case Step::setgroups: return "setgroups";
    case Step::setgid: return "setgid";
    case Step::setuid: return "setuid";
    case Step::capset: return "capset";
    case Step::chdir: return "chdir";
    case Step::no_new_privs: return "set no_new_privs";
    case Step::seccomp: return "install seccomp filter";
    case Step::exec: return "exec";
    case Step::clone_child: return "clone";
    case Step::signals: return "reset signals";
    case Step::console: return "allocate the pty";
    case Step::bind_into_proc: return "bind into /proc";
    case Step::join_cgroup: return "join cgroup";
  }
  return "unknown step";
}

}  // namespace pier::runtime
