// Where a project's files live. Runtime state (control socket, lock, container records,
// per-container scratch) is under the run directory, which a reboot empties; logs and
// named volumes are under the root and survive it.
//
//   <run>/<project>/lock                 held by the project's supervisor
//   <run>/<project>/supervisor.pid       pid of the supervisor
//   <run>/<project>/control.sock         the control socket (JSON lines)
//   <run>/<project>/supervisor.log       what a detached supervisor prints
//   <run>/<project>/project.json         where the project was loaded from (last `up`)
//   <run>/<project>/containers/<name>.json   one record per container
//   <run>/<project>/scratch/<name>/      the runtime's state_dir (upper, work, files, and
//                                        private: an empty mount point for secrets)
//   <run>/<project>/ns/<name>.net|.uts   the network and UTS namespaces of a container
//                                        others join (network_mode service:/container:),
//                                        held by nsfs bind mounts across its restarts
//   <root>/containers/<project>/<name>/  container logs (json-file, rotated)
//   <root>/volumes/<volume>/_data        named volumes
//   <root>/volumes/_anonymous/<project>/<name>/   a container's anonymous volumes
//
// <run> is the default run directory for the default root and <root>/run otherwise, so
// a test with its own --root never meets another test's projects. The defaults are
// /var/lib/pier and /run/pier for root; a user's pier (rootless/locations.h) sets its
// own at start-up.
//
// Kernel objects have no root to live under, so their names carry it: see kernel_name.
#pragma once

#include <string>

#include "base/result.h"

namespace pier::state {

inline constexpr const char* kDefaultRoot = "/var/lib/pier";
inline constexpr const char* kDefaultRun = "/run/pier";

// Replaces kDefaultRoot and kDefaultRun as the defaults for this process. Called once,
// first thing in main, before anything reads them.
void use_default_locations(std::string root, std::string run);
// The data root when no --root or PIER_ROOT is given.
const std::string& default_root();

// Every path joined from a container or volume name goes through join_beneath
// (base/path_name.h): a name that is not one plain path component is an error here,
// whatever the compose checks let through.
struct ProjectPaths {
  std::string root;     // --root
  std::string project;  // project name
  std::string run;      // <run>/<project>
  // The project's name among kernel objects: its cgroups (pier/<kernel_name>/<container>),
  // its nft table, and the hash behind its bridge and veth names. It is the project name
  // when <run> is /run/pier (the default root, whose objects keep the names they always
  // had; never a user's), else `<project>.<8 hex>`, the hex from the real path of <run>. Supervisors that
  // can run side by side hold different locks (<run>/<project>/lock) and so get different
  // kernel names; and it depends on nothing else, so a supervisor started after a crash
  // finds the objects of the one before. No project name has a `.`, so a scoped name
  // never equals a default root's.
  std::string kernel_name;

  std::string lock_file() const { return run + "/lock"; }
  std::string supervisor_pid_file() const { return run + "/supervisor.pid"; }
  std::string control_socket() const { return run + "/control.sock"; }
  std::string supervisor_log() const { return run + "/supervisor.log"; }
  // The last `up`'s project source: a new supervisor reloads it to adopt containers.
  std::string project_source_file() const { return run + "/project.json"; }
  std::string records_dir() const { return run + "/containers"; }
  Result<std::string> scratch_dir(const std::string& container) const;
  std::string held_ns_dir() const { return run + "/ns"; }
  Result<std::string> held_netns(const std::string& container) const;
  Result<std::string> held_utsns(const std::string& container) const;
  // <root>/containers/<project>: its containers' log dirs; `down` removes it once empty.
  std::string project_logs_dir() const { return root + "/containers/" + project; }
  Result<std::string> log_dir(const std::string& container) const;
  Result<std::string> log_file(const std::string& container) const;
  // <root>/volumes/<volume>: what `down -v` removes; the data is in its `_data`.
  Result<std::string> volume_root(const std::string& volume) const;
  Result<std::string> volume_dir(const std::string& volume) const;
  // A container's anonymous volumes: on disk (the run directory may be tmpfs), removed
  // with the container.
  Result<std::string> anonymous_volumes_dir(const std::string& container) const;
  std::string net_state_dir() const { return root + "/network"; }
};

// The run directory for all projects under `root`.
std::string run_base(const std::string& root);
// ProjectPaths::kernel_name of `project` under `root`.
std::string kernel_name(const std::string& root, const std::string& project);
Result<ProjectPaths> project_paths(const std::string& root, const std::string& project);

}  // namespace pier::state
