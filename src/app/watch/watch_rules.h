// `develop.watch` of a project's services, read into typed rules for `pier watch`:
// which host path to watch, what to do on a change (sync, rebuild, sync+restart,
// sync+exec), where files go in the container and what to ignore.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "compose/model.h"

namespace pier::app::watch {

enum class Action { sync, rebuild, sync_restart, sync_exec };
const char* to_string(Action action);

struct Rule {
  std::string service;
  Action action = Action::sync;
  std::string path;    // absolute, on the host (relative ones are from the project directory)
  std::string target;  // absolute, in the container (the sync actions)
  std::vector<std::string> ignore;  // .dockerignore patterns, relative to `path`
  bool initial_sync = false;
  std::vector<std::string> exec;    // sync+exec: the command run in the container
};

// The rules of `services` (every service with develop.watch when empty). An error names
// the service, the rule's index and the field: `service "web": develop.watch[1].action:
// "copy" is not sync, rebuild, sync+restart or sync+exec`. A named service without
// develop.watch is an error too; none at all is one ("none of the services has ...").
Result<std::vector<Rule>> watch_rules(const compose::Project& project, const std::vector<std::string>& services);

}  // namespace pier::app::watch
