// Which containers a command that names a service acts on (`cp`, `export`, `commit`,
// `attach`): `--index N` is replica N, no index the lowest replica for commands that need
// one, or every replica for those that take many (`cp` into a service); one-off (`run`)
// containers count only when asked (`--all`).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "state/container_record.h"

namespace pier::app {

struct ServiceSelector {
  std::string service;
  int index = 0;          // 0: not given
  bool oneoffs = false;   // also `pier run` containers
  bool running = true;    // only running (or paused) containers
};

// Every container the selector matches, in replica order; an error naming the service
// when there is none.
Result<std::vector<state::ContainerRecord>> select_containers(const std::vector<state::ContainerRecord>& records,
                                                              const ServiceSelector& selector);
// The one container: replica `index`, else the first match.
Result<state::ContainerRecord> select_container(const std::vector<state::ContainerRecord>& records,
                                                const ServiceSelector& selector);

}  // namespace pier::app
