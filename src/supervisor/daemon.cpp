#include "supervisor/daemon.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/file_lock.h"
#include "base/log.h"
#include "event/loop.h"
#include "runtime/security/sealed_exe.h"
#include "supervisor/control/server.h"
#include "supervisor/supervisor.h"
#include "sys/syscalls.h"

extern char** environ;

namespace pier::supervisor {
namespace {

constexpr const char* kReadyFdEnv = "PIER_SUPERVISOR_READY_FD";

void notify_ready() {
  const char* fd_text = std::getenv(kReadyFdEnv);
  if (!fd_text) return;
  int fd = std::atoi(fd_text);
  (void)!::write(fd, "ready\n", 6);
  ::close(fd);
  ::unsetenv(kReadyFdEnv);
}

std::string tail_of_log(const std::string& path) {
  auto text = read_file(path);
  if (!text) return "";
  std::string t = *text;
  if (t.size() > 2000) t = t.substr(t.size() - 2000);
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// The supervisor holds a listening socket per published port and several fds per
// proxied connection and container; the soft limit (often 1024) is raised to the
// hard one, as Go programs and dockerd do. Containers get their own default
// (runtime/plan_builder.cpp), not this one.
void raise_open_file_limit() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur >= files.rlim_max) return;
  files.rlim_cur = files.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &files) != 0) log::warn("raise the open-file limit: {}", std::strerror(errno));
}

}  // namespace

int run_supervisor(const state::ProjectPaths& paths) {
  std::error_code ec;
  std::filesystem::create_directories(paths.run, ec);
  auto lock = FileLock::acquire(paths.lock_file(), FileLock::Mode::exclusive, /*try_only=*/true);
  if (!lock) {
    if (lock.error().errnum() == EWOULDBLOCK) {
      // Another supervisor has the project; the starting CLI reads this from the log.
      log::info("project {}: another process holds the lock {}", paths.project, paths.lock_file());
      return 0;
    }
    log::error("{}", lock.error().to_string());
    return 1;
  }
  // Every container, connection and probe costs fds: take all the host allows us. The
  // runtime plans each container's own limit (1024 soft by default), so none inherits this.
  if (rlimit nofile{}; ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &nofile);
  }
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  raise_open_file_limit();
  (void)write_file_atomic(paths.supervisor_pid_file(), std::to_string(::getpid()) + "\n");
  auto loop = event::make_uv_loop();
  if (!loop) {
    log::error("{}", loop.error().to_string());
    return 1;
  }
  int code = 0;
  {
    Supervisor sup(**loop, paths);
    if (auto st = sup.recover(); !st) log::error("recover: {}", st.error().to_string());
    auto server = control::Server::listen(**loop, paths.control_socket(),
                                          [&sup](const control::Request& request, control::Reply reply) {
                                            sup.handle(request, std::move(reply));
                                          });
    if (!server) {
      log::error("{}", server.error().to_string());
      return 1;
    }
    // SIGTERM: leave the containers running (a new supervisor adopts them).
    auto term = (*loop)->watch_signal(SIGTERM, [&] { (*loop)->stop(); });
    bool stopping = false;
    sup.set_on_idle([&] {
      if (stopping) return;
      stopping = true;
      (*loop)->post([&] { (*loop)->stop(); });
    });
    // Started for a request that has not arrived yet: give the CLI time to send it.
    auto idle_timer = (*loop)->create_timer([&] {
      if (sup.idle()) (*loop)->stop();
    });
    idle_timer->start(std::chrono::seconds(5));
    notify_ready();
    (*loop)->run();
    server->reset();
  }
  // An unreadable record still stands for a container `down` must find: keep it.
  auto records = state::RecordStore(paths.records_dir()).scan();
  if (records.ok() && records->records.empty() && records->unreadable.empty()) {
    ::unlink(paths.control_socket().c_str());
    ::unlink(paths.supervisor_pid_file().c_str());
    std::filesystem::remove_all(paths.run + "/scratch", ec);
    // No record left; what remains is a temp file of a supervisor killed mid-write.
    std::filesystem::remove_all(paths.records_dir(), ec);
  } else {
    ::unlink(paths.supervisor_pid_file().c_str());
  }
  return code;
}

std::optional<control::Client> connect_if_running(const state::ProjectPaths& paths) {
  auto client = control::Client::connect(paths.control_socket());
  if (!client) return std::nullopt;
  return std::move(*client);
}

Result<control::Client> connect_or_start(const state::ProjectPaths& paths) {
  auto first = control::Client::connect(paths.control_socket());
  if (first) return std::move(*first);
  // A socket that accepts but does not answer is reported, not raced with a new supervisor.
  if (first.error().errnum() != ENOENT && first.error().errnum() != ECONNREFUSED) return std::move(first).error();
  std::error_code ec;
  std::filesystem::create_directories(paths.run, ec);
  if (ec) return Error::system("create run directory", paths.run, ec.value());
  // The supervisor clones every container: it never runs from the host's file itself.
  auto exe = runtime::open_sealed_exe();
  if (!exe) return std::move(exe).error().context("start the supervisor of project " + paths.project);
  for (int attempt = 0; attempt < 3; ++attempt) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return Error::system("pipe", "", errno);
    pid_t child = ::fork();
    if (child < 0) return Error::system("fork the supervisor", paths.project, errno);
    if (child == 0) {
      // Detach: new session, then a second fork so no terminal can be reacquired and
      // the CLI never has to reap it.
      ::setsid();
      if (::fork() != 0) ::_exit(0);
      int devnull = ::open("/dev/null", O_RDWR);
      int log = ::open(paths.supervisor_log().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(devnull, 0);
      ::dup2(log >= 0 ? log : devnull, 1);
      ::dup2(log >= 0 ? log : devnull, 2);
      // Nothing else the CLI holds goes with it: a lock the CLI's caller took (`flock f
      // pier up`), a terminal, a socket would otherwise live as long as the supervisor.
      unsigned keep = static_cast<unsigned>(ready[1]);
      if (keep > 3) (void)sys::close_range(3, keep - 1, CLOSE_RANGE_CLOEXEC);
      (void)sys::close_range(keep + 1, ~0U, CLOSE_RANGE_CLOEXEC);
      ::fcntl(ready[1], F_SETFD, 0);  // keep the ready pipe across exec
      ::setenv(kReadyFdEnv, std::to_string(ready[1]).c_str(), 1);
      ::chdir("/");
      const char* argv[] = {"pier", "--root", paths.root.c_str(), "__supervise", paths.project.c_str(), nullptr};
      ::execveat(exe->get(), "", const_cast<char* const*>(argv), environ, AT_EMPTY_PATH);
      ::_exit(127);
    }
    ::close(ready[1]);
    int status = 0;
    ::waitpid(child, &status, 0);
    char buf[16];
    ssize_t n;
    do n = ::read(ready[0], buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    ::close(ready[0]);
    if (auto client = connect_if_running(paths)) return std::move(*client);
    if (n > 0) continue;  // ready, then gone again (idle): retry
    // EOF without "ready": either another CLI's supervisor won the lock (retry) or
    // it failed (its log says why).
    std::string why = tail_of_log(paths.supervisor_log());
    if (attempt == 2)
      return Error("the supervisor of project " + paths.project + " did not start" + (why.empty() ? "" : ": " + why))
          .hint("see " + paths.supervisor_log());
    ::usleep(20000);
  }
  return Error("could not reach the supervisor of project " + paths.project);
}

}  // namespace pier::supervisor
