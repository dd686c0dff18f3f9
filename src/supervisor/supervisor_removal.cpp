// Removing containers: the managed ones (stopped in order first) and those whose record
// no longer parses, destroyed by their kernel names.
#include "supervisor/supervisor.h"

#include "event/defer_delete.h"
#include "supervisor/join.h"

namespace pier::supervisor {

void Supervisor::remove_containers(std::vector<ManagedContainer*> targets, std::function<void(Status)> done,
                                   control::Reply reply) {
  if (targets.empty()) return done({});
  auto join = std::make_shared<Join>();
  join->remaining = static_cast<int>(targets.size());
  join->done = std::move(done);
  // A stop that could not be recorded does not matter here: the record goes.
  stop_in_order(targets, std::nullopt, [this, targets, join, reply](Status) {
    for (auto* c : targets) {
      std::string name = c->name();
      c->remove([this, join, reply, name](Status st) {
        reply.event({{"progress", "Container " + name}, {"status", "Removed"}});
        network_plans_.erase(name);
        last_state_.erase(name);
        // Destroy on the next turn: we are inside the container's own callback.
        auto node = containers_.extract(name);
        containers_changed();
        if (!node.empty()) event::defer_delete(loop_, std::move(node.mapped()));
        join->finish_one(std::move(st));
      });
    }
  }, reply, "Stopp");
}

void Supervisor::remove_unreadable(control::Reply reply, std::optional<std::set<std::string>> only,
                                   std::function<void(Status)> done) {
  auto scanned = records_.scan();
  if (!scanned) return done(std::move(scanned).error());
  std::vector<std::string> names;
  for (const auto& name : scanned->unreadable)
    if (!containers_.count(name) && (!only || only->count(name))) names.push_back(name);
  if (names.empty()) return done({});
  auto join = std::make_shared<Join>();
  join->remaining = static_cast<int>(names.size());
  join->done = std::move(done);
  for (const auto& name : names) {
    auto scratch = paths_.scratch_dir(name);
    if (!scratch) {
      join->finish_one(std::move(scratch).error().context("remove container " + name));
      continue;
    }
    reply.event({{"warning", "container " + name + ": its record does not parse; removing the container by its name"}});
    workers_.run<Status>([driver = driver_.get(), paths = paths_, name, dir = *scratch] {
                           return driver->remove(paths, name, dir);
                         },
                         [this, join, reply, name](Status st) {
                           // Kept while its container may still be there: a later `down` retries.
                           if (st) {
                             (void)records_.remove(name);
                             reply.event({{"progress", "Container " + name}, {"status", "Removed"}});
                           }
                           join->finish_one(std::move(st));
                         });
  }
}

}  // namespace pier::supervisor
