// The id maps of pier's user namespace: container id 0 is the user, ids 1..N are the
// user's subordinate ranges from /etc/subuid and /etc/subgid (shadow's subuid(5)), in
// the order the file lists them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pier::rootless {

struct IdRange {
  unsigned long start = 0;
  unsigned long count = 0;
};

// One line of /proc/<pid>/uid_map: `count` ids from `inside` map to `outside`.
struct MapLine {
  unsigned long inside = 0;
  unsigned long outside = 0;
  unsigned long count = 0;
};

// The ranges of `/etc/subuid` text (or subgid) that belong to the user: lines
// `name:start:count` or `uid:start:count`. Comments, blank and malformed lines and
// empty ranges are skipped, as newuidmap skips them.
std::vector<IdRange> subordinate_ranges(std::string_view text, std::string_view user, unsigned long id);

// The kernel takes at most this many lines in a map (user_namespaces(7), Linux 4.15).
inline constexpr size_t kMaxMapLines = 340;

// 0 -> `own`, then the ranges one after the other from 1. A range that would make the
// ids inside overflow, and ranges beyond kMaxMapLines, are left out.
std::vector<MapLine> build_map(unsigned long own, const std::vector<IdRange>& ranges);

// How many ids a map covers inside (ids 0..n-1 are mapped).
unsigned long mapped_count(const std::vector<MapLine>& map);

// The text the kernel takes in /proc/<pid>/uid_map, and the arguments newuidmap and
// newgidmap take after the pid (`inside outside count` for each line).
std::string map_text(const std::vector<MapLine>& map);
std::vector<std::string> map_arguments(const std::vector<MapLine>& map);

}  // namespace pier::rootless
