// What `up` does with the project's containers, decided from two lists of plain data:
// the services as the compose file wants them now and the containers that exist. The
// real run (up_run.cpp) acts on the decisions and `--dry-run` (app/dry_run/) prints
// them, so what a dry run announces is what the real one would do.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "compose/environment.h"
#include "compose/model.h"
#include "image/pull_policy.h"
#include "state/paths.h"
#include "supervisor/control/protocol.h"

namespace pier::supervisor {

// The services an `up` acts on, in start order: those named (all enabled ones when none
// is), with their dependencies unless --no-deps. A name the project lacks, or a
// service its profiles disable, is an error.
Result<std::vector<std::string>> up_targets(const compose::Project& project, const control::UpOptions& options);

// The pull policy `up` applies to a service's image: `--pull`, else its `pull_policy`,
// else `build` for a service with `build:` and `missing` for the others.
Result<image::PullPolicy> up_pull_policy(const compose::Service& service, const control::UpOptions& options);

// How many containers `up` wants of a service: --scale, else `deploy.replicas`/`scale`.
int wanted_replicas(const compose::Service& service, const control::UpOptions& options);

// Each target with its replicas, once the checks `up` makes before anything starts
// hold: a fixed container_name on one replica only, no host port published twice.
Result<std::vector<std::pair<std::string, int>>> checked_replicas(const compose::Project& project,
                                                                  const std::vector<std::string>& targets,
                                                                  const control::UpOptions& options);

// Whether the service's containers are attached to one of `networks` (its own
// networks, or the default one when it lists none and has a bridge network mode).
bool attaches_to(const compose::Service& service, const std::set<std::string>& networks);

// The networks the targets join whose bridge the project's network record says was made
// with another configuration than the file declares now: `up` makes them anew. A
// supervisor asks its live networks (Networking::ensure_networks), which made that
// record; `--dry-run`, which asks no supervisor, reads the record.
Result<std::set<std::string>> recorded_network_changes(const compose::Project& project,
                                                       const std::vector<std::string>& targets,
                                                       const state::ProjectPaths& paths);

// A target service as the project wants it now.
struct WantedService {
  std::string name;
  int replicas = 1;
  std::string config_hash, image_id, sources_digest;
  std::string volumes_hash;  // the definitions of the named volumes it mounts
  std::string fixed_name;    // its container_name, else replicas are `<prefix><n>` (naming.h)
  std::string prefix;        // "<project>-<service>-"

  std::string container(int number) const {
    return fixed_name.empty() ? prefix + std::to_string(number) : fixed_name;
  }
};

// The service as `up` wants it: its config hash, its secrets' and configs' digest
// (`environment` resolves those taken from variables), its named volumes' hash,
// `image_id`, how many replicas and how they are named.
Result<WantedService> wanted_service(const compose::Project& project, const compose::Service& service,
                                     const compose::Environment* environment, const std::string& image_id,
                                     const control::UpOptions& options);

// The warning `up` gives for an orphan it leaves, as Compose words it.
std::string orphan_warning(const std::string& container);

// What the decisions read of an existing container: its record.
struct ExistingContainer {
  std::string name, service;
  int number = 1;
  bool oneoff = false;
  std::string config_hash, image_id, sources_digest;
  std::optional<std::string> volumes_hash;  // none in records of an older pier: not compared
  bool on_changed_network = false;          // on a network `up` makes anew
};

struct UpDecisions {
  // Why a container goes before the new ones are created.
  enum class Removal { scale_down, recreate, dependent, orphan };
  struct Removed {
    std::string name;
    Removal why;
  };
  struct Created {
    std::string service;
    int number;
    std::string name;
  };
  std::vector<Removed> removed;           // in the order they are removed
  std::vector<std::string> kept;          // the targets' containers that stay as they are
  std::vector<std::string> orphans_left;  // containers of services the file lacks, left (with a warning)
  std::vector<Created> created;           // the replicas no container holds once the removals are done
};

// Per target (in `targets`' order), Compose's convergence: a container is obsolete when
// its config hash, image, secret/config content or named volumes' definitions differ,
// when it is on a network made anew, under --force-recreate, or as a dependency under
// --always-recreate-deps, and never under --no-recreate. The up-to-date replicas come
// first by number, then the obsolete ones; the first `replicas` stay (an obsolete one is
// recreated under its number) and the rest go, so scaling down never trades an
// up-to-date replica for a stale one. New replicas number on from the highest there was.
// The targets depending on a recreated service (`dependents`, each service's transitive
// dependents) are recreated too. Orphans go with --remove-orphans. One-off containers
// (`run`) are never touched.
UpDecisions decide_up(const std::vector<WantedService>& targets, const std::vector<ExistingContainer>& existing,
                      const std::set<std::string>& project_services,
                      const std::map<std::string, std::set<std::string>>& dependents, const control::UpOptions& options);

}  // namespace pier::supervisor
