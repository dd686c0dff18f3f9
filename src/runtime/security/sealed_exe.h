// pier's own binary, out of every container's reach (CVE-2019-5736).
//
// A process that clones into a container takes its executable along: the child runs
// pier's code until its execve, and at that execve the kernel runs pier's binary again
// inside the container when the container's program is `#!/proc/self/exe` (or
// /proc/self/exe itself). A root process there can then hold /proc/<pid>/exe open and
// rewrite the host's pier as soon as no pier process runs it any more (ETXTBSY is all
// that stops it before). So each process that clones into containers (the supervisor,
// and the CLI for `exec` and builds) first re-executes itself from a sealed copy:
//   - a read-only overlayfs whose layers are the binary's directory and an empty tmpfs,
//     mounted nowhere (fsmount's detached mount): no copy, and a write through it fails
//     with EROFS (runc's approach since 1.2);
//   - else (no privilege to mount, or a kernel without `lowerdir+` fds) a memfd copy
//     sealed against writes, growing and shrinking (runc's and crun's older approach).
// The container may still read that copy; it can no longer reach the file on the host.
#pragma once

#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace pier::runtime {

// True when this process runs from a sealed copy (either kind above).
bool runs_from_sealed_exe();

// A handle to execute pier from (execveat AT_EMPTY_PATH): this process's own binary when
// it is already sealed, else a new sealed copy of it.
// `mounts`: when given, the handles of the detached mounts a sealed overlay is made of
// come back in it instead of being closed here. Closing the last handle of a detached
// mount waits out an RCU grace period (a few ms, once per mount), which a caller may
// leave to a process that outlives it: the supervisor a CLI starts keeps them until it
// exits. The overlay stays read-only and detached whoever holds them.
Result<UniqueFd> open_sealed_exe(std::vector<UniqueFd>* mounts = nullptr);

// The same for `name`, a program installed beside pier (pier-supervisor), through a
// sealed overlay of their directory. An error when there is none, when this process
// runs from a sealed copy already (the directory is not known then) or when the
// overlay cannot be made (no memfd copy is made of another program): the caller runs
// pier itself instead.
Result<UniqueFd> open_sealed_sibling(const std::string& name, std::vector<UniqueFd>* mounts = nullptr);

// Re-executes this process (the same argv, from /proc/self/cmdline, and environment)
// from a sealed copy unless it runs from one already: returns only then, or on error.
Status reexec_sealed();

// True in a process re-executed by reexec_sealed() until it calls reexec_sealed() itself:
// what the first process printed before re-executing (compose warnings) was printed once.
bool reexecuted_for_sealing();

}  // namespace pier::runtime
