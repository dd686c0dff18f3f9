#include "app/supervisor_connect.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "app/detached_spawn.h"
#include "base/atomic_file.h"
#include "base/file_lock.h"
#include "base/log.h"
#include "runtime/security/sealed_exe.h"
#include "supervisor/daemon.h"
#include "sys/build_id.h"

extern char** environ;

namespace pier::app {
namespace {

using supervisor::kReadyFdEnv;

// The last line of the supervisor's log: why it did not start.
std::string tail_of_log(const std::string& path) {
  auto text = read_file(path);
  if (!text) return "";
  std::string t = *text;
  if (t.size() > 2000) t = t.substr(t.size() - 2000);
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Some process holds the project lock: a supervisor that is starting or exiting.
bool lock_held(const state::ProjectPaths& paths) {
  auto lock = FileLock::acquire(paths.lock_file(), FileLock::Mode::exclusive, /*try_only=*/true);
  return !lock && lock.error().errnum() == EWOULDBLOCK;
}

// How long a CLI waits for a supervisor that holds the lock but does not answer yet.
constexpr auto kHolderWait = std::chrono::seconds(10);

// The supervisor's own program, installed beside pier: it leaves out what only the CLI
// runs (compose output, builds, convert, registry pushes), so the process that lives as
// long as the project maps less (bench/README.md). Without it, pier supervises itself.
constexpr const char* kSupervisorProgram = "pier-supervisor";

// The program connect_or_start starts when it is installed beside this one; "" when
// this binary's path cannot be read.
std::string beside_this_program(const char* name) {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "";
  std::string path(self, static_cast<size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1) + name;
}

// Whether the supervisor that answered is of this build: this binary, or the program
// connect_or_start would start beside it. What cannot be told (a program without a
// build id, a sealed copy whose directory is unknown, an unreadable program) counts as
// this build: a handover stops a supervisor, so it needs a certain difference.
bool of_this_build(const ControlClient& client) {
  const std::string& own = sys::own_build_id();
  const std::string& theirs = client.supervisor_build();
  if (own.empty() || theirs == own) return true;
  std::string sibling_path = beside_this_program(kSupervisorProgram);
  if (sibling_path.empty()) return true;
  auto sibling = sys::build_id_of_file(sibling_path);
  if (sibling && *sibling == theirs) return true;  // the usual case
  if (runtime::runs_from_sealed_exe()) return true;
  if (sibling) return sibling->empty();
  // None installed: this binary supervises itself, and it is not theirs.
  return sibling.error().errnum() != ENOENT;
}

// A supervisor of another build (pier was upgraded or rebuilt while the project ran)
// is asked to exit; SIGTERM leaves the containers running (supervisor/daemon.cpp), and
// the supervisor this CLI starts adopts them, as after a crash. False when its pid is
// unknown: nothing is signalled then.
bool hand_over(const ControlClient& old, const state::ProjectPaths& paths, bool& said) {
  pid_t pid = old.supervisor_pid();
  if (pid <= 0) return false;
  if (!said)
    log::warn("the supervisor of project {} (pid {}) is from another pier build: it hands the running containers "
              "over to this one",
              paths.project, pid);
  said = true;
  ::kill(pid, SIGTERM);
  return true;
}

}  // namespace

std::optional<ControlClient> connect_if_running(const state::ProjectPaths& paths) {
  auto client = ControlClient::connect(paths.control_socket());
  if (!client) return std::nullopt;
  return std::move(*client);
}

Result<ControlClient> connect_or_start(const state::ProjectPaths& paths) {
  bool handing_over = false;
  pid_t old_pid = 0;
  // The supervisor that answers, unless it is of another build: that one is handed over.
  auto current = [&](ControlClient client) -> std::optional<ControlClient> {
    if (of_this_build(client)) return client;
    if (!hand_over(client, paths, handing_over)) return client;
    old_pid = client.supervisor_pid();
    return std::nullopt;
  };
  auto first = ControlClient::connect(paths.control_socket());
  if (first) {
    if (auto client = current(std::move(*first))) return std::move(*client);
  } else if (first.error().errnum() != ENOENT && first.error().errnum() != ECONNREFUSED) {
    // A socket that accepts but does not answer is reported, not raced with a new supervisor.
    return std::move(first).error();
  }
  std::error_code ec;
  std::filesystem::create_directories(paths.run, ec);
  if (ec) return Error::system("create run directory", paths.run, ec.value());
  // The supervisor clones every container: it never runs from the host's file itself.
  // The sealed copy's mounts go to the supervisor (closing them here would wait out two
  // RCU grace periods before this command could go on).
  std::vector<UniqueFd> mounts;
  auto exe = runtime::open_sealed_sibling(kSupervisorProgram, &mounts);
  const char* program = kSupervisorProgram;
  if (!exe) {
    exe = runtime::open_sealed_exe(&mounts);
    program = "pier";
  }
  if (!exe) return std::move(exe).error().context("start the supervisor of project " + paths.project);
  std::string mount_list;
  for (const auto& m : mounts) mount_list += (mount_list.empty() ? "" : ",") + std::to_string(m.get());
  std::vector<std::string> environment;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    if (entry.starts_with(std::string(kReadyFdEnv) + "=") ||
        entry.starts_with(std::string(supervisor::kSealedMountsEnv) + "="))
      continue;
    environment.emplace_back(entry);
  }
  auto holder_deadline = std::chrono::steady_clock::now() + kHolderWait;
  for (int attempt = 0; attempt < 3;) {
    // The lock's holder is exiting (idle) or starting for another CLI: one started now
    // could not run. Wait for it to answer or to be gone.
    if (lock_held(paths) && std::chrono::steady_clock::now() < holder_deadline) {
      if (auto client = connect_if_running(paths))
        if (auto answered = current(std::move(*client))) return std::move(*answered);
      ::usleep(10000);
      continue;
    }
    if (handing_over && lock_held(paths))
      return Error(fmt::format("the supervisor of project {} (pid {}), from another pier build, did not exit "
                               "within {} s",
                               paths.project, old_pid, kHolderWait.count()))
          .hint(fmt::format("`kill -9 {}` stops it and leaves the containers running for this pier to adopt; "
                            "then run the command again",
                            old_pid));
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return Error::system("pipe", "", errno);
    DetachedProgram launch;
    launch.exe_fd = exe->get();
    launch.argv = {program, "--root", paths.root, "__supervise", paths.project};
    launch.env = environment;
    launch.env.push_back(std::string(kReadyFdEnv) + "=" + std::to_string(ready[1]));
    if (!mount_list.empty()) launch.env.push_back(std::string(supervisor::kSealedMountsEnv) + "=" + mount_list);
    launch.log = paths.supervisor_log();
    launch.inherited_fds = {ready[1]};
    for (const auto& m : mounts) launch.inherited_fds.push_back(m.get());
    Status spawned = spawn_detached(launch);
    if (!spawned) {
      ::close(ready[0]);
      ::close(ready[1]);
      return std::move(spawned).error().context("start the supervisor of project " + paths.project);
    }
    ::close(ready[1]);
    char buf[16];
    ssize_t n;
    do n = ::read(ready[0], buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    ::close(ready[0]);
    if (auto client = connect_if_running(paths))
      if (auto answered = current(std::move(*client))) return std::move(*answered);
    ++attempt;
    if (n > 0) continue;  // ready, then gone again (idle): retry
    // EOF without "ready": either another CLI's supervisor won the lock (retry) or
    // it failed (its log says why).
    std::string why = tail_of_log(paths.supervisor_log());
    if (attempt == 3)
      return Error("the supervisor of project " + paths.project + " did not start" + (why.empty() ? "" : ": " + why))
          .hint("see " + paths.supervisor_log());
    ::usleep(20000);
  }
  return Error("could not reach the supervisor of project " + paths.project);
}

}  // namespace pier::app
