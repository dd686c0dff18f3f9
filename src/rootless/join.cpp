#include "rootless/join.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>

#include "base/file_lock.h"
#include "base/unique_fd.h"
#include "rootless/pause_process.h"
#include "rootless/pause_record.h"
#include "state/container_record.h"

namespace pier::rootless {

Status join_namespaces_of(pid_t pid) {
  std::string proc = "/proc/" + std::to_string(pid) + "/ns/";
  UniqueFd user(::open((proc + "user").c_str(), O_RDONLY | O_CLOEXEC));
  if (!user) return Error::system("open", proc + "user", errno);
  UniqueFd mnt(::open((proc + "mnt").c_str(), O_RDONLY | O_CLOEXEC));
  if (!mnt) return Error::system("open", proc + "mnt", errno);
  // Joining a mount namespace moves the working directory to its root: keep the path
  // and go back to it (the same directory, the mount namespace being a copy of the host's).
  char cwd[PATH_MAX];
  bool has_cwd = ::getcwd(cwd, sizeof cwd) != nullptr;
  if (::setns(user.get(), CLONE_NEWUSER) != 0)
    return Error::system("join pier's user namespace", proc + "user", errno);
  if (::setns(mnt.get(), CLONE_NEWNS) != 0) return Error::system("join pier's mount namespace", proc + "mnt", errno);
  if (has_cwd && ::chdir(cwd) != 0)
    return Error::system("return to the working directory", cwd, errno)
        .hint("it is not in pier's mount namespace (a mount made after pier's pause process started that "
              "does not propagate to it): stop every pier project of the user, or run from another directory");
  return {};
}

Status join_user_namespaces(const std::string& run_dir) {
  PauseFiles files{run_dir + "/pause.lock", run_dir + "/pause.pid"};
  PIER_TRY(FileLock lock, FileLock::acquire(files.lock, FileLock::Mode::exclusive));
  if (auto pause = live_pause(files.record)) return join_namespaces_of(pause->pid);
  NamespaceMaps maps = plan_maps();
  PIER_TRY(pid_t pid, start_pause(maps, files));
  PIER_CHECK(write_pause_record(files.record, {pid, state::process_start_time(pid)}));
  if (!maps.single_id_reason.empty())
    std::fprintf(stderr,
                 "warning: pier's user namespace maps only your own uid and gid (to 0): %s. Inside it, "
                 "files and processes can have no other owner: an image with files owned by other ids "
                 "cannot be unpacked and a service cannot run as another user. Add subordinate ranges "
                 "(docs/rootless.md) and stop every pier project to use them.\n",
                 maps.single_id_reason.c_str());
  return join_namespaces_of(pid);
}

}  // namespace pier::rootless
