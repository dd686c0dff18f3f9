#include "image/archive/change.h"

#include "base/strings.h"

namespace pier::image {
namespace {

using nlohmann::json;

// JSON form (["a","b"]) or shell form, which runs under /bin/sh -c as in a Dockerfile.
Result<json> command_value(std::string_view args) {
  if (args.starts_with("[")) {
    auto j = json::parse(args, nullptr, false);
    if (!j.is_array()) return Error("malformed JSON array `" + std::string(args) + "`");
    for (auto& v : j)
      if (!v.is_string()) return Error("JSON array `" + std::string(args) + "` must hold strings");
    return j;
  }
  return json::array({"/bin/sh", "-c", std::string(args)});
}

// "K=V K2=V2" or the legacy "K V".
Result<std::vector<std::pair<std::string, std::string>>> key_values(std::string_view args) {
  std::vector<std::pair<std::string, std::string>> out;
  if (args.find('=') == std::string_view::npos) {
    auto space = args.find(' ');
    if (space == std::string_view::npos) return Error("expected KEY=value, got `" + std::string(args) + "`");
    out.emplace_back(std::string(args.substr(0, space)), std::string(trim(args.substr(space + 1))));
    return out;
  }
  for (const auto& word : split(args, ' ')) {
    if (word.empty()) continue;
    auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) return Error("expected KEY=value, got `" + word + "`");
    out.emplace_back(word.substr(0, eq), word.substr(eq + 1));
  }
  return out;
}

Status set_env(json& config, std::string_view args) {
  PIER_TRY(auto pairs, key_values(args));
  json& env = config["Env"];
  if (!env.is_array()) env = json::array();
  for (const auto& [k, v] : pairs) {
    for (auto it = env.begin(); it != env.end(); ++it)
      if (it->get<std::string>().starts_with(k + "=")) {
        env.erase(it);
        break;
      }
    env.push_back(k + "=" + v);
  }
  return {};
}

}  // namespace

Status apply_change(json& config, std::string_view instruction) {
  std::string_view text = trim(instruction);
  auto space = text.find(' ');
  std::string verb = to_lower(text.substr(0, space));
  std::string_view args = space == std::string_view::npos ? std::string_view() : trim(text.substr(space + 1));
  if (args.empty()) return Error("--change `" + std::string(text) + "`: missing arguments");
  if (verb == "cmd" || verb == "entrypoint") {
    PIER_TRY(json value, command_value(args));
    config[verb == "cmd" ? "Cmd" : "Entrypoint"] = value;
  } else if (verb == "env") {
    PIER_CHECK(set_env(config, args));
  } else if (verb == "workdir") {
    config["WorkingDir"] = std::string(args);
  } else if (verb == "user") {
    config["User"] = std::string(args);
  } else if (verb == "stopsignal") {
    config["StopSignal"] = std::string(args);
  } else if (verb == "expose" || verb == "volume") {
    json& set = config[verb == "expose" ? "ExposedPorts" : "Volumes"];
    for (const auto& word : split(args, ' ')) {
      if (word.empty()) continue;
      std::string key = verb == "expose" && word.find('/') == std::string::npos ? word + "/tcp" : word;
      set[key] = json::object();
    }
  } else if (verb == "label") {
    PIER_TRY(auto pairs, key_values(args));
    for (const auto& [k, v] : pairs) config["Labels"][k] = v;
  } else {
    return Error("--change `" + std::string(text) + "`: unsupported instruction")
        .hint("use CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, STOPSIGNAL or VOLUME");
  }
  return {};
}

}  // namespace pier::image
