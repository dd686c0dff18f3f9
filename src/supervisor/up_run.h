// One `up` in progress: images, networks, the create/recreate decisions, then the
// start of each service once its depends_on conditions hold. Re-evaluated on every
// container event (no polling); finishes when everything started (or, with --wait,
// is running and healthy or completed), or with the first error naming its cause.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "event/loop.h"
#include "image/store/store.h"
#include "supervisor/container.h"
#include "supervisor/control/server.h"
#include "supervisor/up_decisions.h"
#include "supervisor/up_host.h"
#include "supervisor/control/protocol.h"

namespace pier::supervisor {

// What `up` was asked to do (the CLI's flags).
using UpOptions = control::UpOptions;

class UpRun {
 public:
  UpRun(UpHost& host, UpOptions options, control::Reply reply);
  ~UpRun();
  void begin();
  // `down` came: nothing more is created or started, and the reply says why. Starts
  // already under way finish (the down stops those containers after them).
  void cancel(Error why) { finish(std::move(why)); }
  // A container changed: see whether a waiting service may start now.
  void evaluate();
  bool finished() const { return finished_; }
  // Instead of finishing the reply: `run` starts its one-off container afterwards.
  void set_on_done(std::function<void(Status)> fn) { on_done_ = std::move(fn); }

 private:
  enum class Phase { images, removing, starting, waiting, done };
  struct Gate {
    enum Kind { ready, wait, fail } kind = ready;
    std::string why;
  };

  Status choose_targets();
  void pull_images();
  void plan_containers();
  // The networks ensure_networks found changed: removed and made anew once nothing
  // is on them (the containers of the targets recreated, the others stopped).
  Status recreate_networks();
  bool on_changed_network(const ManagedContainer& c) const;
  // After the removals: those whose record no longer parses, then create_containers.
  void create_missing();
  // Creates the targets' missing containers, then starts the services.
  void create_containers();
  // Runs the service's pre_start steps unless they already succeeded for one of its
  // containers as they are written now, then start_containers.
  void start_service(const std::string& service);
  void start_containers(const std::string& service);
  // Every change of a service's state; a move the table refuses ends the run (false).
  bool move_service(const std::string& service, ServiceStart to);
  Gate gate(const std::string& service, const std::string& dependency, const compose::DependsOn& dep) const;
  void check_wait();
  void progress(const std::string& subject, const std::string& status);
  void finish(Status status);

  UpHost& host_;
  UpOptions options_;
  control::Reply reply_;
  const compose::Project& project_;
  Phase phase_ = Phase::images;
  std::vector<std::string> targets_;  // in start order
  std::map<std::string, image::ResolvedImage> images_;
  std::map<std::string, std::string> digests_;  // per target service: sources_digest
  UpDecisions decisions_;
  std::set<std::string> changed_networks_;  // exist with another configuration
  std::map<std::string, ServiceStart> services_;
  int pending_ = 0;
  bool finished_ = false;
  std::unique_ptr<event::Timer> wait_timer_;
  std::function<void(Status)> on_done_;
  // Callbacks of work this run began (pulls, removals, starts) may come after a cancel
  // or a failure has finished it and the supervisor has dropped it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pier::supervisor
