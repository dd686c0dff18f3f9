#include "runtime/id_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "base/atomic_file.h"

namespace pier::runtime {

Result<std::vector<IdRange>> parse_id_map(std::string_view text) {
  std::vector<IdRange> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::istringstream fields(line);
    unsigned long long inside = 0, outside = 0, count = 0;
    std::string extra;
    if (!(fields >> inside >> outside >> count) || (fields >> extra) || count == 0 || inside + count > (1ull << 32) ||
        outside + count > (1ull << 32))
      return Error(fmt::format("id map line `{}`: want `inside outside count`", line));
    out.push_back({static_cast<uint32_t>(inside), static_cast<uint32_t>(outside), static_cast<uint32_t>(count)});
  }
  return out;
}

bool maps_inside(const std::vector<IdRange>& map, uint32_t id) {
  for (const auto& r : map)
    if (id >= r.inside && id - r.inside < r.count) return true;
  return false;
}

bool maps_container_id(const std::vector<IdMap>& map, uint32_t id) {
  for (const auto& r : map)
    if (id >= r.container_id && id - r.container_id < r.size) return true;
  return false;
}

Result<KeepIdMap> keep_id_map(std::string_view parent) {
  PIER_TRY(auto ranges, parse_id_map(parent));
  auto root = std::find_if(ranges.begin(), ranges.end(), [](const IdRange& r) { return r.inside == 0; });
  if (root == ranges.end()) return Error("keep-id: id 0 is not mapped in pier's user namespace");
  KeepIdMap out;
  out.host_id = root->outside;
  out.map.push_back({out.host_id, 0, 1});
  std::sort(ranges.begin(), ranges.end(), [](const IdRange& a, const IdRange& b) { return a.inside < b.inside; });
  uint64_t next = 0;  // the next container id to hand out
  for (const auto& r : ranges) {
    uint64_t from = r.inside, left = r.count;
    if (from == 0) ++from, --left;  // pier's root is the user: it went to host_id above
    while (left > 0 && next < (1ull << 32)) {
      if (next == out.host_id) ++next;
      // A run of container ids stops before host_id, which is taken.
      uint64_t run = next < out.host_id ? std::min<uint64_t>(left, out.host_id - next) : left;
      run = std::min<uint64_t>(run, (1ull << 32) - next);
      out.map.push_back({static_cast<uint32_t>(next), static_cast<uint32_t>(from), static_cast<uint32_t>(run)});
      next += run, from += run, left -= run;
    }
  }
  return out;
}

Result<KeepId> keep_id() {
  PIER_TRY(std::string uid_text, read_file("/proc/self/uid_map"));
  PIER_TRY(std::string gid_text, read_file("/proc/self/gid_map"));
  PIER_TRY(KeepIdMap uids, keep_id_map(uid_text).context("/proc/self/uid_map"));
  PIER_TRY(KeepIdMap gids, keep_id_map(gid_text).context("/proc/self/gid_map"));
  KeepId out;
  out.userns.enabled = true;
  out.userns.uid_map = std::move(uids.map);
  out.userns.gid_map = std::move(gids.map);
  out.uid = uids.host_id;
  out.gid = gids.host_id;
  return out;
}

}  // namespace pier::runtime
