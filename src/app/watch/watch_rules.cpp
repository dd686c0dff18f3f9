#include "app/watch/watch_rules.h"

#include <filesystem>

namespace pier::app::watch {
namespace {

using compose::Json;

Result<Rule> read_rule(const compose::Project& project, const std::string& service, size_t index, const Json& j) {
  std::string at = "service \"" + service + "\": develop.watch[" + std::to_string(index) + "]";
  if (!j.is_object()) return Error(at + ": expected a mapping with path and action");
  Rule rule;
  rule.service = service;
  auto string_of = [&](const char* key, std::string& out, bool required) -> Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) return Error(at + ": `" + key + "` is required");
      return {};
    }
    if (!it->is_string()) return Error(at + "." + key + ": expected a string");
    out = it->get<std::string>();
    return {};
  };
  std::string action;
  PIER_CHECK(string_of("action", action, true));
  if (action == "sync") rule.action = Action::sync;
  else if (action == "rebuild") rule.action = Action::rebuild;
  else if (action == "sync+restart") rule.action = Action::sync_restart;
  else if (action == "sync+exec") rule.action = Action::sync_exec;
  else return Error(at + ".action: \"" + action + "\" is not sync, rebuild, sync+restart or sync+exec");
  PIER_CHECK(string_of("path", rule.path, true));
  std::filesystem::path path(rule.path);
  if (path.is_relative()) path = std::filesystem::path(project.working_dir) / path;
  rule.path = path.lexically_normal().string();
  if (rule.path.size() > 1 && rule.path.back() == '/') rule.path.pop_back();
  bool syncs = rule.action != Action::rebuild;
  PIER_CHECK(string_of("target", rule.target, syncs));
  if (syncs && !rule.target.starts_with("/"))
    return Error(at + ".target: `" + rule.target + "` must be an absolute path in the container");
  if (auto it = j.find("ignore"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Error(at + ".ignore: expected a list of patterns");
    for (const auto& p : *it) {
      if (!p.is_string()) return Error(at + ".ignore: expected a list of patterns");
      rule.ignore.push_back(p.get<std::string>());
    }
  }
  if (auto it = j.find("include"); it != j.end() && !it->is_null())
    return Error(at + ".include: not supported by pier").hint("use `ignore` with `!` exceptions");
  if (auto it = j.find("initial_sync"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return Error(at + ".initial_sync: expected true or false");
    rule.initial_sync = it->get<bool>();
  }
  if (rule.action == Action::sync_exec) {
    auto it = j.find("exec");
    if (it == j.end() || !it->is_object() || !it->contains("command"))
      return Error(at + ": sync+exec needs `exec: {command: ...}`");
    const Json& command = (*it)["command"];
    if (command.is_string()) rule.exec = {"/bin/sh", "-c", command.get<std::string>()};
    else if (command.is_array())
      for (const auto& word : command) {
        if (!word.is_string()) return Error(at + ".exec.command: expected a string or a list of strings");
        rule.exec.push_back(word.get<std::string>());
      }
    else return Error(at + ".exec.command: expected a string or a list of strings");
    if (rule.exec.empty()) return Error(at + ".exec.command: is empty");
  }
  return rule;
}

}  // namespace

const char* to_string(Action action) {
  switch (action) {
    case Action::sync: return "sync";
    case Action::rebuild: return "rebuild";
    case Action::sync_restart: return "sync+restart";
    case Action::sync_exec: return "sync+exec";
  }
  return "sync";
}

Result<std::vector<Rule>> watch_rules(const compose::Project& project, const std::vector<std::string>& services) {
  std::vector<Rule> rules;
  for (const auto& [name, service] : project.services) {
    bool named = std::find(services.begin(), services.end(), name) != services.end();
    if (!services.empty() && !named) continue;
    if (services.empty() && service.disabled) continue;
    const Json* watch = nullptr;
    if (service.develop && service.develop->is_object())
      if (auto it = service.develop->find("watch"); it != service.develop->end() && it->is_array()) watch = &*it;
    if (!watch || watch->empty()) {
      if (named) return Error("service \"" + name + "\" has no develop.watch").hint("add develop.watch rules to it");
      continue;
    }
    if (service.build == std::nullopt)
      for (const auto& j : *watch)
        if (j.is_object() && j.value("action", "") == "rebuild")
          return Error("service \"" + name + "\": develop.watch: the rebuild action needs `build:`");
    for (size_t i = 0; i < watch->size(); ++i) {
      PIER_TRY(Rule rule, read_rule(project, name, i, (*watch)[i]));
      rules.push_back(std::move(rule));
    }
  }
  for (const auto& name : services)
    if (!project.find_service(name)) return Error("no such service: " + name);
  if (rules.empty())
    return Error("none of the services has develop.watch")
        .hint("add develop.watch to a service: https://docs.docker.com/compose/how-tos/file-watch/");
  return rules;
}

}  // namespace pier::app::watch
