#include "net/ipam.h"

#include <fmt/format.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "base/unique_fd.h"

namespace pier::net {

std::vector<Subnet> default_pools() {
  std::vector<Subnet> pools;
  for (uint32_t b = 17; b <= 31; ++b) pools.push_back({IpAddress::v4((172u << 24) | (b << 16)), 16});
  for (uint32_t c = 0; c < 256; c += 16)
    pools.push_back({IpAddress::v4((192u << 24) | (168u << 16) | (c << 8)), 20});
  return pools;
}

std::vector<Subnet> default_v6_pools() {
  std::vector<Subnet> pools;
  auto base = IpAddress::parse("fd70:6965:7200::").value();
  for (unsigned n = 0; n < 256; ++n) {
    Subnet s{base, 64};
    s.address.bytes[6] = static_cast<uint8_t>(n >> 8);
    s.address.bytes[7] = static_cast<uint8_t>(n);
    pools.push_back(s);
  }
  return pools;
}

Result<Subnet> choose_subnet(const std::vector<Subnet>& pools, const std::vector<Subnet>& taken) {
  for (const auto& candidate : pools) {
    bool clash = false;
    for (const auto& t : taken)
      if (candidate.overlaps(t) && t.prefix > 0) clash = true;  // a default route is no clash
    if (!clash) return candidate;
  }
  return Error("choose subnet: every default address pool overlaps a host route or another project")
      .hint("set ipam.config.subnet on the network, or remove unused pier projects");
}

// ---- SubnetStore ----

std::string SubnetStore::path_of(const std::string& project) const {
  return dir_ + "/" + project + ".subnets";
}

Result<std::map<std::string, Subnet>> SubnetStore::load(const std::string& project) const {
  std::map<std::string, Subnet> nets;
  auto text = read_file(path_of(project));
  if (!text.ok()) {
    if (text.error().errnum() == ENOENT) return nets;
    return std::move(text).error();
  }
  for (const auto& line : split(*text, '\n')) {
    auto fields = split(trim(line), ' ');
    if (fields.size() != 2) continue;
    PIER_TRY(auto subnet, Subnet::parse(fields[1]));
    nets[fields[0]] = subnet;
  }
  return nets;
}

Status SubnetStore::save(const std::string& project, const std::map<std::string, Subnet>& nets) {
  std::string text;
  for (const auto& [name, subnet] : nets) text += name + " " + subnet.to_string() + "\n";
  return write_file_atomic(path_of(project), text);
}

Result<std::vector<Subnet>> SubnetStore::subnets_of_other_projects(const std::string& project) const {
  std::vector<Subnet> out;
  DIR* dir = opendir(dir_.c_str());
  if (!dir) return Error::system("open state directory", dir_, errno);
  while (auto* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (!ends_with(name, ".subnets")) continue;
    std::string other = name.substr(0, name.size() - 8);
    if (other == project) continue;
    auto nets = load(other);
    if (!nets.ok()) continue;  // a damaged file must not block every other project
    for (const auto& [_, s] : *nets) out.push_back(s);
  }
  closedir(dir);
  return out;
}

namespace {
Result<UniqueFd> lock_dir(const std::string& dir) {
  mkdir(dir.c_str(), 0700);
  std::string path = dir + "/.ipam.lock";
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return Error::system("open", path, errno);
  if (flock(fd.get(), LOCK_EX) != 0) return Error::system("lock", path, errno);
  return fd;
}
}  // namespace

Result<Subnet> SubnetStore::allocate(const std::string& project, const std::string& network,
                                     const std::vector<Subnet>& host_routes,
                                     const std::vector<Subnet>& pools) {
  PIER_TRY(auto lock, lock_dir(dir_));
  PIER_TRY(auto mine, load(project));
  if (auto it = mine.find(network); it != mine.end()) return it->second;
  PIER_TRY(auto taken, subnets_of_other_projects(project));
  taken.insert(taken.end(), host_routes.begin(), host_routes.end());
  for (const auto& [_, s] : mine) taken.push_back(s);
  auto chosen = choose_subnet(pools, taken);
  if (!chosen.ok()) return std::move(chosen).error().context(fmt::format("network `{}`", network));
  mine[network] = *chosen;
  PIER_CHECK(save(project, mine));
  return *chosen;
}

Status SubnetStore::record(const std::string& project, const std::string& network, const Subnet& subnet) {
  PIER_TRY(auto lock, lock_dir(dir_));
  PIER_TRY(auto mine, load(project));
  mine[network] = subnet;
  return save(project, mine);
}

Status SubnetStore::forget(const std::string& project) {
  std::string path = path_of(project);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Error::system("remove", path, errno);
  return {};
}

// ---- AddressPool ----

Result<AddressPool> AddressPool::create(const IpamConfig& config) {
  AddressPool pool;
  pool.config_ = config;
  const Subnet& net = config.subnet;
  if (net.size() < 4 && net.address.is_v4())
    return Error(fmt::format("subnet {} is too small for a gateway and a container", net.to_string()));
  if (config.gateway) {
    if (!net.contains(*config.gateway))
      return Error(fmt::format("gateway {} is outside subnet {}", config.gateway->to_string(), net.to_string()));
    pool.gateway_ = *config.gateway;
  } else {
    pool.gateway_ = *net.host(1);
  }
  if (config.ip_range && !(net.contains(config.ip_range->address) && config.ip_range->prefix >= net.prefix))
    return Error(fmt::format("ip_range {} is outside subnet {}", config.ip_range->to_string(), net.to_string()));
  for (const auto& [name, ip] : config.aux_addresses)
    if (!net.contains(ip))
      return Error(fmt::format("aux address {}={} is outside subnet {}", name, ip.to_string(), net.to_string()));
  return pool;
}

bool AddressPool::usable(const IpAddress& ip) const {
  const Subnet& net = config_.subnet;
  uint64_t index = net.index_of(ip);
  if (index == 0) return false;  // network address
  if (ip.is_v4() && index == net.size() - 1) return false;  // broadcast
  if (ip == gateway_ || owners_.count(ip)) return false;
  for (const auto& [_, aux] : config_.aux_addresses)
    if (aux == ip) return false;
  return true;
}

Result<IpAddress> AddressPool::allocate(const std::string& owner) {
  const Subnet& range = config_.ip_range ? *config_.ip_range : config_.subnet;
  uint64_t n = std::min<uint64_t>(range.size(), uint64_t(1) << 24);  // bound the scan
  for (uint64_t step = 0; step < n; ++step) {
    uint64_t index = (next_ + step) % n;
    auto ip = range.host(index);
    if (!ip || !usable(*ip)) continue;
    owners_[*ip] = owner;
    next_ = index + 1;
    return *ip;
  }
  return Error(fmt::format("allocate address for {}: no free address left in {}", owner, range.to_string()));
}

Status AddressPool::reserve(const IpAddress& ip, const std::string& owner) {
  if (!config_.subnet.contains(ip))
    return Error(fmt::format("address {} for {} is outside subnet {}", ip.to_string(), owner,
                             config_.subnet.to_string()));
  if (auto it = owners_.find(ip); it != owners_.end())
    return Error(fmt::format("address {} for {} is already in use by {}", ip.to_string(), owner, it->second));
  if (!usable(ip))
    return Error(fmt::format("address {} for {} is reserved (network, broadcast, gateway or aux address)",
                             ip.to_string(), owner));
  owners_[ip] = owner;
  return {};
}

Status AddressPool::adopt(const IpAddress& ip, const std::string& owner) {
  if (auto it = owners_.find(ip); it != owners_.end() && it->second == owner) return {};
  PIER_CHECK(reserve(ip, owner));
  const Subnet& range = config_.ip_range ? *config_.ip_range : config_.subnet;
  if (range.contains(ip)) {
    uint64_t n = std::min<uint64_t>(range.size(), uint64_t(1) << 24);  // as allocate bounds it
    uint64_t index = range.index_of(ip);
    if (index < n && index >= next_) next_ = index + 1;
  }
  return {};
}

void AddressPool::release(const IpAddress& ip) { owners_.erase(ip); }

std::string AddressPool::owner_of(const IpAddress& ip) const {
  auto it = owners_.find(ip);
  return it == owners_.end() ? "" : it->second;
}

}  // namespace pier::net
