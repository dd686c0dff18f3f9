#include "runtime/process/parent.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include "base/scope_exit.h"
#include "runtime/process/sync.h"
#include "sys/syscalls.h"

namespace pier::runtime {

namespace {

Error child_error(const ContainerPlan& plan, const Frame& f) {
  if (f.step == Step::mount_op && f.op >= 0 && static_cast<size_t>(f.op) < plan.mounts.size()) {
    const MountOp& op = plan.mounts[static_cast<size_t>(f.op)];
    Error e(describe(op), f.err);
    if (std::string hint = failure_hint(op, f.err); !hint.empty()) e.hint(std::move(hint));
    return e;
  }
  if (f.step == Step::bind_into_proc && f.op >= 0 && static_cast<size_t>(f.op) < plan.mounts.size())
    return Error(fmt::format("{}: the target leads into /proc", describe(plan.mounts[static_cast<size_t>(f.op)])))
        .hint("mounts on or inside /proc are refused; a symlink on the target's path points there");
  if (f.step == Step::exec) return Error(fmt::format("exec {}", plan.argv_storage.front()), f.err);
  if (f.step == Step::chdir) return Error(fmt::format("chdir {}", plan.workdir), f.err);
  if (f.step == Step::mount_rootfs)
    return Error(fmt::format("mount rootfs -> {}", plan.rootfs_mountpoint), f.err);
  return Error(step_name(f.step), f.err);
}

Status send_msg(int fd, Msg msg) {
  Frame f{msg, Step::wait_parent, -1, 0, 0};
  if (::send(fd, &f, sizeof f, MSG_NOSIGNAL) != sizeof f) return Error::system("send to child", "", errno);
  return {};
}

// Reads one frame. `eof_ok`: EOF means success (the child exec'd and its end closed).
Result<Frame> recv_frame(const ContainerPlan& plan, int fd, bool eof_ok, int* passed_fd = nullptr) {
  Frame f{};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{&f, sizeof f};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return Error::system("read from child", "", errno);
  if (n == 0) {
    if (eof_ok) return Frame{};
    return Error("the container process exited during setup");
  }
  if (passed_fd) {
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_type == SCM_RIGHTS) __builtin_memcpy(passed_fd, CMSG_DATA(c), sizeof(int));
  }
  if (n != sizeof f) return Error(fmt::format("sync: short frame ({} bytes)", n));
  if (f.msg == Msg::error) return child_error(plan, f);
  return f;
}

Status expect(const ContainerPlan& plan, int fd, Msg want) {
  PIER_TRY(Frame f, recv_frame(plan, fd, false));
  if (f.msg != want)
    return Error(fmt::format("sync: expected message `{}`, got `{}` ({})", msg_name(want), msg_name(f.msg),
                             static_cast<uint32_t>(f.msg)));
  return {};
}

// PID namespace sharing: the intermediate joins it and clones the container with
// CLONE_PARENT, then hands us the pid and pidfd.
Result<Launched> clone_via_intermediate(ContainerPlan& plan, int parent_end) {
  pid_t mid = sys::clone_with(0, nullptr, SIGCHLD);
  if (mid < 0) return Error::system("clone", "intermediate", errno);
  if (mid == 0) run_intermediate(plan);
  int pidfd = -1;
  auto frame = recv_frame(plan, parent_end, false, &pidfd);
  int status = 0;
  ::waitpid(mid, &status, 0);
  if (!frame) return std::move(frame).error();
  if (frame->msg != Msg::child_pid || pidfd < 0) return Error("sync: intermediate sent no pidfd");
  return Launched{frame->value, UniqueFd(pidfd)};
}

Status write_map(pid_t pid, const char* file, const std::string& map) {
  std::string path = fmt::format("/proc/{}/{}", pid, file);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd || ::write(fd.get(), map.data(), map.size()) != static_cast<ssize_t>(map.size()))
    return Error::system("write", path, errno).hint("each map line is `container-id host-id size`");
  return {};
}

Status write_id_maps(const ContainerPlan& plan, pid_t pid) {
  PIER_CHECK(write_map(pid, "uid_map", plan.uid_map));
  return write_map(pid, "gid_map", plan.gid_map);
}

Status run_handshake(ContainerPlan& plan, int fd, Launched& child, CgroupManager* cgroups,
                     const std::string& cgroup_rel, bool attached, const LaunchHooks& hooks) {
  // sync 1: the child waits in `expect(go)` until its id maps are written and it is in its
  // cgroup (v1: it joined by itself before that wait; v2: born there).
  if (plan.user_ns) PIER_CHECK(write_id_maps(plan, child.pid));
  if (cgroups && !attached) PIER_CHECK(cgroups->add_process(cgroup_rel, child.pid).context("join cgroup"));
  PIER_CHECK(send_msg(fd, Msg::go));
  if (plan.wait_before_pivot) {
    PIER_CHECK(expect(plan, fd, Msg::mounted));  // sync 1b: mounts done, not yet pivoted
    PIER_CHECK(hooks.after_mounts(child.pid, child.pidfd.get()));
    PIER_CHECK(send_msg(fd, Msg::pivot));
  }
  if (plan.wait_for_exec) {
    PIER_CHECK(expect(plan, fd, Msg::ready));  // sync 2: namespaces complete
    PIER_CHECK(hooks.before_exec(child.pid, child.pidfd.get()));
    PIER_CHECK(send_msg(fd, Msg::exec));       // sync 3: go on to execve
  }
  for (;;) {
    int passed = -1;
    PIER_TRY(Frame f, recv_frame(plan, fd, true, &passed));
    if (f.msg == Msg{}) return {};  // EOF: execve closed the child's end
    if (f.msg == Msg::pty && passed >= 0) {
      child.pty_master.reset(passed);
      continue;
    }
    if (passed >= 0) ::close(passed);
    return Error(fmt::format("sync: unexpected message `{}` before exec", msg_name(f.msg)));
  }
}

}  // namespace

// The child runs on its own stack in our address space until execve (CLONE_VM, as
// posix_spawn does): no page tables to copy and no mmap lock held against our other
// threads, which is what makes many parallel starts cheap. It only reads the plan; the
// EOF on the sync socket (close-on-exec runs after execve switched address spaces)
// tells us it has left our memory, so the stack may be freed after the handshake.
struct ChildStack {
  static constexpr size_t kSize = 256 * 1024;
  void* base = MAP_FAILED;
  ChildStack() {
    base = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base != MAP_FAILED) ::mprotect(base, 4096, PROT_NONE);  // guard page
  }
  ~ChildStack() {
    if (base != MAP_FAILED) ::munmap(base, kSize);
  }
  void* top() const { return static_cast<char*>(base) + kSize; }
};

int child_entry(void* plan) { run_child(*static_cast<const ContainerPlan*>(plan)); }

// Caveats of sharing memory: the child also shares this thread's TLS, so its errno writes
// land in ours (it reads errno right after each failed call, while we block on the sync
// socket), and a signal handler of ours must never run on its stack: every signal stays
// blocked in the child until it resets all dispositions to default just before exec.
Result<Launched> clone_sharing_memory(ContainerPlan& plan, ChildStack& stack) {
  if (stack.base == MAP_FAILED) return Error::system("mmap", "child stack", errno);
  sigset_t all, saved;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &saved);
  int pidfd = -1;
  pid_t pid = ::clone(child_entry, stack.top(), static_cast<int>(plan.clone_flags) | CLONE_VM | CLONE_PIDFD | SIGCHLD,
                      &plan, &pidfd);
  int err = errno;
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (pid < 0) return Error::system("clone", "", err).hint("the kernel must allow new namespaces");
  return Launched{pid, UniqueFd(pidfd)};
}

Result<Launched> launch(ContainerPlan& plan, CgroupManager* cgroups, const std::string& cgroup_rel,
                        const LaunchHooks& hooks) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
    return Error::system("socketpair", "", errno);
  UniqueFd parent_end(pair[0]), child_end(pair[1]);
  plan.sync_fd = child_end.get();
  plan.wait_for_exec = static_cast<bool>(hooks.before_exec);
  plan.wait_before_pivot = static_cast<bool>(hooks.after_mounts) && !plan.exec_mode;
  finalize_pointers(plan);

  // cgroup v1: the child moves itself (open_for_self_attach); the files stay open here
  // until the handshake is over. More hierarchies than the plan holds: add_process.
  std::vector<UniqueFd> cgroup_tasks;
  if (cgroups) {
    PIER_TRY(cgroup_tasks, cgroups->open_for_self_attach(cgroup_rel));
  }
  if (cgroup_tasks.size() > ContainerPlan::kMaxCgroupTasks) cgroup_tasks.clear();
  plan.cgroup_task_count = 0;
  for (const auto& fd : cgroup_tasks) plan.cgroup_tasks[plan.cgroup_task_count++] = fd.get();

  Launched child;
  bool attached = plan.cgroup_task_count > 0;
  ChildStack stack;  // outlives the handshake: freed only after the child exec'd or died
  if (plan.intermediate_pidfd >= 0) {
    PIER_TRY(child, clone_via_intermediate(plan, parent_end.get()));
  } else if (UniqueFd cg(cgroups ? cgroups->open_for_clone(cgroup_rel) : -1); cg.valid()) {
    // cgroup v2: born in its cgroup (CLONE_INTO_CGROUP), no attach afterwards.
    int pidfd = -1;
    pid_t pid = sys::clone_with(plan.clone_flags, &pidfd, SIGCHLD, cg.get());
    if (pid < 0) return Error::system("clone3", "", errno).hint("the kernel must allow new namespaces");
    if (pid == 0) run_child(plan);
    child = Launched{pid, UniqueFd(pidfd)};
    attached = true;
  } else {
    PIER_TRY(child, clone_sharing_memory(plan, stack));
  }
  child_end.reset();
  ScopeExit reap([&] {
    sys::pidfd_send_signal(child.pidfd.get(), SIGKILL);
    siginfo_t info{};
    ::waitid(P_PIDFD, static_cast<id_t>(child.pidfd.get()), &info, WEXITED);
  });
  PIER_CHECK(run_handshake(plan, parent_end.get(), child, cgroups, cgroup_rel, attached, hooks));
  reap.release();
  return child;
}

Result<int> wait_pidfd(int pidfd) {
  siginfo_t info{};
  int rc;
  do rc = ::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) return Error::system("waitid", "", errno);
  if (info.si_code == CLD_EXITED) return info.si_status;
  return 128 + info.si_status;
}

}  // namespace pier::runtime
