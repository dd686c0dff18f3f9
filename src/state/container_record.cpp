#include "state/container_record.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/log.h"
#include "base/path_name.h"

namespace pier::state {
namespace {

using Json = nlohmann::json;

constexpr const char* kStateNames[] = {"created", "running", "restarting", "paused",
                                       "exited",  "dead",    "removing"};

Json ports_to_json(const std::vector<PublishedPort>& ports) {
  Json out = Json::array();
  for (const auto& p : ports)
    out.push_back({{"host_ip", p.host_ip}, {"host_port", p.host_port},
                   {"container_port", p.container_port}, {"protocol", p.protocol}});
  return out;
}

Json endpoints_to_json(const std::vector<EndpointRecord>& endpoints) {
  Json out = Json::array();
  for (const auto& e : endpoints)
    out.push_back({{"network", e.network}, {"host_veth", e.host_veth}, {"ifname", e.ifname},
                   {"ipv4", e.ipv4}, {"ipv6", e.ipv6}, {"mac", e.mac}, {"names", e.names}});
  return out;
}

Json rlimits_to_json(const std::vector<RlimitRecord>& limits) {
  Json out = Json::array();
  for (const auto& l : limits) out.push_back({{"resource", l.resource}, {"soft", l.soft}, {"hard", l.hard}});
  return out;
}

// A record that does not parse still names its container (the file's stem).
Error bad_record(const std::string& path, const std::string& reason) {
  return Error("read container record `" + path + "`: " + reason)
      .hint("`pier down` removes its container by name; removing only the file would leave the container running");
}

template <class T>
void get_to(const Json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
}

}  // namespace

const char* to_string(ContainerState state) { return kStateNames[static_cast<int>(state)]; }

bool is_up(ContainerState state) {
  return state == ContainerState::running || state == ContainerState::paused || state == ContainerState::restarting;
}

std::optional<ContainerState> parse_container_state(const std::string& text) {
  for (size_t i = 0; i < std::size(kStateNames); ++i)
    if (text == kStateNames[i]) return static_cast<ContainerState>(i);
  return std::nullopt;
}

std::string to_json(const ContainerRecord& r) {
  Json j = {
      {"name", r.name},
      {"id", r.id},
      {"project", r.project},
      {"service", r.service},
      {"number", r.number},
      {"oneoff", r.oneoff},
      {"config_hash", r.config_hash},
      {"sources_digest", r.sources_digest},
      {"volumes_hash", r.volumes_hash ? Json(*r.volumes_hash) : Json()},
      {"pre_start_done", r.pre_start_done},
      {"image", r.image},
      {"image_id", r.image_id},
      {"mounted_image_ids", r.mounted_image_ids},
      {"command", r.command},
      {"labels", r.labels},
      {"state", to_string(r.state)},
      {"health", r.health},
      {"exit_code", r.exit_code},
      {"oom_killed", r.oom_killed},
      {"pid", r.pid},
      {"pid_start_time", r.pid_start_time},
      {"created_at", r.created_at},
      {"started_at", r.started_at},
      {"finished_at", r.finished_at},
      {"restart_count", r.restart_count},
      {"stopped_by_user", r.stopped_by_user},
      {"scratch_dir", r.scratch_dir},
      {"cgroup", r.cgroup},
      {"ports", ports_to_json(r.ports)},
      {"exposed", r.exposed},
      {"endpoints", endpoints_to_json(r.endpoints)},
      {"env", r.env},
      {"user", r.user},
      {"group_add", r.group_add},
      {"working_dir", r.working_dir},
      {"privileged", r.privileged},
      {"seccomp", r.seccomp},
      {"cap_add", r.cap_add},
      {"cap_drop", r.cap_drop},
      {"rlimits", rlimits_to_json(r.rlimits)},
      {"oom_score_adj", r.oom_score_adj ? Json(*r.oom_score_adj) : Json()},
      {"no_new_privs", r.no_new_privs},
  };
  return j.dump(2) + "\n";
}

Result<ContainerRecord> record_from_json(const std::string& text, const std::string& path) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return bad_record(path, "not a JSON object");
  ContainerRecord r;
  try {
    get_to(j, "name", r.name);
    get_to(j, "id", r.id);
    get_to(j, "project", r.project);
    get_to(j, "service", r.service);
    get_to(j, "number", r.number);
    get_to(j, "oneoff", r.oneoff);
    get_to(j, "config_hash", r.config_hash);
    get_to(j, "sources_digest", r.sources_digest);
    get_to(j, "pre_start_done", r.pre_start_done);
    if (auto it = j.find("volumes_hash"); it != j.end() && it->is_string()) r.volumes_hash = it->get<std::string>();
    get_to(j, "image", r.image);
    get_to(j, "image_id", r.image_id);
    get_to(j, "mounted_image_ids", r.mounted_image_ids);
    get_to(j, "command", r.command);
    get_to(j, "labels", r.labels);
    std::string state;
    get_to(j, "state", state);
    r.state = parse_container_state(state).value_or(ContainerState::dead);
    get_to(j, "health", r.health);
    get_to(j, "exit_code", r.exit_code);
    get_to(j, "oom_killed", r.oom_killed);
    get_to(j, "pid", r.pid);
    get_to(j, "pid_start_time", r.pid_start_time);
    get_to(j, "created_at", r.created_at);
    get_to(j, "started_at", r.started_at);
    get_to(j, "finished_at", r.finished_at);
    get_to(j, "restart_count", r.restart_count);
    get_to(j, "stopped_by_user", r.stopped_by_user);
    get_to(j, "scratch_dir", r.scratch_dir);
    get_to(j, "cgroup", r.cgroup);
    if (auto it = j.find("ports"); it != j.end())
      for (const auto& p : *it) {
        PublishedPort port;
        get_to(p, "host_ip", port.host_ip);
        get_to(p, "host_port", port.host_port);
        get_to(p, "container_port", port.container_port);
        get_to(p, "protocol", port.protocol);
        r.ports.push_back(port);
      }
    get_to(j, "exposed", r.exposed);
    if (auto it = j.find("endpoints"); it != j.end())
      for (const auto& e : *it) {
        EndpointRecord ep;
        get_to(e, "network", ep.network);
        get_to(e, "host_veth", ep.host_veth);
        get_to(e, "ifname", ep.ifname);
        get_to(e, "ipv4", ep.ipv4);
        get_to(e, "ipv6", ep.ipv6);
        get_to(e, "mac", ep.mac);
        get_to(e, "names", ep.names);
        r.endpoints.push_back(ep);
      }
    get_to(j, "env", r.env);
    get_to(j, "user", r.user);
    get_to(j, "group_add", r.group_add);
    get_to(j, "working_dir", r.working_dir);
    get_to(j, "privileged", r.privileged);
    get_to(j, "seccomp", r.seccomp);
    get_to(j, "cap_add", r.cap_add);
    get_to(j, "cap_drop", r.cap_drop);
    if (auto it = j.find("rlimits"); it != j.end() && it->is_array())
      for (const auto& l : *it) {
        RlimitRecord limit;
        get_to(l, "resource", limit.resource);
        get_to(l, "soft", limit.soft);
        get_to(l, "hard", limit.hard);
        r.rlimits.push_back(limit);
      }
    if (auto it = j.find("oom_score_adj"); it != j.end() && !it->is_null()) r.oom_score_adj = it->get<int>();
    get_to(j, "no_new_privs", r.no_new_privs);
  } catch (const Json::exception& e) {
    return bad_record(path, e.what());
  }
  if (r.name.empty()) return bad_record(path, "no container name");
  return r;
}

Result<std::string> RecordStore::file_of(const std::string& name) const {
  PIER_TRY(std::string base, join_beneath(dir_, name, "container"));
  return base + ".json";
}

Status RecordStore::write(const ContainerRecord& record) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Error::system("create directory", dir_, ec.value());
  // Records live in the run directory, which a reboot empties: a power loss makes them
  // stale anyway, so no fsync (it costs milliseconds per change on a disk-backed --root);
  // the rename still keeps them whole if pier itself crashes.
  PIER_TRY(std::string path, file_of(record.name));
  Status st = write_file_atomic(path, to_json(record), 0600, Durability::crash_safe);
  if (!st) return std::move(st).error().context("save container record `" + path + "`");
  return st;
}

Result<ContainerRecord> RecordStore::read(const std::string& name) const {
  PIER_TRY(std::string path, file_of(name));
  PIER_TRY(std::string text, read_file(path));
  return record_from_json(text, path);
}

Result<RecordScan> RecordStore::scan() const {
  RecordScan out;
  DIR* dir = ::opendir(dir_.c_str());
  if (!dir) {
    if (errno == ENOENT) return out;
    return Error::system("list container records", dir_, errno);
  }
  std::vector<std::string> names;
  while (auto* entry = ::readdir(dir)) {
    std::string file = entry->d_name;
    if (file.size() > 5 && file.ends_with(".json")) names.push_back(file.substr(0, file.size() - 5));
  }
  ::closedir(dir);
  for (const auto& name : names) {
    auto record = read(name);
    if (record) out.records.push_back(std::move(*record));
    else if (record.error().errnum() != ENOENT) out.unreadable.push_back(name);  // ENOENT: removed meanwhile
  }
  std::sort(out.records.begin(), out.records.end(), [](const ContainerRecord& a, const ContainerRecord& b) {
    if (a.service != b.service) return a.service < b.service;
    if (a.oneoff != b.oneoff) return !a.oneoff;
    return a.number < b.number;
  });
  std::sort(out.unreadable.begin(), out.unreadable.end());
  return out;
}

Result<std::vector<ContainerRecord>> RecordStore::list() const {
  PIER_TRY(RecordScan scanned, scan());
  for (const auto& name : scanned.unreadable) {
    // Read again for the reason: the scan keeps names only.
    auto again = read(name);
    if (!again) log::warn("skipping container record: {}", again.error().to_string());
  }
  return std::move(scanned.records);
}

Status RecordStore::remove(const std::string& name) const {
  PIER_TRY(std::string path, file_of(name));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Error::system("remove container record", path, errno);
  return {};
}

uint64_t process_start_time(pid_t pid) {
  if (pid <= 0) return 0;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  auto text = read_file(path);
  if (!text) return 0;
  // Field 2 (comm) may hold spaces and parentheses: count fields after the last ')'.
  auto close = text->rfind(')');
  if (close == std::string::npos) return 0;
  const char* p = text->c_str() + close + 1;
  // After ')': field 3 (state) ... field 22 (starttime) is the 20th token.
  for (int field = 3; field < 22; ++field) {
    while (*p == ' ') ++p;
    while (*p && *p != ' ') ++p;
  }
  return std::strtoull(p, nullptr, 10);
}

bool process_matches(pid_t pid, uint64_t start_time) {
  return pid > 0 && start_time != 0 && process_start_time(pid) == start_time;
}

std::vector<std::string> list_projects(const std::string& run_base) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(run_base, ec)) {
    if (!entry.is_directory()) continue;
    auto name = entry.path().filename().string();
    if (std::filesystem::exists(entry.path() / "containers", ec) ||
        std::filesystem::exists(entry.path() / "control.sock", ec))
      out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pier::state
