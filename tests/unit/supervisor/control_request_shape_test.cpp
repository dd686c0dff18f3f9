// A request the CLI would never send is refused at the socket, naming the op and the
// field, before a handler reads it with a getter that would throw.
#include <catch2/catch.hpp>

#include "supervisor/control/request_shape.h"

using pier::supervisor::control::check_request_shape;
using Json = nlohmann::json;

namespace {
std::string error_of(const Json& request) {
  auto st = check_request_shape(request);
  return st ? std::string("no error") : st.error().to_string();
}
}  // namespace

TEST_CASE("request shape: what the CLI sends passes", "[control]") {
  CHECK(check_request_shape(Json{{"op", "ping"}}));
  CHECK(check_request_shape(Json{{"op", "stop"}, {"services", {"a", "b"}}, {"timeout", nullptr}}));
  CHECK(check_request_shape(Json{{"op", "stop"}, {"timeout", 10}}));
  CHECK(check_request_shape(
      Json{{"op", "up"}, {"source", Json::object()}, {"options", {{"scale", {{"web", 3}}}, {"wait", true}}}}));
  CHECK(check_request_shape(Json{{"op", "kill"}, {"containers", {"p-web-1"}}, {"signal", "SIGTERM"}}));
}

TEST_CASE("request shape: a wrong type names the op and the field", "[control]") {
  CHECK_THAT(error_of({{"op", "stop"}, {"timeout", "ten"}}),
             Catch::Contains("malformed control request `stop`: `timeout` must be an integer or null"));
  CHECK_THAT(error_of({{"op", "rm"}, {"services", "s"}}), Catch::Contains("`services` must be a list of strings"));
  CHECK_THAT(error_of({{"op", "kill"}, {"containers", {1}}}), Catch::Contains("`containers` must be a list of strings"));
  CHECK_THAT(error_of({{"op", "up"}, {"options", {{"scale", {{"s", "many"}}}}}}),
             Catch::Contains("`options.scale` must be an object of integers"));
  CHECK_THAT(error_of({{"op", "down"}, {"volumes", "yes"}}), Catch::Contains("`volumes` must be true or false"));
  CHECK_THAT(error_of({{"op", "up"}, {"options", 3}}), Catch::Contains("`options` must be an object"));
  // Fields are per op: `volumes` is a flag of `down` and a list of mounts for `run`.
  CHECK(check_request_shape(Json{{"op", "run"}, {"volumes", {"./data:/data"}}, {"rm", true}}));
  CHECK_THAT(error_of({{"op", "run"}, {"rm", "yes"}}), Catch::Contains("`run`: `rm` must be true or false"));
  CHECK_THAT(error_of({{"op", 7}}), Catch::Contains("a string `op`"));
}
