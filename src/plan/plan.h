// Translates one Compose service (plus its image's config) into a ServicePlan: what the
// supervisor needs to run one container of it. That is the runtime's ContainerSpec, the
// NetworkPlan supervisor/networking.cpp carries out, and the supervisor's own policies
// (health, restart, stop, logging). The runtime never sees Compose types (design.md),
// and the supervisor only acts on the plan: this library is the one place where a
// service becomes runtime and network data.
//
// Everything Docker does between `docker compose up` and the engine's container config
// happens here: the entrypoint/command and env merge with the image, volume sources,
// namespace modes, resource limits, security options, healthcheck defaults, labels,
// the networks a container joins with its names and addresses, /etc/hosts and
// resolv.conf.
// Errors name the service and, where the model kept a Mark, the compose file:line:col.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "compose/environment.h"
#include "compose/loader.h"
#include "compose/model.h"
#include "image/store/store.h"
#include "plan/network.h"
#include "runtime/spec.h"
#include "state/paths.h"

namespace pier::plan {

struct ContainerIdentity {
  std::string project, service, name, id /*64 hex*/;
  int number = 1;
  bool oneoff = false;
};

struct HealthSpec {
  std::vector<std::string> argv;  // CMD-SHELL already turned into {"/bin/sh", "-c", s}
  std::chrono::milliseconds interval{30000}, timeout{30000}, start_period{0}, start_interval{5000};
  int retries = 3;
};

enum class RestartKind { no, always, on_failure, unless_stopped };
struct RestartSpec {
  RestartKind kind = RestartKind::no;
  std::optional<int> max_retries;  // on-failure:N / deploy.restart_policy.max_attempts
};

// A volume prepare_volumes must make ready before spawn (the bind for it is already in
// spec.binds with `dir` as its source).
struct VolumePrep {
  std::string name;    // the volume's real name (`<project>_<key>`), empty when anonymous
  std::string dir;     // host directory: <root>/volumes/<name>/_data or under the scratch dir
  std::string target;  // mount point in the container: where image content is copied from
  bool copy_image_content = true;  // false with `volume.nocopy` or a `subpath`
  bool external = false;           // must exist already; pier never creates it
};

// A post_start or pre_stop hook: one process the supervisor execs into the running
// container as `pier exec` does (its namespaces, cgroup, capabilities, seccomp, limits).
struct HookSpec {
  runtime::Process process;  // argv; the container's env with the hook's over it; its user and workdir by default
  bool privileged = false;   // the hook's `privileged:`: every capability, no seccomp filter
};

struct ServicePlan {
  runtime::ContainerSpec spec;       // with /etc/hosts, resolv.conf and hostname as files 0, 1 and 2
  std::optional<HealthSpec> health;  // service healthcheck merged over the image's; none when disabled/NONE
  RestartSpec restart;
  int stop_signal = SIGTERM;         // stop_signal, else the image's StopSignal
  std::chrono::milliseconds stop_grace{10000};
  std::vector<HookSpec> post_start;  // run in order once the container runs (a command's start, not a restart's)
  std::vector<HookSpec> pre_stop;    // run in order before the stop signal, within the stop grace period
  std::map<std::string, std::string> labels;  // image labels < service labels < com.docker.compose.*
  std::string command_display;       // `ps` COMMAND: "\"/bin/sh -c 'sleep 5'\"" (untruncated)
  bool stdin_open = false;           // keep stdin open (the supervisor owns the fds)
  std::string seccomp_profile_path;  // security_opt seccomp=<file>, for the container record
  std::vector<VolumePrep> volumes;   // named and anonymous volumes, for prepare_volumes
  // What `volumes_from` copies from this container, as Docker copies a container's mount
  // points: its bind mounts and named and anonymous volumes (its own `volumes:`, the
  // image's VOLUMEs and what it copied through its own `volumes_from`). Not its tmpfs or
  // image mounts, nor what pier binds for its own ends (secrets, desktop, CDI).
  std::vector<runtime::BindMount> volume_mounts;
  // The images its `type: image` volumes mount (ids): in use while it exists, as its
  // own image is (`pier image rm` refuses them).
  std::vector<std::string> mounted_image_ids;
  std::map<std::string, std::string> log_options;  // logging.options: rotation of its log
  NetworkPlan network;               // what supervisor/networking.cpp attaches
  bool network_attach = true;        // bridge or none: the attach hook runs between clone and exec
  // Namespaces joined through another container's pid (`pid: service:x`, `ipc:`,
  // `network_mode:` without held namespaces): planned with the pid find_pid gave (0
  // when x exists but does not run yet), looked up again at every start, since x may
  // have started or restarted since. key: "net", "pid", "ipc" or "uts".
  struct NamespaceJoin {
    std::string key, mode;
  };
  std::vector<NamespaceJoin> namespace_joins;
  std::vector<std::string> warnings; // accepted but not applied: "compose.yaml:7:5: service \"web\": ..."
};

// Where x-pier-desktop looks on the host (tests point these at temporary directories).
struct DesktopHostPaths {
  std::string x11_socket_dir = "/tmp/.X11-unix";
  std::string sound_devices = "/dev/snd";
  std::string gpu_devices = "/dev/dri";
};

struct PlanInputs {
  const compose::Project* project = nullptr;
  const compose::Service* service = nullptr;
  const image::ResolvedImage* image = nullptr;
  ContainerIdentity id;
  state::ProjectPaths paths;
  std::string config_hash;
  // `service:<name>` / `container:<name>` in network_mode, pid, ipc -> the pid (host view)
  // of a process in that running container, or 0 when it exists but does not run yet
  // (the start looks it up again). Called with the mode as written.
  std::function<Result<pid_t>(const std::string& mode)> find_pid;
  // Network and UTS namespaces held in files across restarts (state::ProjectPaths::
  // held_netns): `held` when this container's are (others share them), and, for
  // `network_mode: service:/container:`, the provider's files when it has them.
  struct HeldNamespaces {
    std::string net, uts;
  };
  std::optional<HeldNamespaces> held;
  std::function<Result<std::optional<HeldNamespaces>>(const std::string& mode)> find_held;
  // `volumes_from`: the volume_mounts of the container an entry names, given as written
  // without its mode ("db" for the first replica of service db, "container:name"); an
  // error that says why when there is no such container.
  std::function<Result<std::vector<runtime::BindMount>>(const std::string& source)> find_volumes;
  // `type: image` volumes: the image a mount names, from the local store (the caller
  // pulls it first, as it does the service's image).
  std::function<Result<image::ResolvedImage>(const std::string& reference)> find_image;
  // The variables the project was loaded with, for secrets/configs with `environment:`.
  const compose::Environment* environment = nullptr;
  DesktopHostPaths desktop_host;
};

Result<ServicePlan> plan_container(const PlanInputs& in);

// sha256 over the content of every secret and config the service uses ("" when it uses
// none): `up` recreates a container when it changes, so exactly the services using an
// updated source are recreated. Only the digest is stored, never a value. Errors as
// plan_container gives them (a missing file, an unset variable).
Result<std::string> sources_digest(const compose::Project& project, const compose::Service& service,
                                   const compose::Environment* environment);
// The variables secrets and configs take their value from (`environment:`, and those a
// config's `content` interpolates): never written to disk with the project's source.
std::vector<std::string> secret_source_variables(const compose::Project& project,
                                                 const compose::LoadOptions& load);

// The images a service mounts (`type: image` volumes), in order, without duplicates:
// what `up` and `run` pull besides the service's own image.
std::vector<std::string> mounted_images(const compose::Service& service);

// Named volumes: creates <root>/volumes/<name>/_data and anonymous volumes under the
// container's scratch dir. A volume pier creates now is filled with the image's content
// at the mount target first (as Docker does), unless `volume.nocopy` is set; an existing
// volume is never touched. External volumes must exist. Called before spawn.
Status prepare_volumes(const PlanInputs& in, const ServicePlan& plan);

}  // namespace pier::plan
