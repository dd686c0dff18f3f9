// User and group resolution against the *container's* /etc/passwd and /etc/group,
// parsed by the parent before clone (never NSS: no code from the image runs on the host).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::runtime {

struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary, including group_add
  std::string home = "/";
};

// `user` as Docker takes it: "", "name", "uid", "name:group", "uid:gid". Passwd/group are
// file contents (empty if the image has none).
Result<ResolvedUser> resolve_user(std::string_view user, const std::vector<std::string>& group_add,
                                  std::string_view passwd, std::string_view group);

struct FileOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

// The owner of a secret or config: `uid` and `gid` each a number taken as is, or a name
// looked up in the container's /etc/passwd and /etc/group; empty means 0 (as Docker).
Result<FileOwner> resolve_file_owner(std::string_view uid, std::string_view gid, std::string_view passwd,
                                     std::string_view group);

}  // namespace pier::runtime
