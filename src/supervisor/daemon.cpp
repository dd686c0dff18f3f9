#include "supervisor/daemon.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/atomic_file.h"
#include "base/file_lock.h"
#include "base/log.h"
#include "event/loop.h"
#include "net/rootless/rootless_netns.h"
#include "runtime/container.h"
#include "runtime/security/seccomp.h"
#include "runtime/security/sealed_exe.h"
#include "supervisor/control/server.h"
#include "supervisor/memory_release.h"
#include "supervisor/supervisor.h"
#include "sys/user_namespace.h"

namespace pier::supervisor {
namespace {

void notify_ready() {
  const char* fd_text = std::getenv(kReadyFdEnv);
  if (!fd_text) return;
  int fd = std::atoi(fd_text);
  (void)!::write(fd, "ready\n", 6);
  ::close(fd);
  ::unsetenv(kReadyFdEnv);
}

// The mounts of our sealed binary, handed over by the CLI that started us: close-on-exec
// again, so no process we start inherits them, and held until we exit.
void keep_sealed_mounts() {
  const char* list = std::getenv(kSealedMountsEnv);
  if (!list) return;
  for (const char* p = list; *p;) {
    char* end = nullptr;
    long fd = std::strtol(p, &end, 10);
    if (end == p) break;
    if (fd > 2) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    p = *end == ',' ? end + 1 : end;
  }
  ::unsetenv(kSealedMountsEnv);
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

// Tries, 10 ms apart, of a starting supervisor to take the project lock.
constexpr int kLockTries = 10;

}  // namespace

int run_supervisor(const state::ProjectPaths& paths) {
  keep_sealed_mounts();
  std::error_code ec;
  std::filesystem::create_directories(paths.run, ec);
  auto lock = FileLock::acquire(paths.lock_file(), FileLock::Mode::exclusive, /*try_only=*/true);
  // A CLI that checks whether the lock is held (lock_held, ensure_adopted) holds it for
  // an instant: only a holder that stays is another supervisor.
  for (int tries = 1; !lock && lock.error().errnum() == EWOULDBLOCK && tries < kLockTries; ++tries) {
    ::usleep(10000);
    lock = FileLock::acquire(paths.lock_file(), FileLock::Mode::exclusive, /*try_only=*/true);
  }
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
  // One malloc arena, not one per worker thread: the workers spend their time in system
  // calls, not in malloc, and each arena of their own kept ~1 MiB resident (50 services).
  ::mallopt(M_ARENA_MAX, 1);
  // Beside the projects' run directories (no project name has a `.`): every supervisor of
  // this root, this one's successors included, loads the programs compiled once.
  runtime::set_seccomp_cache_dir(state::run_base(paths.root) + "/.seccomp");
  // The pid means nothing after a reboot (and the run directory is emptied then): no fsync.
  (void)write_file_atomic(paths.supervisor_pid_file(), std::to_string(::getpid()) + "\n", 0644,
                          Durability::crash_safe);
  // Rootless, the project's networks live in the user's rootless network namespace.
  // This thread moves there before the loop exists, so every thread the loop starts
  // is born inside; published ports still listen on the host's side.
  std::unique_ptr<net::rootless::RootlessNetns> rootless_net;
  if (sys::rootless()) {
    auto entered = net::rootless::RootlessNetns::enter(state::run_base(paths.root) + "/.netns");
    if (!entered) {
      log::error("{}", entered.error().to_string());
      return 1;
    }
    rootless_net = std::move(entered).value();
  }
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
    // Once it is decided to exit, requests are refused (the CLI sends them to the next
    // supervisor): one taken now would be cut off half done.
    // SIGTERM: leave the containers running (a new supervisor adopts them).
    auto term = (*loop)->watch_signal(SIGTERM, [&] {
      (*server)->begin_exit();
      (*loop)->stop();
    });
    bool stopping = false;
    // Started for a request that has not arrived yet: give the CLI time to send it.
    auto idle_timer = (*loop)->create_timer([&] {
      if (!sup.idle()) return;
      (*server)->begin_exit();
      (*loop)->stop();
    });
    idle_timer->start(std::chrono::seconds(5));
    sup.set_on_idle([&] {
      if (stopping) return;
      // A client greeted but not heard from yet is sending its request: serve it, and
      // leave the exit to the timer should none come.
      if ((*server)->awaiting_requests() > 0) return idle_timer->start(std::chrono::seconds(5));
      stopping = true;
      (*server)->begin_exit();
      (*loop)->post([&] { (*loop)->stop(); });
    });
    sup.set_on_settled(release_idle_memory);
    notify_ready();
    (*loop)->run();
    server->reset();
  }
  // The user's last project is down: pasta stops and the namespace goes with this process.
  if (rootless_net)
    if (auto released = rootless_net->release_if_unused(); !released)
      log::warn("release the rootless network namespace: {}", released.error().to_string());
  // An unreadable record still stands for a container `down` must find: keep it.
  auto records = state::RecordStore(paths.records_dir()).scan();
  if (records.ok() && records->records.empty() && records->unreadable.empty()) {
    // No container of the project is left (the last `run --rm` is gone): its cgroup
    // directories, empty kernel objects, go now rather than at a `down` that may never
    // come. The lock is still ours, so no start of this project races the removal;
    // a directory something else still uses is not empty and stays.
    runtime::release_project(paths.kernel_name);
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

int supervise(const std::string& root, const std::string& project) {
  // connect_or_start executes the supervisor from a sealed copy already; one started
  // any other way gets there here.
  Status st = runtime::reexec_sealed();
  auto paths = st ? state::project_paths(root, project) : Result<state::ProjectPaths>(st.error());
  if (!paths) {
    std::fprintf(stderr, "error: %s\n", paths.error().to_string().c_str());
    return 1;
  }
  return run_supervisor(*paths);
}

}  // namespace pier::supervisor
