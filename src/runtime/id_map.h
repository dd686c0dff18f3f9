// User namespace id maps as data: reading /proc/<pid>/{uid,gid}_map, and the maps of
// `userns_mode: keep-id` (Podman's name), where the user pier runs for keeps their own
// id inside the container, so files it writes in a bind-mounted $HOME belong to them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "runtime/spec.h"

namespace pier::runtime {

// One line of a uid_map or gid_map: `inside outside count`.
struct IdRange {
  uint32_t inside, outside, count;
};
// Malformed lines are an error naming them.
Result<std::vector<IdRange>> parse_id_map(std::string_view text);
bool maps_inside(const std::vector<IdRange>& map, uint32_t id);
bool maps_container_id(const std::vector<IdMap>& map, uint32_t id);

// keep-id for one kind of id, from pier's own namespace's map (`parent`, the text of
// /proc/self/uid_map or gid_map): `host_id` is the id pier's root stands for outside
// (the user's real uid or gid); inside the container that id maps to pier's root (so
// to the user on the host), and the container's other ids, from 0 up, take pier's
// other ids in order (Podman's layout: with `0 1000 1` and `1 100000 65536`, container
// 0..999 are pier's 1..1000, 1000 is pier's 0, 1001.. are pier's 1001..).
struct KeepIdMap {
  uint32_t host_id = 0;
  std::vector<IdMap> map;  // container id -> pier's id
};
Result<KeepIdMap> keep_id_map(std::string_view parent);

// The container's user namespace and process ids for keep-id, from /proc/self's maps.
struct KeepId {
  UserNamespace userns;
  uid_t uid = 0;
  gid_t gid = 0;
};
Result<KeepId> keep_id();

}  // namespace pier::runtime
