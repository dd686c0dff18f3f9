#include "supervisor/run_overrides.h"

#include <filesystem>

#include "base/strings.h"

namespace pier::supervisor {
namespace {

// -v SRC:DST[:ro|rw]: a path (absolute or ./relative) is a bind, a name a named volume.
Result<compose::ServiceVolume> parse_volume(const std::string& text, const std::string& working_dir) {
  auto parts = split(text, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() || parts[1][0] != '/')
    return Error("-v `" + text + "`: expected SOURCE:/TARGET[:ro]");
  compose::ServiceVolume v;
  std::string source(parts[0]);
  bool is_path = source[0] == '/' || source[0] == '.' || source[0] == '~';
  v.type = is_path ? "bind" : "volume";
  v.source = is_path && source[0] == '.' ? (std::filesystem::path(working_dir) / source).lexically_normal().string()
                                         : source;
  v.target = std::string(parts[1]);
  if (parts.size() == 3) {
    if (parts[2] != "ro" && parts[2] != "rw") return Error("-v `" + text + "`: mode must be ro or rw");
    v.read_only = parts[2] == "ro";
  }
  if (is_path) v.bind = compose::BindOptions{"", true, ""};
  return v;
}

// -p [IP:]HOST:CONTAINER[/PROTO] or -p CONTAINER[/PROTO].
Result<compose::ServicePort> parse_port(const std::string& text) {
  compose::ServicePort p;
  std::string spec = text;
  if (auto slash = spec.rfind('/'); slash != std::string::npos) {
    p.protocol = spec.substr(slash + 1);
    spec = spec.substr(0, slash);
  }
  auto parts = split(spec, ':');
  try {
    p.target = static_cast<uint32_t>(std::stoul(std::string(parts.back())));
  } catch (...) {
    return Error("-p `" + text + "`: expected [IP:]HOST:CONTAINER[/PROTOCOL]");
  }
  if (parts.size() >= 2) p.published = std::string(parts[parts.size() - 2]);
  if (parts.size() == 3) p.host_ip = std::string(parts[0]);
  if (parts.size() > 3) return Error("-p `" + text + "`: expected [IP:]HOST:CONTAINER[/PROTOCOL]");
  return p;
}

}  // namespace

Status apply_run_overrides(compose::Service& s, const control::RunOverrides& r, const std::string& working_dir) {
  if (!r.command.empty()) s.command = r.command;
  if (r.entrypoint) {
    std::vector<std::string> argv;
    for (auto& word : split(*r.entrypoint, ' '))
      if (!word.empty()) argv.emplace_back(word);
    s.entrypoint = argv;
    if (r.command.empty()) s.command = std::vector<std::string>{};
  }
  for (const auto& kv : r.env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) return Error("-e `" + kv + "`: expected KEY=VALUE");
    s.environment[kv.substr(0, eq)] = kv.substr(eq + 1);
    s.unset_environment.erase(kv.substr(0, eq));
  }
  for (const auto& kv : r.labels) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) return Error("-l `" + kv + "`: label must be set as KEY=VALUE");
    s.labels[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // A capability the command line adds or drops overrides the service's own choice for it.
  for (const auto& cap : r.cap_add) {
    std::erase(s.cap_drop, cap);
    s.cap_add.push_back(cap);
  }
  for (const auto& cap : r.cap_drop) {
    std::erase(s.cap_add, cap);
    s.cap_drop.push_back(cap);
  }
  if (!r.user.empty()) s.user = r.user;
  if (!r.workdir.empty()) s.working_dir = r.workdir;
  for (const auto& text : r.volumes) {
    PIER_TRY(auto v, parse_volume(text, working_dir));
    s.volumes.push_back(v);
  }
  if (!r.service_ports) s.ports.clear();
  for (const auto& text : r.publish) {
    PIER_TRY(auto p, parse_port(text));
    s.ports.push_back(p);
  }
  s.tty = r.tty;
  s.stdin_open = r.interactive;
  s.restart.clear();
  if (s.deploy) s.deploy->restart_policy.reset();
  s.container_name.clear();
  return {};
}

}  // namespace pier::supervisor
