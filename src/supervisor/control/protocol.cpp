#include "supervisor/control/protocol.h"

#include <fmt/format.h>

namespace pier::supervisor::control {
namespace {

using nlohmann::json;

// nlohmann's messages start with "[json.exception.type_error.302] ": the id says nothing
// to a user.
std::string reason_of(const json::exception& e) {
  std::string what = e.what();
  auto end = what.find("] ");
  return end == std::string::npos ? what : what.substr(end + 2);
}

// Reads the fields of one JSON object into typed members. A missing (or null) optional
// field keeps its default; the first field of the wrong type is remembered as the error,
// named by its path (`options.scale`).
class Fields {
 public:
  Fields(const json& object, std::string prefix = "") : object_(object), prefix_(std::move(prefix)) {}

  template <class T>
  Fields& optional(const char* key, T& out) {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null() || error_) return *this;
    try {
      out = it->template get<T>();
    } catch (const json::exception& e) {
      error_ = fmt::format("`{}{}`: {}", prefix_, key, reason_of(e));
    }
    return *this;
  }

  template <class T>
  Fields& optional(const char* key, std::optional<T>& out) {
    T value{};
    if (!has(key)) return *this;
    optional(key, value);
    out = std::move(value);
    return *this;
  }

  template <class T>
  Fields& required(const char* key, T& out) {
    if (!has(key) && !error_) error_ = fmt::format("`{}{}` is missing", prefix_, key);
    return optional(key, out);
  }

  bool has(const char* key) const {
    auto it = object_.find(key);
    return it != object_.end() && !it->is_null();
  }
  const std::optional<std::string>& error() const { return error_; }

 private:
  const json& object_;
  std::string prefix_;
  std::optional<std::string> error_;
};

Result<ProjectSource> source_in(const json& j) {
  if (!j.contains("source") || j["source"].is_null()) return Error("`source` is missing");
  if (!j["source"].is_object()) return Error("`source` must be an object");
  return source_from_json(j["source"]);
}

Result<UpOptions> up_options_in(const json& j) {
  UpOptions o;
  if (!j.contains("options")) return o;
  const json& options = j["options"];
  if (!options.is_object()) return Error("`options` must be an object");
  Fields f(options, "options.");
  f.optional("services", o.services)
      .optional("scale", o.scale)
      .optional("no_deps", o.no_deps)
      .optional("force_recreate", o.force_recreate)
      .optional("no_recreate", o.no_recreate)
      .optional("remove_orphans", o.remove_orphans)
      .optional("ignore_orphans", o.ignore_orphans)
      .optional("no_start", o.no_start)
      .optional("wait", o.wait)
      .optional("wait_timeout", o.wait_timeout_s)
      .optional("pull", o.pull)
      .optional("always_recreate_deps", o.always_recreate_deps)
      .optional("quiet_pull", o.quiet_pull);
  if (f.error()) return Error(*f.error());
  return o;
}

json to_json(const UpOptions& o) {
  return {{"services", o.services},
          {"scale", o.scale},
          {"no_deps", o.no_deps},
          {"force_recreate", o.force_recreate},
          {"no_recreate", o.no_recreate},
          {"remove_orphans", o.remove_orphans},
          {"ignore_orphans", o.ignore_orphans},
          {"no_start", o.no_start},
          {"wait", o.wait},
          {"wait_timeout", o.wait_timeout_s},
          {"pull", o.pull},
          {"always_recreate_deps", o.always_recreate_deps},
          {"quiet_pull", o.quiet_pull}};
}

const char* name_of(SignalRequest::Kind kind) {
  switch (kind) {
    case SignalRequest::Kind::kill: return "kill";
    case SignalRequest::Kind::pause: return "pause";
    case SignalRequest::Kind::unpause: return "unpause";
  }
  return "kill";
}

struct OpName {
  std::string operator()(const PingRequest&) const { return "ping"; }
  std::string operator()(const UpRequest&) const { return "up"; }
  std::string operator()(const RunRequest&) const { return "run"; }
  std::string operator()(const StartRequest&) const { return "start"; }
  std::string operator()(const StopRequest&) const { return "stop"; }
  std::string operator()(const RestartRequest&) const { return "restart"; }
  std::string operator()(const DownRequest&) const { return "down"; }
  std::string operator()(const RemoveRequest&) const { return "rm"; }
  std::string operator()(const SignalRequest& r) const { return name_of(r.kind); }
  std::string operator()(const EventsRequest&) const { return "events"; }
  std::string operator()(const AttachRequest&) const { return "attach"; }
};

void put_timeout(json& j, const std::optional<int>& timeout_s) {
  if (timeout_s) j["timeout"] = *timeout_s;
}

struct RequestJson {
  json& j;
  void operator()(const PingRequest&) const {}
  void operator()(const EventsRequest&) const {}
  void operator()(const AttachRequest& r) const { j["container"] = r.container; }
  void operator()(const UpRequest& r) const {
    j["source"] = supervisor::to_json(r.source);
    j["options"] = to_json(r.options);
  }
  void operator()(const RunRequest& r) const {
    const auto& o = r.overrides;
    j["source"] = supervisor::to_json(r.source);
    j.update({{"service", r.service}, {"name", r.name}, {"rm", r.rm}, {"detach", r.detach}, {"no_deps", r.no_deps},
              {"pull", r.pull}, {"command", o.command}, {"env", o.env}, {"user", o.user}, {"workdir", o.workdir},
              {"volumes", o.volumes}, {"publish", o.publish}, {"service_ports", o.service_ports}, {"tty", o.tty},
              {"interactive", o.interactive}, {"labels", o.labels}, {"cap_add", o.cap_add},
              {"cap_drop", o.cap_drop}, {"use_aliases", o.use_aliases},
              {"tty_rows", o.tty_rows}, {"tty_cols", o.tty_cols}});
    if (o.entrypoint) j["entrypoint"] = *o.entrypoint;
  }
  void operator()(const StartRequest& r) const { j["services"] = r.services; }
  void operator()(const StopRequest& r) const {
    j["services"] = r.services;
    put_timeout(j, r.timeout_s);
  }
  void operator()(const RestartRequest& r) const {
    j["services"] = r.services;
    j["no_deps"] = r.no_deps;
    put_timeout(j, r.timeout_s);
  }
  void operator()(const DownRequest& r) const {
    if (r.source) j["source"] = supervisor::to_json(*r.source);
    j.update({{"services", r.services}, {"volumes", r.volumes}, {"remove_orphans", r.remove_orphans}, {"rmi", r.rmi}});
    put_timeout(j, r.timeout_s);
  }
  void operator()(const RemoveRequest& r) const {
    j.update({{"services", r.services}, {"force", r.force}, {"stop", r.stop}, {"oneoffs", r.oneoffs}});
  }
  void operator()(const SignalRequest& r) const {
    j["services"] = r.services;
    if (r.containers) j["containers"] = *r.containers;
    if (r.kind == SignalRequest::Kind::kill) j["signal"] = r.signal;
  }
};

// The fields of `op`'s request; nullopt for an op this build does not know.
Result<std::optional<Request>> parse_fields(const std::string& op, const json& j) {
  using Parsed = Result<std::optional<Request>>;
  Fields f(j);
  auto done = [&f](Request request) -> Parsed {
    if (f.error()) return Error(*f.error());
    return std::optional<Request>(std::move(request));
  };
  if (op == "ping") return done(PingRequest{});
  if (op == "events") return done(EventsRequest{});
  if (op == "attach") {
    AttachRequest r;
    f.required("container", r.container);
    return done(std::move(r));
  }
  if (op == "up") {
    UpRequest r;
    PIER_TRY(r.source, source_in(j));
    PIER_TRY(r.options, up_options_in(j));
    return done(std::move(r));
  }
  if (op == "run") {
    RunRequest r;
    auto& o = r.overrides;
    PIER_TRY(r.source, source_in(j));
    f.required("service", r.service).optional("name", r.name).optional("rm", r.rm).optional("detach", r.detach);
    f.optional("no_deps", r.no_deps).optional("command", o.command).optional("entrypoint", o.entrypoint);
    f.optional("env", o.env).optional("user", o.user).optional("workdir", o.workdir).optional("volumes", o.volumes);
    f.optional("publish", o.publish).optional("service_ports", o.service_ports).optional("tty", o.tty);
    f.optional("interactive", o.interactive).optional("labels", o.labels).optional("cap_add", o.cap_add);
    f.optional("cap_drop", o.cap_drop).optional("use_aliases", o.use_aliases).optional("pull", r.pull);
    f.optional("tty_rows", o.tty_rows).optional("tty_cols", o.tty_cols);
    return done(std::move(r));
  }
  if (op == "start") {
    StartRequest r;
    f.optional("services", r.services);
    return done(std::move(r));
  }
  if (op == "stop" || op == "restart") {
    std::vector<std::string> services;
    std::optional<int> timeout_s;
    bool no_deps = false;
    f.optional("services", services).optional("timeout", timeout_s).optional("no_deps", no_deps);
    if (op == "stop") return done(StopRequest{std::move(services), timeout_s});
    return done(RestartRequest{std::move(services), timeout_s, no_deps});
  }
  if (op == "down") {
    DownRequest r;
    if (f.has("source")) {
      PIER_TRY(auto source, source_in(j));
      r.source = std::move(source);
    }
    f.optional("services", r.services).optional("volumes", r.volumes).optional("remove_orphans", r.remove_orphans);
    f.optional("rmi", r.rmi);
    f.optional("timeout", r.timeout_s);
    return done(std::move(r));
  }
  if (op == "rm") {
    RemoveRequest r;
    f.optional("services", r.services).optional("force", r.force).optional("stop", r.stop).optional("oneoffs", r.oneoffs);
    return done(std::move(r));
  }
  if (op == "kill" || op == "pause" || op == "unpause") {
    SignalRequest r;
    r.kind = op == "kill" ? SignalRequest::Kind::kill
           : op == "pause" ? SignalRequest::Kind::pause : SignalRequest::Kind::unpause;
    f.optional("services", r.services).optional("containers", r.containers).optional("signal", r.signal);
    return done(std::move(r));
  }
  return std::optional<Request>();
}

}  // namespace

std::string op_of(const Request& request) { return std::visit(OpName{}, request); }

nlohmann::json to_json(const Request& request) {
  json j = {{"op", op_of(request)}};
  std::visit(RequestJson{j}, request);
  return j;
}

Result<Request> parse_request(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("op") || !j["op"].is_string())
    return Error("malformed control request: expected a JSON object with a string `op`");
  std::string op = j["op"].get<std::string>();
  auto parsed = parse_fields(op, j);
  if (!parsed) return Error("malformed control request `" + op + "`: " + parsed.error().message());
  if (!*parsed) return Error("unknown request `" + op + "`");
  return std::move(**parsed);
}

namespace {

struct ReplyJson {
  json operator()(const Progress& p) const { return {{"progress", p.subject}, {"status", p.status}}; }
  json operator()(const Warning& w) const { return {{"warning", w.message}}; }
  json operator()(const ContainerEvent& e) const {
    return {{"time", e.time_ns}, {"type", "container"}, {"action", e.action},
            {"id", e.id},        {"name", e.name},      {"service", e.service},
            {"state", state::to_string(e.state)},       {"health", e.health},
            {"exit_code", e.exit_code},                 {"oneoff", e.oneoff}};
  }
  json operator()(const RunStarted& s) const { return {{"container", s.container}}; }
  json operator()(const RunExited& x) const { return {{"exit_code", x.exit_code}}; }
  json operator()(const Subscribed&) const { return {{"subscribed", true}}; }
  json operator()(const Attached& a) const {
    return {{"attached", true}, {"tty", a.tty}, {"stdin_open", a.stdin_open}, {"input", a.input}};
  }
  json operator()(const Done& d) const {
    json j = {{"done", true}};
    if (d.error) j["error"] = *d.error;
    if (d.exiting) j["exiting"] = true;
    return j;
  }
};

Result<ReplyLine> parse_event(const json& j) {
  ContainerEvent e;
  std::string state_text;
  Fields f(j);
  f.optional("time", e.time_ns).required("action", e.action).optional("id", e.id).required("name", e.name);
  f.optional("service", e.service).required("state", state_text).optional("health", e.health);
  f.optional("exit_code", e.exit_code).optional("oneoff", e.oneoff);
  if (f.error()) return Error("malformed container event: " + *f.error());
  auto state = state::parse_container_state(state_text);
  if (!state) return Error("malformed container event: unknown state `" + state_text + "`");
  e.state = *state;
  return ReplyLine(std::move(e));
}

}  // namespace

nlohmann::json to_json(const ReplyLine& line) { return std::visit(ReplyJson{}, line); }

Result<ReplyLine> parse_reply_line(const nlohmann::json& j) {
  if (!j.is_object()) return Error("malformed reply line from the supervisor: not a JSON object");
  Fields f(j);
  auto typed = [&f](ReplyLine line) -> Result<ReplyLine> {
    if (f.error()) return Error("malformed reply line from the supervisor: " + *f.error());
    return line;
  };
  if (j.contains("done")) {
    bool done = false;
    Done d;
    f.required("done", done).optional("error", d.error).optional("exiting", d.exiting);
    if (!f.error() && !done) return Error("malformed reply line from the supervisor: `done` is false");
    return typed(std::move(d));
  }
  if (j.contains("progress")) {
    Progress p;
    f.required("progress", p.subject).optional("status", p.status);
    return typed(std::move(p));
  }
  if (j.contains("warning")) {
    Warning w;
    f.required("warning", w.message);
    return typed(std::move(w));
  }
  if (auto type = j.find("type"); type != j.end() && *type == "container") return parse_event(j);
  if (j.contains("container")) {
    RunStarted s;
    f.required("container", s.container);
    return typed(std::move(s));
  }
  if (j.contains("exit_code")) {
    RunExited x;
    f.required("exit_code", x.exit_code);
    return typed(x);
  }
  if (j.contains("subscribed")) return ReplyLine(Subscribed{});
  if (j.contains("attached")) {
    Attached a;
    f.optional("tty", a.tty).optional("stdin_open", a.stdin_open).optional("input", a.input);
    return typed(a);
  }
  std::string keys;
  for (const auto& [key, value] : j.items()) keys += (keys.empty() ? "" : ", ") + key;
  return Error("unexpected reply line from the supervisor (keys: " + keys + ")");
}

}  // namespace pier::supervisor::control
