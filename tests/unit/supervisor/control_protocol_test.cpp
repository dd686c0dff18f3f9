// The control protocol as data: every request and reply line survives the trip through
// its JSON line, and a malformed line is an error naming the op and the field.
#include <catch2/catch.hpp>

#include "supervisor/control/protocol.h"

namespace control = pier::supervisor::control;
using nlohmann::json;
using pier::state::ContainerState;

namespace {

pier::supervisor::ProjectSource a_source() {
  pier::supervisor::ProjectSource s;
  s.load.files = {"/srv/app/compose.yml"};
  s.load.project_name = "app";
  s.load.working_directory = "/srv/app";
  s.load.environment = {{"TAG", "1.2"}};
  s.load.stdin_text = "services: {}";
  s.profiles = {"debug"};
  s.targeted = {"web"};
  return s;
}

// Through the wire and back: the same JSON line again.
control::Request round_trip(const control::Request& request) {
  auto line = json::parse(control::to_json(request).dump());
  auto parsed = control::parse_request(line);
  REQUIRE(parsed.ok());
  CHECK(control::to_json(*parsed) == control::to_json(request));
  CHECK(control::op_of(*parsed) == control::op_of(request));
  return *parsed;
}

std::string error_of(const json& line) {
  auto parsed = control::parse_request(line);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().message();
}

}  // namespace

TEST_CASE("protocol: up keeps its source and every option", "[control]") {
  control::UpRequest up{a_source(), {}};
  up.options.services = {"web", "db"};
  up.options.scale = {{"web", 3}};
  up.options.no_deps = up.options.force_recreate = up.options.remove_orphans = up.options.wait = true;
  up.options.ignore_orphans = true;
  up.options.wait_timeout_s = 30;
  up.options.pull = "always";
  up.options.always_recreate_deps = up.options.quiet_pull = true;
  auto back = std::get<control::UpRequest>(round_trip(up));
  CHECK(back.source.load.files == up.source.load.files);
  CHECK(back.source.load.stdin_text == up.source.load.stdin_text);
  CHECK(back.source.targeted == up.source.targeted);
  CHECK(back.options.scale == up.options.scale);
  CHECK(back.options.wait_timeout_s == 30);
  CHECK(back.options.pull == "always");
  CHECK(back.options.ignore_orphans);
  CHECK(back.options.remove_orphans);
  CHECK(back.options.always_recreate_deps);
  CHECK(back.options.quiet_pull);
  CHECK(control::to_json(up)["op"] == "up");
}

TEST_CASE("protocol: run keeps its overrides, an absent entrypoint stays absent", "[control]") {
  control::RunRequest run;
  run.source = a_source();
  run.service = "web";
  run.name = "one";
  run.rm = run.detach = true;
  run.overrides.command = {"sh", "-c", "exit 3"};
  run.overrides.env = {"A=1"};
  run.overrides.volumes = {"./data:/data:ro"};
  run.overrides.publish = {"8080:80"};
  run.overrides.user = "1000";
  run.overrides.interactive = false;
  auto back = std::get<control::RunRequest>(round_trip(run));
  CHECK(back.service == "web");
  CHECK(back.overrides.command == run.overrides.command);
  CHECK_FALSE(back.overrides.entrypoint);
  CHECK_FALSE(back.overrides.interactive);
  run.overrides.entrypoint = "";
  CHECK(std::get<control::RunRequest>(round_trip(run)).overrides.entrypoint == std::string());
}

TEST_CASE("protocol: run keeps --pull, -l, --cap-add, --cap-drop, --use-aliases, -t and the terminal size", "[control]") {
  control::RunRequest run;
  run.source = a_source();
  run.service = "web";
  run.pull = "never";
  run.overrides.labels = {"a=1", "b="};
  run.overrides.cap_add = {"NET_ADMIN"};
  run.overrides.cap_drop = {"CHOWN", "KILL"};
  run.overrides.use_aliases = true;
  run.overrides.tty = true;
  run.overrides.tty_rows = 30;
  run.overrides.tty_cols = 100;
  auto back = std::get<control::RunRequest>(round_trip(run));
  CHECK(back.overrides.tty_rows == 30);
  CHECK(back.overrides.tty_cols == 100);
  CHECK(back.pull == "never");
  CHECK(back.overrides.labels == run.overrides.labels);
  CHECK(back.overrides.cap_add == run.overrides.cap_add);
  CHECK(back.overrides.cap_drop == run.overrides.cap_drop);
  CHECK(back.overrides.use_aliases);
  CHECK(back.overrides.tty);
  // A request from an older CLI (no such fields) keeps Compose's defaults.
  control::RunRequest minimal;
  minimal.source = a_source();
  minimal.service = "web";
  auto older = control::to_json(minimal);
  for (const char* key : {"pull", "labels", "cap_add", "cap_drop", "use_aliases"}) older.erase(key);
  auto parsed = control::parse_request(older);
  REQUIRE(parsed.ok());
  const auto& plain = std::get<control::RunRequest>(*parsed);
  CHECK(plain.pull.empty());
  CHECK(plain.overrides.labels.empty());
  CHECK_FALSE(plain.overrides.use_aliases);
  auto bad = control::to_json(run);
  bad["cap_add"] = "NET_ADMIN";
  CHECK(error_of(bad).find("`cap_add`") != std::string::npos);
}

TEST_CASE("protocol: the service requests keep services, timeouts and signals", "[control]") {
  round_trip(control::PingRequest{});
  round_trip(control::EventsRequest{});
  CHECK(std::get<control::AttachRequest>(round_trip(control::AttachRequest{"app-web-1"})).container == "app-web-1");
  round_trip(control::StartRequest{{"web"}});
  CHECK(std::get<control::StopRequest>(round_trip(control::StopRequest{{"web"}, 0})).timeout_s == 0);
  CHECK_FALSE(std::get<control::StopRequest>(round_trip(control::StopRequest{{}, std::nullopt})).timeout_s);
  CHECK(std::get<control::RestartRequest>(round_trip(control::RestartRequest{{"db"}, 7})).timeout_s == 7);
  auto rm = std::get<control::RemoveRequest>(round_trip(control::RemoveRequest{{"web"}, true, true}));
  CHECK((rm.force && rm.stop));

  auto restart = std::get<control::RestartRequest>(round_trip(control::RestartRequest{{"db"}, std::nullopt, true}));
  CHECK(restart.no_deps);
  CHECK_FALSE(std::get<control::RestartRequest>(round_trip(control::RestartRequest{{"db"}, 7})).no_deps);

  control::DownRequest down{a_source(), {"db"}, true, true, "local", 3};
  auto back = std::get<control::DownRequest>(round_trip(down));
  CHECK(back.source);
  CHECK(back.services == std::vector<std::string>{"db"});
  CHECK(back.rmi == "local");
  CHECK_FALSE(std::get<control::DownRequest>(round_trip(control::DownRequest{})).source);

  control::SignalRequest kill;
  kill.containers = std::vector<std::string>{"app-web-run-1"};
  kill.signal = "SIGINT";
  auto k = std::get<control::SignalRequest>(round_trip(kill));
  CHECK(k.kind == control::SignalRequest::Kind::kill);
  CHECK(k.containers == kill.containers);
  CHECK(k.signal == "SIGINT");
  for (auto kind : {control::SignalRequest::Kind::pause, control::SignalRequest::Kind::unpause}) {
    control::SignalRequest r;
    r.kind = kind;
    r.services = {"web"};
    CHECK(std::get<control::SignalRequest>(round_trip(r)).kind == kind);
  }
}

TEST_CASE("protocol: a request with missing fields takes the defaults", "[control]") {
  auto stop = control::parse_request(json{{"op", "stop"}});
  REQUIRE(stop.ok());
  CHECK(std::get<control::StopRequest>(*stop).services.empty());
  auto source = control::to_json(control::UpRequest{a_source(), {}})["source"];
  auto up = control::parse_request(json{{"op", "up"}, {"source", source}, {"options", {{"no_start", true}}}});
  REQUIRE(up.ok());
  CHECK(std::get<control::UpRequest>(*up).options.no_start);
  CHECK(std::get<control::UpRequest>(*up).options.wait_timeout_s == 0);
  auto kill = control::parse_request(json{{"op", "kill"}, {"timeout", nullptr}});
  REQUIRE(kill.ok());
  CHECK(std::get<control::SignalRequest>(*kill).signal == "SIGKILL");
}

TEST_CASE("protocol: a malformed request names the op and the field", "[control]") {
  CHECK(error_of(json::array()).find("expected a JSON object with a string `op`") != std::string::npos);
  CHECK(error_of(json{{"services", json::array()}}).find("string `op`") != std::string::npos);
  CHECK(error_of(json{{"op", 3}}).find("string `op`") != std::string::npos);
  CHECK(error_of(json{{"op", "launch"}}) == "unknown request `launch`");
  CHECK(error_of(json{{"op", "stop"}, {"timeout", "ten"}}).find("malformed control request `stop`: `timeout`") == 0);
  CHECK(error_of(json{{"op", "rm"}, {"force", "yes"}}).find("`force`") != std::string::npos);
  CHECK(error_of(json{{"op", "kill"}, {"containers", "web"}}).find("`containers`") != std::string::npos);
  CHECK(error_of(json{{"op", "up"}}).find("malformed control request `up`: `source` is missing") == 0);
  auto source = control::to_json(control::UpRequest{a_source(), {}})["source"];
  CHECK(error_of(json{{"op", "up"}, {"source", source}, {"options", {{"scale", {{"web", "many"}}}}}})
            .find("`options.scale`") != std::string::npos);
  CHECK(error_of(json{{"op", "up"}, {"source", source}, {"options", "fast"}}).find("`options` must be an object") !=
        std::string::npos);
  CHECK(error_of(json{{"op", "up"}, {"source", {{"files", 1}}}}).find("malformed project source") != std::string::npos);
  CHECK(error_of(json{{"op", "run"}, {"source", source}}).find("`service` is missing") != std::string::npos);
  CHECK(error_of(json{{"op", "attach"}}).find("malformed control request `attach`: `container` is missing") == 0);
  CHECK(error_of(json{{"op", "run"}, {"source", source}, {"service", "web"}, {"command", "ls"}}).find("`command`") !=
        std::string::npos);
}

TEST_CASE("protocol: reply lines survive the trip, container states as enums", "[control]") {
  control::ContainerEvent event{1700000000123456789, "die", "abc", "app-web-1", "web", ContainerState::restarting,
                                "unhealthy", 137, false};
  std::vector<control::ReplyLine> lines = {control::Progress{"Container app-web-1", "Started"},
                                           control::Warning{"port 80 is taken"},
                                           event,
                                           control::RunStarted{"app-web-run-1"},
                                           control::RunExited{3},
                                           control::Subscribed{},
                                           control::Attached{true, true, true},
                                           control::Attached{false, false, false},
                                           control::Done{},
                                           control::Done{"no such service: x"}};
  for (const auto& line : lines) {
    auto parsed = control::parse_reply_line(json::parse(control::to_json(line).dump()));
    REQUIRE(parsed.ok());
    CHECK(parsed->index() == line.index());
    CHECK(control::to_json(*parsed) == control::to_json(line));
  }
  auto back = std::get<control::ContainerEvent>(*control::parse_reply_line(control::to_json(event)));
  CHECK(back.state == ContainerState::restarting);
  CHECK(back.exit_code == 137);
  CHECK(back.time_ns == event.time_ns);
  auto failed = std::get<control::Done>(*control::parse_reply_line(json{{"done", true}, {"error", "boom"}}));
  REQUIRE_FALSE(failed.status().ok());
  CHECK(failed.status().error().message() == "boom");
}

TEST_CASE("protocol: a malformed reply line is an error, not a guess", "[control]") {
  auto message = [](const json& j) {
    auto parsed = control::parse_reply_line(j);
    REQUIRE_FALSE(parsed.ok());
    return parsed.error().message();
  };
  CHECK(message(json::array()).find("not a JSON object") != std::string::npos);
  CHECK(message(json{{"frobnicate", 1}}).find("keys: frobnicate") != std::string::npos);
  CHECK(message(json{{"type", "container"}, {"action", "die"}, {"name", "x"}, {"state", "sleeping"}})
            .find("unknown state `sleeping`") != std::string::npos);
  CHECK(message(json{{"type", "container"}, {"name", "x"}, {"state", "running"}}).find("`action` is missing") !=
        std::string::npos);
  CHECK(message(json{{"exit_code", "3"}}).find("`exit_code`") != std::string::npos);
  CHECK(message(json{{"done", false}}).find("`done` is false") != std::string::npos);
  CHECK(message(json{{"done", true}, {"error", 5}}).find("`error`") != std::string::npos);
}
