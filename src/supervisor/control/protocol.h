// What the CLI and the supervisor say over the control socket, as types. A request is
// one JSON line `{"op": "...", ...}`; the server parses it once into a `Request` and the
// supervisor dispatches on its alternative, so no handler reads JSON fields by name.
// The reply is a stream of `ReplyLine`s ending with `Done` (server.h). Both ends are
// built from this file, so a CLI and a supervisor of one build always agree, and a CLI
// hands a supervisor of another build over instead of talking to it
// (app/supervisor_connect.cpp); the JSON names are kept as they were, field by field.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "state/container_record.h"
#include "supervisor/project_source.h"

namespace pier::supervisor::control {

// ---- Requests ----

// Is anyone there (and, for a new supervisor, adopt what a crashed one left).
struct PingRequest {};

// `up` and `create`: how the project's containers should be made to match its files.
struct UpOptions {
  std::vector<std::string> services;  // empty: every enabled service
  std::map<std::string, int> scale;
  bool no_deps = false;
  bool force_recreate = false;
  bool no_recreate = false;
  bool remove_orphans = false;
  bool ignore_orphans = false;   // COMPOSE_IGNORE_ORPHANS: no "Found orphan container" warning
  bool no_start = false;
  bool wait = false;             // reply only when running/healthy (or completed)
  int wait_timeout_s = 0;        // 0: no limit
  std::string pull;              // --pull: always, missing, never ("" = per service)
  bool always_recreate_deps = false;  // the dependencies of `services` are recreated too
  bool quiet_pull = false;            // no "Image x  Pulling" lines
};

struct UpRequest {
  ProjectSource source;
  UpOptions options;
};

// What `pier run` changes in the service for its one-off container (run_overrides.h).
struct RunOverrides {
  std::vector<std::string> command;       // empty: the service's
  std::optional<std::string> entrypoint;  // --entrypoint, split on spaces
  std::vector<std::string> env;           // KEY=VALUE
  std::string user, workdir;              // empty: the service's
  std::vector<std::string> volumes;       // -v SRC:DST[:ro|rw]
  std::vector<std::string> publish;       // -p [IP:]HOST:CONTAINER[/PROTO]
  bool service_ports = false;
  bool tty = false;
  int tty_rows = 0, tty_cols = 0;  // the CLI's terminal, so the pty starts at its size (0: 24x80)
  bool interactive = true;
  std::vector<std::string> labels;             // -l KEY=VALUE, over the service's
  std::vector<std::string> cap_add, cap_drop;  // added to the service's
  bool use_aliases = false;  // answer to the service's name and aliases, not only its own
};

// The CLI's stdin, stdout and stderr travel with it (SCM_RIGHTS) unless `detach`.
struct RunRequest {
  ProjectSource source;
  std::string service;
  std::string name;  // empty: <project>-<service>-run-<id>
  bool rm = false, detach = false, no_deps = false;
  std::string pull;  // --pull: always, missing, never ("" = missing, for the one-off's image)
  RunOverrides overrides;
};

// start, stop and restart act on the containers of `services` (all when empty).
struct StartRequest {
  std::vector<std::string> services;
};
struct StopRequest {
  std::vector<std::string> services;
  std::optional<int> timeout_s;  // none: each service's stop_grace_period
};
struct RestartRequest {
  std::vector<std::string> services;
  std::optional<int> timeout_s;
  bool no_deps = false;  // not the services that depend on them with `restart: true`
};

struct DownRequest {
  std::optional<ProjectSource> source;  // none: act on what the supervisor has
  // Only these services' containers and those of the services that depend on them;
  // the networks go only once no container is left. Empty: the whole project.
  std::vector<std::string> services;
  bool volumes = false;
  bool remove_orphans = false;
  std::string rmi;  // "", "local" or "all"
  std::optional<int> timeout_s;
};

struct RemoveRequest {
  std::vector<std::string> services;
  bool force = false;  // also running containers
  bool stop = false;   // stop running ones first
  bool oneoffs = false;  // also `run` one-offs (run --remove-orphans); rm leaves them
};

// kill, pause and unpause: the named containers, else those of `services`.
struct SignalRequest {
  enum class Kind { kill, pause, unpause };
  Kind kind = Kind::kill;
  std::vector<std::string> services;
  std::optional<std::vector<std::string>> containers;
  std::string signal = "SIGKILL";  // kill only: a name or a number
};

// Container events until the client hangs up.
struct EventsRequest {};

// `attach`: the container's input. The CLI passes one end of a socket pair with it (as
// `run -t` does, console_socket.h); the supervisor sends over it the pty master of a
// `tty: true` container, or the write end of a `stdin_open: true` container's stdin,
// then answers `Attached`. The CLI reads the output from the log, as before.
struct AttachRequest {
  std::string container;
};

using Request = std::variant<PingRequest, UpRequest, RunRequest, StartRequest, StopRequest, RestartRequest,
                             DownRequest, RemoveRequest, SignalRequest, EventsRequest, AttachRequest>;

// The request's `op` on the wire ("up", "kill", ...).
std::string op_of(const Request& request);
nlohmann::json to_json(const Request& request);
// An error names the op and the field that is missing or of the wrong type.
Result<Request> parse_request(const nlohmann::json& json);

// ---- Reply lines ----

// " Container web-1  Started": what a request did to one object.
struct Progress {
  std::string subject;  // "Container web-1", "Network p_default"
  std::string status;   // "Started", "Removed"
};

struct Warning {
  std::string message;
};

// One container changed (the `events` stream).
struct ContainerEvent {
  int64_t time_ns = 0;
  std::string action;  // create, start, die, ...
  std::string id, name, service;
  state::ContainerState state = state::ContainerState::created;
  std::string health;
  int exit_code = 0;
  bool oneoff = false;
};

// `run`: its container is started (detached: the reply ends next).
struct RunStarted {
  std::string container;
};

// `run`: its container exited with this code.
struct RunExited {
  int exit_code = 0;
};

// `events`: every event after this line is delivered.
struct Subscribed {};

// `attach`: what the container's input is. `input`: a descriptor went over the socket
// pair (the pty master when `tty`, else the stdin pipe); none when the container keeps
// no stdin (no `stdin_open`) or lost its terminal with a crashed supervisor.
struct Attached {
  bool tty = false;
  bool stdin_open = false;
  bool input = false;
};

// The last line of every reply but a stream's: `{"done": true[, "error": "..."]}`.
// `exiting`: the supervisor was exiting and did not read the request (it may be sent to
// a new supervisor).
struct Done {
  std::optional<std::string> error;
  bool exiting = false;
  Status status() const { return error ? Status(Error(*error)) : Status{}; }
};

using ReplyLine = std::variant<Progress, Warning, ContainerEvent, RunStarted, RunExited, Subscribed, Attached, Done>;

nlohmann::json to_json(const ReplyLine& line);
// A line none of the alternatives describes is an error naming its keys.
Result<ReplyLine> parse_reply_line(const nlohmann::json& json);

}  // namespace pier::supervisor::control
