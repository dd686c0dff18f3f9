// The parent/child channel: a SOCK_SEQPACKET pair carrying fixed-size frames. The child
// writes only these frames (no strings it would have to format); the parent turns a
// `{step, op, errno}` error into a message using the plan it built.
#pragma once

#include <cstdint>

namespace pier::runtime {

enum class Msg : uint32_t {
  go = 1,     // parent -> child: cgroup joined (and id maps written), set up the container
  ready,      // child -> parent: rootfs and mounts done, namespaces complete
  exec,       // parent -> child: hooks ran, finish and execve
  error,      // child -> parent: {step, op, err}; the child then exits
  child_pid,  // intermediate -> parent: the container's pid (value) and pidfd (SCM_RIGHTS)
  pty,        // child -> parent: the pty master (SCM_RIGHTS), just before exec
  mounted,    // child -> parent: mount table done, before pivot_root (createContainer hooks)
  pivot,      // parent -> child: those hooks ran, pivot into the rootfs
};

// Where the child was when it failed; names live in process/steps.cpp.
enum class Step : int32_t {
  wait_parent = 1, cgroup_ns, join_namespace, hostname, domainname, root_propagation,
  mount_rootfs, open_rootfs, mount_op, pivot_root, detach_old_root, readonly_rootfs,
  rlimit, oom_score_adj, stdio, close_fds, capability_bounding, setgroups, setgid, setuid,
  capset, chdir, no_new_privs, seccomp, exec, clone_child, signals, console,
  bind_into_proc,  // mount_op's row resolved onto procfs: op is its index
  join_cgroup,
};

struct Frame {
  Msg msg;
  Step step;
  int32_t op;     // index into the mount table for mount_op, else -1
  int32_t err;    // errno
  int32_t value;  // child_pid: the pid in the parent's namespace
};

// Names for messages the parent did not expect: "expected ready, got pty".
const char* msg_name(Msg msg);
const char* step_name(Step step);

}  // namespace pier::runtime
