#include "cli/process_start.h"

#include <sys/stat.h>

#include <cstdio>

#include "rootless/startup.h"
#include "state/paths.h"

namespace pier::cli {

bool start_pier_process() {
  // Nothing pier makes (data root, volumes, a container's writable layer, logs) is open
  // to other local users unless it says so with an explicit mode: a setuid binary or a
  // device node a container leaves there must not be theirs to use (CVE-2021-41091).
  // The supervisor starts the same way; containers get 022 back before they exec
  // (runtime/process/child.cpp).
  ::umask(077);
  // A user's pier moves into its user namespace before anything else: the kernel lets
  // only a process with one thread join one, and every later step (paths, the store,
  // the supervisor it starts) must already act as that namespace's uid 0.
  auto rootless = rootless::start_rootless();
  if (!rootless) {
    std::fprintf(stderr, "error: %s\n", rootless.error().to_string().c_str());
    return false;
  }
  if (*rootless) state::use_default_locations((*rootless)->data, (*rootless)->run);
  return true;
}

}  // namespace pier::cli
