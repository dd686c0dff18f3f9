// The processes of a container as `ps -ef` shows them (what `docker top` prints):
// read from /proc/<pid>/stat, status and cmdline for the pids of its cgroup.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"

namespace pier::runtime {

// One row, already formatted: UID PID PPID C STIME TTY TIME CMD.
struct PsRow {
  std::string uid, pid, ppid, c, stime, tty, time, cmd;
};
inline const std::vector<std::string> kPsTitles = {"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"};

// The rows of `pids`, in pid order; a process that exits meanwhile is left out.
std::vector<PsRow> ps_rows(std::vector<pid_t> pids);

// The pids in the container cgroup `rel` (`pier/<project>/<name>`) under the
// detected hierarchy; an error names the cgroup when it is gone.
Result<std::vector<pid_t>> cgroup_pids(const std::string& rel);

// A container's pids: its cgroup's, or, for one without a cgroup (rootless, nothing
// delegated; spawn then requires a private PID namespace), every process in the PID
// namespace of its init `pid`.
Result<std::vector<pid_t>> container_pids(const std::string& cgroup, pid_t pid);

}  // namespace pier::runtime
