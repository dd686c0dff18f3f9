#include "app/service_containers.h"

#include <algorithm>

namespace pier::app {

Result<std::vector<state::ContainerRecord>> select_containers(const std::vector<state::ContainerRecord>& records,
                                                              const ServiceSelector& s) {
  std::vector<state::ContainerRecord> out;
  bool any = false;
  for (const auto& r : records) {
    if (r.service != s.service || (r.oneoff && !s.oneoffs)) continue;
    if (s.index != 0 && (r.oneoff || r.number != s.index)) continue;
    any = true;
    bool live = (r.state == state::ContainerState::running || r.state == state::ContainerState::paused) &&
                state::process_matches(r.pid, r.pid_start_time);
    if (s.running && !live) continue;
    out.push_back(r);
  }
  // A service's own replicas before its one-offs.
  std::stable_partition(out.begin(), out.end(), [](const state::ContainerRecord& r) { return !r.oneoff; });
  if (!out.empty()) return out;
  std::string which = s.index ? " with index " + std::to_string(s.index) : "";
  if (any) return Error("service \"" + s.service + "\" has no running container" + which)
      .hint("start it with `pier up -d " + s.service + "`");
  return Error("service \"" + s.service + "\" has no container" + which)
      .hint("create it with `pier up -d " + s.service + "`");
}

Result<state::ContainerRecord> select_container(const std::vector<state::ContainerRecord>& records,
                                                const ServiceSelector& s) {
  PIER_TRY(auto matches, select_containers(records, s));
  return std::move(matches.front());
}

}  // namespace pier::app
