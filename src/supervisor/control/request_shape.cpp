#include "supervisor/control/request_shape.h"

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pier::supervisor::control {
namespace {

using Json = nlohmann::json;
enum class Kind { string, boolean, integer, integer_or_null, strings, object, int_map };

bool is(const Json& v, Kind kind) {
  switch (kind) {
    case Kind::string: return v.is_string();
    case Kind::boolean: return v.is_boolean();
    case Kind::integer: return v.is_number_integer();
    case Kind::integer_or_null: return v.is_null() || v.is_number_integer();
    case Kind::object: return v.is_object();
    case Kind::strings:
      if (!v.is_array()) return false;
      for (const auto& e : v)
        if (!e.is_string()) return false;
      return true;
    case Kind::int_map:
      if (!v.is_object()) return false;
      for (const auto& [_, e] : v.items())
        if (!e.is_number_integer()) return false;
      return true;
  }
  return false;
}

const char* name_of(Kind kind) {
  switch (kind) {
    case Kind::string: return "a string";
    case Kind::boolean: return "true or false";
    case Kind::integer: return "an integer";
    case Kind::integer_or_null: return "an integer or null";
    case Kind::strings: return "a list of strings";
    case Kind::object: return "an object";
    case Kind::int_map: return "an object of integers";
  }
  return "";
}

using Fields = std::vector<std::pair<const char*, Kind>>;

// What each op's handler reads (supervisor_requests.cpp, supervisor_oneoff.cpp,
// up_options.cpp). `run`'s overrides (command, env, volumes, ...) are parsed by
// apply_run_overrides, which reports its own errors.
const Fields kSelect = {{"services", Kind::strings}, {"timeout", Kind::integer_or_null}};
const std::map<std::string, Fields, std::less<>> kOpFields = {
    {"up", {{"source", Kind::object}, {"options", Kind::object}}},
    {"run", {{"source", Kind::object}, {"service", Kind::string}, {"name", Kind::string}, {"no_deps", Kind::boolean},
             {"detach", Kind::boolean}, {"rm", Kind::boolean}}},
    {"stop", kSelect},
    {"start", kSelect},
    {"restart", kSelect},
    {"down", {{"source", Kind::object}, {"remove_orphans", Kind::boolean}, {"volumes", Kind::boolean},
              {"rmi", Kind::string}, {"timeout", Kind::integer_or_null}}},
    {"rm", {{"services", Kind::strings}, {"force", Kind::boolean}, {"stop", Kind::boolean}}},
    {"kill", {{"services", Kind::strings}, {"containers", Kind::strings}, {"signal", Kind::string}}},
    {"pause", {{"services", Kind::strings}, {"containers", Kind::strings}}},
    {"unpause", {{"services", Kind::strings}, {"containers", Kind::strings}}},
};
const Fields kUpOptionFields = {
    {"services", Kind::strings},    {"scale", Kind::int_map},      {"no_deps", Kind::boolean},
    {"force_recreate", Kind::boolean}, {"no_recreate", Kind::boolean}, {"remove_orphans", Kind::boolean},
    {"no_start", Kind::boolean},    {"wait", Kind::boolean},       {"wait_timeout", Kind::integer},
    {"pull", Kind::string},
};

Status check_fields(const std::string& op, const Json& object, const Fields& fields, const std::string& prefix) {
  for (const auto& [field, kind] : fields) {
    auto it = object.find(field);
    if (it == object.end() || is(*it, kind)) continue;
    return Error("malformed control request `" + op + "`: `" + prefix + field + "` must be " + name_of(kind));
  }
  return {};
}

}  // namespace

Status check_request_shape(const Json& request) {
  const std::string op = request.at("op").is_string() ? request.at("op").get<std::string>() : "";
  if (op.empty()) return Error("malformed control request (expected a JSON object with a string `op`)");
  auto fields = kOpFields.find(op);
  if (fields == kOpFields.end()) return {};  // ping, events; an unknown op is the handler's error
  PIER_CHECK(check_fields(op, request, fields->second, ""));
  if (op == "up")
    if (auto it = request.find("options"); it != request.end()) PIER_CHECK(check_fields(op, *it, kUpOptionFields, "options."));
  return {};
}

}  // namespace pier::supervisor::control
