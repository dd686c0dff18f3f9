// The rules for names a compose file gives that become host paths or kernel object
// names (volume directories, container scratch/log dirs and cgroups, bridges), and for
// the user and group ids a process is asked to run as. Docker's rules where Docker has
// them, so a file Docker Compose accepts is accepted here and the reverse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::compose {

// Container and volume names (moby's RestrictedNamePattern): [a-zA-Z0-9][a-zA-Z0-9_.-]+
bool is_restricted_name(std::string_view name);
// Keys of `services`, `networks`, `volumes`, `secrets`, `configs` (the compose schema):
// [a-zA-Z0-9._-]+, and not `.` or `..`, which a path would read as a directory.
bool is_resource_key(std::string_view key);
// Network names: [a-zA-Z0-9][a-zA-Z0-9_.-]*. Docker takes almost anything; pier uses an
// external network's name as a bridge's link name, so it holds them to the characters
// of the other names.
bool is_network_name(std::string_view name);
// A bridge's link name: 1 to 15 (IFNAMSIZ - 1) of [a-zA-Z0-9_.-], starting with a letter
// or digit; pier writes it into nftables rules as well as netlink requests.
bool is_interface_name(std::string_view name);

// The highest id a process may hold: (uid_t)-1 means "leave unchanged" to setresuid,
// setresgid and chown, so a process asked to become 4294967295 would stay root.
inline constexpr uint64_t kMaxId = 4294967294;

// `user`: "name", "uid", "name:group", "uid:gid", "uid:group". A part that is a number
// must be in 0..kMaxId; names are looked up in the image later.
Status check_user_ids(std::string_view user);
// One id (a group_add entry, a secret's uid or gid): a name, or a number in 0..kMaxId.
// `what` names it in the error ("uid", "gid").
Status check_id(std::string_view id, std::string_view what);

}  // namespace pier::compose
