#include "runtime/users.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <optional>

#include "base/strings.h"

namespace pier::runtime {

namespace {

struct PasswdEntry {
  std::string name;
  uid_t uid;
  gid_t gid;
  std::string home;
};
struct GroupEntry {
  std::string name;
  gid_t gid;
  std::vector<std::string> members;
};

// (uid_t)-1 is "leave unchanged" to setresuid, setresgid and chown: a process asked to
// become it would stay root. Ids above it do not fit. Docker's range is the same.
constexpr uint64_t kMaxId = 4294967294;

// nullopt for anything but a number in 0..kMaxId (passwd and group lines with such
// ids are skipped: no process may hold them).
std::optional<unsigned> parse_id(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > kMaxId) return std::nullopt;
  return static_cast<unsigned>(v);
}

// A number that parse_id refused is out of range, not a name to look up.
Status check_number(std::string_view s, const char* what) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos || parse_id(s)) return {};
  return Error(fmt::format("{} `{}` is out of range: ids go from 0 to {}", what, s, kMaxId));
}

std::vector<PasswdEntry> parse_passwd(std::string_view text) {
  std::vector<PasswdEntry> out;
  for (const auto& line : split(text, '\n')) {
    auto f = split(line, ':');
    if (f.size() < 7 || line.empty() || line[0] == '#') continue;
    auto uid = parse_id(f[2]), gid = parse_id(f[3]);
    if (!uid || !gid) continue;
    out.push_back({f[0], *uid, *gid, f[5]});
  }
  return out;
}

std::vector<GroupEntry> parse_group(std::string_view text) {
  std::vector<GroupEntry> out;
  for (const auto& line : split(text, '\n')) {
    auto f = split(line, ':');
    if (f.size() < 3 || line.empty() || line[0] == '#') continue;
    auto gid = parse_id(f[2]);
    if (!gid) continue;
    GroupEntry g{f[0], *gid, {}};
    if (f.size() >= 4 && !f[3].empty()) g.members = split(f[3], ',');
    out.push_back(std::move(g));
  }
  return out;
}

Result<gid_t> resolve_group(std::string_view name, const std::vector<GroupEntry>& groups) {
  PIER_CHECK(check_number(name, "gid"));
  if (auto id = parse_id(name)) return static_cast<gid_t>(*id);
  for (const auto& g : groups)
    if (g.name == name) return g.gid;
  return Error(fmt::format("group `{}` not found in the container's /etc/group", name))
      .hint("use a numeric gid or add the group to the image");
}

Result<uid_t> resolve_uid(std::string_view name, const std::vector<PasswdEntry>& passwd) {
  PIER_CHECK(check_number(name, "uid"));
  if (auto id = parse_id(name)) return static_cast<uid_t>(*id);
  for (const auto& p : passwd)
    if (p.name == name) return p.uid;
  return Error(fmt::format("user `{}` not found in the container's /etc/passwd", name))
      .hint("use a numeric uid or add the user to the image");
}

}  // namespace

Result<FileOwner> resolve_file_owner(std::string_view uid, std::string_view gid, std::string_view passwd,
                                     std::string_view group) {
  FileOwner owner;
  if (!uid.empty()) { PIER_TRY(owner.uid, resolve_uid(uid, parse_passwd(passwd))); }
  if (!gid.empty()) { PIER_TRY(owner.gid, resolve_group(gid, parse_group(group))); }
  return owner;
}

Result<ResolvedUser> resolve_user(std::string_view user, const std::vector<std::string>& group_add,
                                  std::string_view passwd_text, std::string_view group_text) {
  auto passwd = parse_passwd(passwd_text);
  auto groups = parse_group(group_text);
  ResolvedUser r;
  std::string_view uname = user, gname;
  if (auto colon = user.find(':'); colon != std::string_view::npos) {
    uname = user.substr(0, colon);
    gname = user.substr(colon + 1);
  }
  std::string login;
  bool found = false;
  if (uname.empty()) uname = "0";
  PIER_CHECK(check_number(uname, "uid"));
  auto numeric = parse_id(uname);
  for (const auto& p : passwd) {
    if ((numeric && p.uid == *numeric) || (!numeric && p.name == uname)) {
      r.uid = p.uid;
      r.gid = p.gid;
      r.home = p.home.empty() ? "/" : p.home;
      login = p.name;
      found = true;
      break;
    }
  }
  if (!found) {
    if (!numeric)
      return Error(fmt::format("user `{}` not found in the container's /etc/passwd", uname))
          .hint("use a numeric uid or add the user to the image");
    r.uid = *numeric;  // Docker: an unknown numeric uid runs with gid 0 and HOME=/
  }
  if (!gname.empty()) {
    PIER_TRY(r.gid, resolve_group(gname, groups));
  }
  // Supplementary groups: those listing the user, only when the user has a name.
  if (!login.empty())
    for (const auto& g : groups)
      for (const auto& m : g.members)
        if (m == login && g.gid != r.gid) r.groups.push_back(g.gid);
  for (const auto& extra : group_add) {
    PIER_TRY(gid_t gid, resolve_group(extra, groups));
    r.groups.push_back(gid);
  }
  return r;
}

}  // namespace pier::runtime
