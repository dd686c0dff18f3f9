// One container as the supervisor last recorded it, a JSON file written atomically on
// every change. It outlives the supervisor: `ps`, `logs` and `exec` read it, and a new
// supervisor adopts the running containers it finds here after a crash (design rule 4).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::state {

// Docker's container states, as `ps` prints them.
enum class ContainerState { created, running, restarting, paused, exited, dead, removing };
const char* to_string(ContainerState state);
std::optional<ContainerState> parse_container_state(const std::string& text);
// Running, paused, or restarting (between two runs under a restart policy): what `ps`
// lists without -a, and a container whose image and root are in use.
bool is_up(ContainerState state);

struct PublishedPort {
  std::string host_ip;  // "0.0.0.0", "::", or the configured address
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  std::string protocol = "tcp";
};

struct EndpointRecord {
  std::string network;  // Compose network name
  std::string host_veth;
  std::string ifname;
  std::string ipv4;
  std::string ipv6;
  std::string mac;
  std::vector<std::string> names;  // DNS names registered for this container there
};

struct RlimitRecord {
  int resource = 0;  // RLIMIT_*
  uint64_t soft = 0, hard = 0;
};

struct ContainerRecord {
  std::string name;      // "<project>-<service>-<n>" or container_name
  std::string id;        // 64 hex digits, as Docker's container IDs
  std::string project;
  std::string service;
  int number = 1;        // replica number
  bool oneoff = false;   // `pier run`
  std::string config_hash;
  // sha256 of its secrets' and configs' content (never the content): `up` recreates the
  // container when a source changed. Empty when the service uses none.
  std::string sources_digest;
  // compose::service_volumes_hash when it was made: `up` recreates the container when
  // its named volumes' definitions changed. Absent in records of an older pier, which
  // are not compared.
  std::optional<std::string> volumes_hash;
  // compose::pre_start_hash of the service's pre_start steps once they all succeeded
  // before this container started: `up` does not run them again while it matches.
  std::string pre_start_done;
  std::string image;     // as written in the service
  std::string image_id;  // sha256:...
  std::vector<std::string> mounted_image_ids;  // of its `type: image` volumes
  std::string command;   // for `ps`: entrypoint + command, quoted
  std::map<std::string, std::string> labels;

  ContainerState state = ContainerState::created;
  std::string health;    // "", "starting", "healthy", "unhealthy"
  int exit_code = 0;
  // The kernel's OOM killer killed a process of its last run (Docker's State.OOMKilled),
  // read from the cgroup's memory events at exit, before the cgroup is removed.
  bool oom_killed = false;
  pid_t pid = 0;         // host pid of the container's init while running
  uint64_t pid_start_time = 0;  // /proc/<pid>/stat field 22: tells a reused pid apart
  int64_t created_at = 0;       // unix nanoseconds
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int restart_count = 0;
  bool stopped_by_user = false;  // `stop`: unless-stopped does not come back on `up`

  std::string scratch_dir;  // the runtime's state_dir
  std::string cgroup;       // pier/<project>/<name>
  std::vector<PublishedPort> ports;
  // Ports the container exposes ("443/tcp": the image's EXPOSE, the service's `expose`),
  // shown by `ps` as Docker lists them, published or not.
  std::vector<std::string> exposed;
  std::vector<EndpointRecord> endpoints;

  // What `exec` needs to enter the container like Docker does.
  std::vector<std::string> env;
  std::string user;
  std::vector<std::string> group_add;  // exec keeps them, as docker exec keeps GroupAdd
  std::string working_dir;
  bool privileged = false;
  std::string seccomp;  // "default", "unconfined", or a profile file path
  std::vector<std::string> cap_add, cap_drop;
  std::vector<RlimitRecord> rlimits;  // the service's ulimits
  std::optional<int> oom_score_adj;
  bool no_new_privs = false;
};

std::string to_json(const ContainerRecord& record);
Result<ContainerRecord> record_from_json(const std::string& text, const std::string& path_for_errors);

// What a project's records directory holds: the records that parse, and the names of the
// files that do not (a record truncated while the supervisor was down). The name is the
// file's stem, which is the container's name: enough to find its cgroup and scratch dir.
struct RecordScan {
  std::vector<ContainerRecord> records;  // sorted as RecordStore::list()
  std::vector<std::string> unreadable;   // sorted
};

// The records of one project (<run>/<project>/containers).
class RecordStore {
 public:
  explicit RecordStore(std::string dir) : dir_(std::move(dir)) {}
  Status write(const ContainerRecord& record) const;  // atomic; creates the directory
  Result<ContainerRecord> read(const std::string& name) const;
  // Sorted by service, then number. One bad file must not make the whole project
  // unmanageable: an unreadable record is skipped with a warning that names the file.
  Result<std::vector<ContainerRecord>> list() const;
  // As list(), but reports the unreadable files instead of warning: for what must act on
  // them (`down` destroys their containers) or must not lose them (the supervisor's exit).
  Result<RecordScan> scan() const;
  Status remove(const std::string& name) const;  // missing is fine
  const std::string& dir() const { return dir_; }

 private:
  // <dir>/<name>.json, refused when `name` is not one path component.
  Result<std::string> file_of(const std::string& name) const;
  std::string dir_;
};

// True when `pid` is still the process recorded (same start time) — a pid reused by
// another process after a reboot or a long stop is not ours.
bool process_matches(pid_t pid, uint64_t start_time);
// /proc/<pid>/stat field 22 (starttime), 0 if the process is gone.
uint64_t process_start_time(pid_t pid);

// Projects that have a run directory under `run_base`, with a live supervisor or records.
std::vector<std::string> list_projects(const std::string& run_base);

}  // namespace pier::state
