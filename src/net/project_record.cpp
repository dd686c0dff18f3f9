#include "net/project_record.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>

#include <cerrno>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "net/ipam.h"
#include "net/nat/firewall.h"
#include "net/netlink/links.h"

namespace pier::net {

Status ProjectRecord::add_bridge(const std::string& name) {
  PIER_TRY(auto names, bridges());
  if (std::find(names.begin(), names.end(), name) != names.end()) return {};
  names.push_back(name);
  mkdir(dir_.c_str(), 0700);
  return write_file_atomic(path(), join(names, "\n") + "\n", 0600);
}

Result<std::vector<std::string>> ProjectRecord::bridges() const {
  auto text = read_file(path());
  if (!text.ok()) {
    if (text.error().errnum() == ENOENT) return std::vector<std::string>{};
    return std::move(text).error();
  }
  std::vector<std::string> names;
  for (const auto& line : split(*text, '\n'))
    if (!trim(line).empty()) names.emplace_back(trim(line));
  return names;
}

Result<std::map<std::string, std::string>> ProjectRecord::hashes() const {
  std::map<std::string, std::string> out;
  auto text = read_file(hashes_path());
  if (!text.ok()) {
    if (text.error().errnum() == ENOENT) return out;
    return std::move(text).error();
  }
  for (const auto& line : split(*text, '\n')) {
    auto space = line.find(' ');
    if (space != std::string::npos) out[line.substr(0, space)] = trim(line.substr(space + 1));
  }
  return out;
}

Status ProjectRecord::set_config_hash(const std::string& bridge, const std::string& hash) {
  PIER_TRY(auto all, hashes());
  if (all[bridge] == hash) return {};
  all[bridge] = hash;
  std::string text;
  for (const auto& [name, h] : all) text += name + " " + h + "\n";
  mkdir(dir_.c_str(), 0700);
  return write_file_atomic(hashes_path(), text, 0600);
}

Result<std::string> ProjectRecord::config_hash(const std::string& bridge) const {
  PIER_TRY(auto all, hashes());
  auto it = all.find(bridge);
  return it == all.end() ? std::string() : it->second;
}

Status ProjectRecord::forget() {
  for (const auto& file : {path(), hashes_path()})
    if (unlink(file.c_str()) != 0 && errno != ENOENT) return Error::system("remove", file, errno);
  return {};
}

Status teardown_project(const netlink::Socket& host, const std::string& state_dir, const std::string& project) {
  Status first;
  auto keep = [&](Status s) {
    if (!s.ok() && first.ok()) first = std::move(s);
  };
  ProjectRecord record(state_dir, project);
  auto bridges = record.bridges();
  if (!bridges.ok()) return std::move(bridges).error().context(fmt::format("tear down project {}", project));
  for (const auto& bridge : *bridges) {
    auto index = netlink::find_link(host, bridge);
    if (!index.ok()) { keep(std::move(index).error()); continue; }
    if (!*index) continue;  // already gone
    // A port may vanish between listing and deleting: its container just exited
    // and the kernel is destroying the namespace with the veth pair.
    if (auto ports = netlink::list_ports_of(host, **index); ports.ok())
      for (const auto& port : *ports) keep(netlink::delete_link_if_exists(host, port));
    keep(netlink::delete_link_if_exists(host, bridge));
  }
  keep(nat::remove_ruleset(project));
  if (first.ok()) {
    keep(record.forget());
    keep(SubnetStore(state_dir).forget(project));
  }
  if (!first.ok()) return std::move(first).error().context(fmt::format("tear down project {}", project));
  return {};
}

}  // namespace pier::net
