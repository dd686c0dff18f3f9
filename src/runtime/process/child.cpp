// The container's first process, from clone to execve. Runs only async-signal-safe code
// over the plan the parent built (design rule 1); any failure is reported and exits.
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "runtime/process/child_util.h"
#include "runtime/process/plan.h"
#include "sys/syscalls.h"

namespace pier::runtime {

namespace child {
void mount_rootfs(const ContainerPlan& plan);
int apply_mounts(const ContainerPlan& plan);
void pivot_into(const ContainerPlan& plan, int root);
}  // namespace child

namespace {

// Sends one frame with `fd` attached (SCM_RIGHTS). Async-signal-safe: stack
// buffers and one sendmsg, nothing else.
bool send_frame_with_fd(int sock, Frame frame, int fd) {
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{&frame, sizeof frame};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  __builtin_memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof frame);
}

using child::fail;

void expect(const ContainerPlan& plan, Msg want) {
  Frame f{};
  ssize_t n;
  do n = ::recv(plan.sync_fd, &f, sizeof f, 0);
  while (n < 0 && errno == EINTR);
  // EOF: the parent died or gave up; nothing to report to.
  if (n == 0) ::_exit(127);
  if (n != sizeof f || f.msg != want) fail(plan.sync_fd, Step::wait_parent, -1, n < 0 ? errno : EPROTO);
}

void send_msg(const ContainerPlan& plan, Msg msg) {
  Frame f{msg, Step::wait_parent, -1, 0, 0};
  if (::send(plan.sync_fd, &f, sizeof f, MSG_NOSIGNAL) != sizeof f) ::_exit(127);
}

void set_identity(const ContainerPlan& plan) {
  const int s = plan.sync_fd;
  // In a new user namespace we still carry the host's uid 0, unmapped there: become the
  // namespace's root so files we create belong to the mapped range.
  if (plan.user_ns && plan.become_root) {
    if (::syscall(SYS_setresgid, 0, 0, 0) < 0) fail(s, Step::setgid);
    if (::syscall(SYS_setresuid, 0, 0, 0) < 0) fail(s, Step::setuid);
  }
  if (plan.new_cgroup_ns && ::unshare(CLONE_NEWCGROUP) < 0) fail(s, Step::cgroup_ns);
  for (int i = 0; i < plan.join_count; ++i)
    if (::setns(plan.joins[i].pidfd, static_cast<int>(plan.joins[i].flags)) < 0) fail(s, Step::join_namespace);
  if (!plan.hostname.empty() && ::sethostname(plan.hostname.data(), plan.hostname.size()) < 0)
    fail(s, Step::hostname);
  if (!plan.domainname.empty() && ::setdomainname(plan.domainname.data(), plan.domainname.size()) < 0)
    fail(s, Step::domainname);
}

void apply_limits(const ContainerPlan& plan) {
  for (const auto& r : plan.rlimits)
    if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &r.value) < 0) fail(plan.sync_fd, Step::rlimit);
  if (plan.set_oom_score_adj) {
    int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || !child::write_all(fd, plan.oom_score_adj, child::str_len(plan.oom_score_adj)))
      fail(plan.sync_fd, Step::oom_score_adj);
    ::close(fd);
  }
}

// stdio first moves above 2 (sources may be 0..2 in any order), then lands on 0, 1, 2.
// Then every other fd but the sync socket is closed: nothing of the host stays reachable
// (CVE-2024-21626 leaked a host directory fd usable as the working directory).
// The pty comes from the container's own devpts instance; the slave is opened with
// TIOCGPTPEER (never by path) and becomes the controlling terminal. The master goes to
// the parent over the sync socket.
int open_console(const ContainerPlan& plan) {
  const int s = plan.sync_fd;
  int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  int unlock = 0;
  if (master < 0 || ::ioctl(master, TIOCSPTLCK, &unlock) < 0) fail(s, Step::console);
  int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) fail(s, Step::console);
  winsize ws{plan.tty_rows, plan.tty_cols, 0, 0};
  if (::ioctl(slave, TIOCSWINSZ, &ws) < 0) fail(s, Step::console);
  if (!send_frame_with_fd(s, Frame{Msg::pty, Step::console, -1, 0, 0}, master))
    fail(s, Step::console);
  ::close(master);
  if (::ioctl(slave, TIOCSCTTY, 0) < 0) fail(s, Step::console);
  return slave;
}

void setup_fds(const ContainerPlan& plan) {
  const int s = plan.sync_fd;
  int tmp[3];
  int console = plan.tty ? open_console(plan) : -1;
  for (int i = 0; i < 3; ++i) {
    int src = console >= 0 ? console : plan.stdio[i];
    if (src < 0) src = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    tmp[i] = src < 0 ? -1 : ::fcntl(src, F_DUPFD_CLOEXEC, 3);
    if (tmp[i] < 0) fail(s, Step::stdio);
  }
  for (int i = 0; i < 3; ++i)
    if (::dup2(tmp[i], i) < 0) fail(s, Step::stdio);
  if (s > 3 && sys::close_range(3, static_cast<unsigned>(s) - 1, 0) < 0) fail(s, Step::close_fds);
  if (sys::close_range(static_cast<unsigned>(s) + 1, ~0U, 0) < 0) fail(s, Step::close_fds);
}

void install_seccomp(const ContainerPlan& plan) {
  if (!plan.seccomp) return;
  sock_fprog prog{static_cast<unsigned short>(plan.seccomp->size()), const_cast<sock_filter*>(plan.seccomp->data())};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) fail(plan.sync_fd, Step::seccomp);
}

void drop_bounding(const ContainerPlan& plan) {
  for (int c = 0; c <= plan.last_cap; ++c)
    if (!(plan.caps & cap_bit(c)) && ::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
      fail(plan.sync_fd, Step::capability_bounding);
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

void switch_user(const ContainerPlan& plan) {
  const int s = plan.sync_fd;
  if (!plan.setgroups_denied && ::syscall(SYS_setgroups, plan.groups.size(), plan.groups.data()) < 0)
    fail(s, Step::setgroups);
  if (::syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) < 0) fail(s, Step::setgid);
  if (::syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) < 0) fail(s, Step::setuid);
  // Root keeps exactly the planned set; inheritable (and so ambient) stay empty. A
  // non-root user's permitted set was cleared by setresuid and stays so across execve.
  if (plan.uid == 0) {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    data[0].effective = data[0].permitted = static_cast<uint32_t>(plan.caps);
    data[1].effective = data[1].permitted = static_cast<uint32_t>(plan.caps >> 32);
    if (::syscall(SYS_capset, &hdr, data) < 0) fail(s, Step::capset);
  }
}

void enter_workdir(const ContainerPlan& plan) {
  if (::chdir(plan.workdir.c_str()) < 0) fail(plan.sync_fd, Step::chdir);
  char cwd[PATH_MAX];
  // A cwd outside our root reads as "(unreachable)/...": refuse to run there.
  if (::syscall(SYS_getcwd, cwd, sizeof cwd) < 0 || cwd[0] != '/') fail(plan.sync_fd, Step::chdir, -1, ENOENT);
}

void reset_signals(const ContainerPlan& plan) {
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // EINVAL for KILL/STOP
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) < 0) fail(plan.sync_fd, Step::signals);
}

[[noreturn]] void exec_process(const ContainerPlan& plan) {
  const char* file = plan.argv[0];
  bool has_slash = false;
  for (const char* p = file; *p; ++p) has_slash |= *p == '/';
  if (has_slash) {
    ::execve(file, plan.argv.data(), plan.envp.data());
    fail(plan.sync_fd, Step::exec);
  }
  char buf[PATH_MAX];
  int saved = ENOENT;
  const char* dir = plan.search_path.c_str();
  unsigned long flen = child::str_len(file);
  while (*dir) {
    unsigned long n = 0;
    while (dir[n] && dir[n] != ':') ++n;
    if (n > 0 && n + flen + 2 < sizeof buf) {
      for (unsigned long i = 0; i < n; ++i) buf[i] = dir[i];
      buf[n] = '/';
      for (unsigned long i = 0; i <= flen; ++i) buf[n + 1 + i] = file[i];
      ::execve(buf, plan.argv.data(), plan.envp.data());
      if (errno == EACCES) saved = EACCES;
      else if (errno != ENOENT && errno != ENOTDIR) { saved = errno; break; }
    }
    dir += n;
    if (*dir == ':') ++dir;
  }
  fail(plan.sync_fd, Step::exec, -1, saved);
}

// First thing after clone, before anything may block. The child got a copy of every fd
// the parent holds: the parent's end of this sync socket (while we hold it, our recv
// never sees the EOF that says the parent died), other starts' sync sockets, the
// project lock and the control socket. All but what the plan names go now.
// Async-signal-safe: a sorted array on the stack and close_range.
void close_inherited_fds(const ContainerPlan& plan) {
  int keep[8 + sizeof plan.joins / sizeof plan.joins[0] + ContainerPlan::kMaxCgroupTasks];
  int n = 0;
  auto add = [&](int fd) {
    if (fd < 3) return;
    int i = n++;
    for (; i > 0 && keep[i - 1] > fd; --i) keep[i] = keep[i - 1];
    keep[i] = fd;
  };
  add(plan.sync_fd);
  add(plan.intermediate_pidfd);
  for (int fd : plan.stdio) add(fd);
  for (int i = 0; i < plan.join_count; ++i) add(plan.joins[i].pidfd);
  for (int i = 0; i < plan.cgroup_task_count; ++i) add(plan.cgroup_tasks[i]);
  unsigned next = 3;
  for (int i = 0; i < n; ++i) {
    unsigned fd = static_cast<unsigned>(keep[i]);
    if (fd > next && sys::close_range(next, fd - 1, 0) < 0) fail(plan.sync_fd, Step::close_fds);
    if (fd + 1 > next) next = fd + 1;
  }
  if (sys::close_range(next, ~0U, 0) < 0) fail(plan.sync_fd, Step::close_fds);
}

// cgroup v1: into the container's cgroup by our own hand ("0" is the writing thread, our
// only one), before the parent's `go` and before anything of ours may be charged to the
// host's cgroup. The files' fds go at once: nothing of the host's cgroupfs stays open.
void join_cgroup(const ContainerPlan& plan) {
  for (int i = 0; i < plan.cgroup_task_count; ++i) {
    if (!child::write_all(plan.cgroup_tasks[i], "0", 1)) fail(plan.sync_fd, Step::join_cgroup);
    ::close(plan.cgroup_tasks[i]);
  }
}

// SIGKILL when the thread that cloned us exits. That thread is in launch() until we
// exec or fail (it waits on the sync socket), so this fires exactly when the
// supervisor (or CLI) dies during setup: a worker of its pool never exits on its own.
// A parent that died before this call is seen as EOF on the sync socket instead.
// Cleared before execve: a running container outlives its supervisor, which a new
// one adopts.
void die_with_parent() { ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); }

}  // namespace

[[noreturn]] void run_child(const ContainerPlan& plan) {
  die_with_parent();
  close_inherited_fds(plan);
  join_cgroup(plan);
  // Nobody in the container may open /proc/<pid>/exe (pier itself) before execve.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ::umask(0);
  // A session of its own: the container must not share the supervisor's process group
  // (kill(0, sig) inside would otherwise reach the host processes of that group).
  ::setsid();
  expect(plan, Msg::go);  // sync 1: id maps written; in the cgroup (v2, v1 by join_cgroup)
  set_identity(plan);
  if (!plan.exec_mode) {
    child::mount_rootfs(plan);
    int root = child::apply_mounts(plan);
    if (plan.wait_before_pivot) {
      send_msg(plan, Msg::mounted);  // sync 1b: the rootfs is complete at its host path
      expect(plan, Msg::pivot);      // createRuntime and createContainer hooks ran
    }
    child::pivot_into(plan, root);
  }
  if (plan.wait_for_exec) {
    send_msg(plan, Msg::ready);  // sync 2: namespaces and mounts complete, hooks may run
    expect(plan, Msg::exec);     // sync 3: hooks done (network attached)
  }
  apply_limits(plan);
  setup_fds(plan);
  reset_signals(plan);
  drop_bounding(plan);
  // Without no_new_privs the filter must go in while CAP_SYS_ADMIN is still effective;
  // the profile allows everything that follows (setgroups, setresuid, capset, execve).
  if (!plan.no_new_privs) install_seccomp(plan);
  switch_user(plan);
  enter_workdir(plan);
  if (plan.no_new_privs) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(plan.sync_fd, Step::no_new_privs);
    install_seccomp(plan);
  }
  ::umask(022);
  ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  exec_process(plan);  // success closes the CLOEXEC sync socket: the parent reads EOF
}

[[noreturn]] void run_intermediate(const ContainerPlan& plan) {
  const int s = plan.sync_fd;
  die_with_parent();
  close_inherited_fds(plan);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (::setns(plan.intermediate_pidfd, static_cast<int>(plan.intermediate_flags)) < 0)
    fail(s, Step::join_namespace);
  int pidfd = -1;
  // CLONE_PARENT: the container process becomes the parent's child (waitable by pidfd);
  // clone3 then wants exit_signal 0 and inherits ours (SIGCHLD).
  pid_t pid = sys::clone_with(plan.clone_flags | CLONE_PARENT, &pidfd, 0);
  if (pid < 0) fail(s, Step::clone_child);
  if (pid == 0) run_child(plan);
  ::_exit(send_frame_with_fd(s, Frame{Msg::child_pid, Step::clone_child, -1, 0, pid}, pidfd)
              ? 0
              : 127);
}

void finalize_pointers(ContainerPlan& plan) {
  plan.argv.clear();
  plan.envp.clear();
  for (auto& a : plan.argv_storage) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (auto& e : plan.env_storage) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
}

}  // namespace pier::runtime
