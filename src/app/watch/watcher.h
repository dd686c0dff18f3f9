// `pier watch` and `up --watch`: the project's develop.watch rules on the CLI's own
// event loop until Ctrl-C. Why the CLI and not the supervisor: a watch lives as long as
// the command the user typed (as in Docker Compose, it is a client-side session), a
// rebuild runs the client-side builder (app/service_build.h) exactly as `up --build`,
// and the supervisor then gets the same typed requests as from `up` and `restart`, so it
// never reads the user's source tree and its protocol gains nothing.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "app/watch/watch_rules.h"
#include "base/result.h"
#include "compose/model.h"
#include "state/paths.h"
#include "supervisor/project_source.h"

namespace pier::app::watch {

struct WatchSession {
  std::string pier_root;
  state::ProjectPaths paths;
  const compose::Project* project = nullptr;
  supervisor::ProjectSource source;  // what a rebuild's `up` loads
  bool quiet = false;                // no "Syncing ..." lines
  bool prune = false;                // after a rebuild, free the images nothing uses
  // `up --watch`: set by the thread that shows the logs once they end; the watch then
  // ends too (checked every 200 ms). Null: only a signal ends it.
  const std::atomic<bool>* stop = nullptr;
};

// Watches until SIGINT or SIGTERM or `stop` (exit code 0), printing what each batch did on
// stderr. A failed action is reported and the watch goes on, as Compose's.
Result<int> run_watch(const WatchSession& session, const std::vector<Rule>& rules);

}  // namespace pier::app::watch
