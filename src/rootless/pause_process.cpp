#include "rootless/pause_process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string_view>

#include "base/atomic_file.h"
#include "base/file_lock.h"
#include "base/unique_fd.h"
#include "rootless/namespace_use.h"

namespace pier::rootless {
namespace {

// How often the pause process looks whether anything still uses its namespaces: the
// delay between the last `down` and its exit.
constexpr unsigned kIdleCheckSeconds = 1;

// What the pause process tells its starter, in order: its pid once it has its user
// namespace (to be mapped), then that the mount namespace is made. `step` names what
// failed, with its errno.
struct Report {
  pid_t pid = 0;
  int step = 0;  // 0 for success
  int err = 0;
};

enum Step { kOk = 0, kUnshareUser, kUnshareMount, kMountSlave };

const char* step_name(int step) {
  switch (step) {
    case kUnshareUser: return "create the user namespace";
    case kUnshareMount: return "create the mount namespace";
    case kMountSlave: return "make the mount namespace a slave of the host's";
    default: return "start";
  }
}

void send_report(int fd, int step, int err) {
  Report r{::getpid(), step, err};
  (void)!::write(fd, &r, sizeof r);
}

// `ps` shows a process's argument strings, and the pause process's would still be those
// of the command that forked it (`pier up -d`, seemingly never done). They are overwritten
// in place, where the kernel reads them (/proc/self/stat fields 48 and 49).
void rename_arguments(std::string_view name) {
  auto stat = read_file("/proc/self/stat");
  if (!stat) return;
  auto close = stat->rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(stat->substr(close + 2));
  std::string field;
  unsigned long arg_start = 0, arg_end = 0;
  for (int number = 3; number <= 49 && fields >> field; ++number) {
    if (number == 48) arg_start = std::strtoul(field.c_str(), nullptr, 10);
    if (number == 49) arg_end = std::strtoul(field.c_str(), nullptr, 10);
  }
  if (arg_start == 0 || arg_end <= arg_start) return;
  char* args = reinterpret_cast<char*>(arg_start);
  size_t size = arg_end - arg_start;
  std::memset(args, 0, size);
  std::memcpy(args, name.data(), std::min(name.size(), size - 1));
}

[[noreturn]] void wait_until_unused(const PauseFiles& files) {
  for (;;) {
    ::sleep(kIdleCheckSeconds);
    // A command that holds the lock is about to join: look again later.
    auto lock = FileLock::acquire(files.lock, FileLock::Mode::exclusive, true);
    if (!lock) continue;
    if (namespace_in_use(::getpid())) continue;
    ::unlink(files.record.c_str());
    ::_exit(0);
  }
}

// The pause process, from fork to exit. It never returns into main's stack.
[[noreturn]] void pause_main(int sync, const PauseFiles& files) {
  // Only the socket to the starter stays open: the starter's descriptor of
  // `files.lock`, inherited, would hold its lock for as long as this process lives.
  if (sync > 3) ::close_range(3, static_cast<unsigned>(sync) - 1, 0);
  ::close_range(static_cast<unsigned>(sync) + 1, ~0U, 0);
  if (::unshare(CLONE_NEWUSER) != 0) {
    send_report(sync, kUnshareUser, errno);
    ::_exit(1);
  }
  send_report(sync, kOk, 0);
  char go = 0;
  if (::read(sync, &go, 1) != 1 || go != 'g') ::_exit(1);  // the starter failed to map ids
  if (::unshare(CLONE_NEWNS) != 0) {
    send_report(sync, kUnshareMount, errno);
    ::_exit(1);
  }
  // A mount namespace made in a user namespace already receives the host's mounts and
  // sends none back (mount_namespaces(7)); saying so makes it so whatever the host's
  // propagation: pier's overlay and nsfs mounts never show on the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    send_report(sync, kMountSlave, errno);
    ::_exit(1);
  }
  send_report(sync, kOk, 0);
  ::prctl(PR_SET_NAME, "pier-pause", 0, 0, 0);
  rename_arguments("pier-pause");
  if (::chdir("/") != 0) ::_exit(1);
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3 && null >= 0; ++fd) ::dup2(null, fd);
  ::close_range(3, ~0U, 0);  // the socket and /dev/null's own descriptor
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  wait_until_unused(files);
}

Result<Report> read_report(int fd) {
  Report r;
  ssize_t n;
  do n = ::read(fd, &r, sizeof r);
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof r)) return Error("start pier's pause process: it exited early");
  if (r.step != kOk)
    return Error(std::string("start pier's pause process: ") + step_name(r.step), r.err)
        .hint("pier needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
              "user.max_user_namespaces > 0); see docs/rootless.md");
  return r;
}

}  // namespace

Result<pid_t> start_pause(const NamespaceMaps& maps, const PauseFiles& files) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return Error::system("create socket pair for", "pier's pause process", errno);
  UniqueFd ours(pair[0]), theirs(pair[1]);
  // Forked twice, the pause process is nobody's child: this command never has to reap
  // it, and it outlives the command as a child of init (or the session's subreaper).
  pid_t middle = ::fork();
  if (middle < 0) return Error::system("fork", "pier's pause process", errno);
  if (middle == 0) {
    ours.reset();
    ::setsid();
    pid_t pause = ::fork();
    if (pause != 0) ::_exit(pause < 0 ? 1 : 0);
    pause_main(theirs.get(), files);
  }
  theirs.reset();
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  PIER_TRY(Report made, read_report(ours.get()));
  if (auto st = apply_maps(made.pid, maps); !st) {
    ::kill(made.pid, SIGKILL);
    return std::move(st).error();
  }
  if (::write(ours.get(), "g", 1) != 1) return Error::system("start", "pier's pause process", errno);
  PIER_CHECK(read_report(ours.get()));
  return made.pid;
}

}  // namespace pier::rootless
