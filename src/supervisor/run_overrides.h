// What `pier run` changes in a service for its one-off container: command, entrypoint,
// environment, user, working directory, extra volumes and ports, tty; never a restart
// policy, and the service's ports only with --service-ports (as Docker Compose).
#pragma once

#include <string>

#include "base/result.h"
#include "compose/model.h"
#include "supervisor/control/protocol.h"

namespace pier::supervisor {

Status apply_run_overrides(compose::Service& service, const control::RunOverrides& overrides,
                          const std::string& working_dir);

}  // namespace pier::supervisor
