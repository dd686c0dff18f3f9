#include "net/dns/registry.h"

#include <algorithm>
#include <set>

#include "base/strings.h"

namespace pier::net::dns {

std::string normalise_name(const std::string& name) {
  std::string out = to_lower(name);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

void Registry::add(Registration reg) {
  for (auto& n : reg.names) n = normalise_name(n);
  remove(reg.container, reg.network);
  regs_.push_back(std::move(reg));
}

void Registry::remove(const std::string& container) {
  std::erase_if(regs_, [&](const Registration& r) { return r.container == container; });
}

void Registry::remove(const std::string& container, const std::string& network) {
  std::erase_if(regs_, [&](const Registration& r) {
    return r.container == container && r.network == network;
  });
}

std::string Registry::container_of(const IpAddress& ip) const {
  for (const auto& r : regs_)
    if (std::find(r.addresses.begin(), r.addresses.end(), ip) != r.addresses.end()) return r.container;
  return "";
}

std::vector<std::string> Registry::networks_of(const IpAddress& ip) const {
  // The asker is a container: every network it is on counts, whichever address it
  // happened to send from.
  std::set<std::string> containers;
  for (const auto& r : regs_)
    if (std::find(r.addresses.begin(), r.addresses.end(), ip) != r.addresses.end())
      containers.insert(r.container);
  std::vector<std::string> out;
  for (const auto& r : regs_)
    if (containers.count(r.container)) out.push_back(r.network);
  return out;
}

Registry::Lookup Registry::resolve(const IpAddress& asker, const std::string& raw_name, int family) {
  Lookup result;
  auto nets = networks_of(asker);
  if (nets.empty()) {
    result.outcome = Outcome::kNotAContainer;
    return result;
  }
  std::string name = normalise_name(raw_name);
  bool exists = false;
  std::set<IpAddress> seen;
  std::string rotation_key;
  for (const auto& r : regs_) {
    if (std::find(nets.begin(), nets.end(), r.network) == nets.end()) continue;
    if (std::find(r.names.begin(), r.names.end(), name) == r.names.end()) continue;
    exists = true;
    if (rotation_key.empty()) rotation_key = r.network + "/" + name;
    for (const auto& ip : r.addresses)
      if (ip.family == family && seen.insert(ip).second) result.addresses.push_back(ip);
  }
  if (!exists) return result;
  if (result.addresses.empty()) {
    result.outcome = Outcome::kNoData;
    return result;
  }
  // Round robin: each query starts one further along the replica list.
  uint64_t turn = rotation_[rotation_key]++;
  std::rotate(result.addresses.begin(),
              result.addresses.begin() + static_cast<long>(turn % result.addresses.size()),
              result.addresses.end());
  result.outcome = Outcome::kAnswer;
  return result;
}

}  // namespace pier::net::dns
