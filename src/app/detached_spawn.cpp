#include "app/detached_spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "sys/syscalls.h"

namespace pier::app {
namespace {

constexpr size_t kStackSize = 64 * 1024;

// What both intermediate processes read: prepared by the caller, in memory they share.
struct Launch {
  int exe_fd;
  char* const* argv;
  char* const* envp;
  const char* log;
  const int* inherited;
  size_t inherited_count;
  char* grandchild_stack_top;
};

// The program's own process. It shares the caller's memory until execveat: system calls
// only, nothing that allocates or takes a lock.
int become_program(void* arg) {
  const auto& l = *static_cast<const Launch*>(arg);
  // Handlers are the caller's code: a signal before the exec takes the default action.
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction current {};
    if (::sigaction(sig, nullptr, &current) != 0) continue;
    if (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN) continue;
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(sig, &dfl, nullptr);
  }
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  int log = ::open(l.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ::dup2(devnull, 0);
  ::dup2(log >= 0 ? log : devnull, 1);
  ::dup2(log >= 0 ? log : devnull, 2);
  // Nothing else the caller holds goes along: a lock its own caller took (`flock f pier
  // up`), a terminal, a socket would otherwise live as long as the program.
  (void)sys::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  for (size_t i = 0; i < l.inherited_count; ++i) ::fcntl(l.inherited[i], F_SETFD, 0);
  ::chdir("/");
  // A daemon of its own: no signal blocked, whatever the caller blocks.
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execveat(l.exe_fd, "", l.argv, l.envp, AT_EMPTY_PATH);
  ::_exit(127);
}

// In a new session, then the program in a process of its own: not a session leader, so
// no terminal it opens becomes its controlling one, and reparented once this one exits.
int leave_session(void* arg) {
  auto* l = static_cast<Launch*>(arg);
  ::setsid();
  pid_t pid = ::clone(become_program, l->grandchild_stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, l);
  ::_exit(pid < 0 ? 1 : 0);
}

}  // namespace

Status spawn_detached(const DetachedProgram& program) {
  std::vector<char*> argv, envp;
  for (const auto& a : program.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : program.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  void* stacks = ::mmap(nullptr, 2 * kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stacks == MAP_FAILED) return Error::system("map the stacks to start", program.argv.front(), errno);
  char* base = static_cast<char*>(stacks);
  Launch launch{program.exe_fd, argv.data(), envp.data(), program.log.c_str(), program.inherited_fds.data(),
                program.inherited_fds.size(), base + 2 * kStackSize};
  // No signal runs a handler of this process in the other two until they reset them.
  sigset_t all, caller_mask;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &caller_mask);
  pid_t child = ::clone(leave_session, base + kStackSize, CLONE_VM | CLONE_VFORK | SIGCHLD, &launch);
  int err = errno;
  ::pthread_sigmask(SIG_SETMASK, &caller_mask, nullptr);
  Status st;
  if (child < 0) {
    st = Error::system("start", program.argv.front(), err);
  } else {
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) st = Error("start " + program.argv.front() + ": cannot fork");
  }
  ::munmap(stacks, 2 * kStackSize);
  return st;
}

}  // namespace pier::app
