#include "rootless/locations.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <vector>

#include "base/atomic_file.h"

namespace pier::rootless {
namespace {

// An XDG variable counts only with an absolute path (XDG Base Directory Specification).
bool usable(const std::string& dir) { return !dir.empty() && dir.front() == '/'; }

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string passwd_home(uid_t uid) {
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || !found || !pw.pw_dir) return "";
  return pw.pw_dir;
}

// The uid this process has outside every user namespace it is in: its own uid in the
// machine's namespace; inside pier's (or `unshare -r`'s), what uid 0 maps to.
uid_t host_uid() {
  uid_t uid = ::getuid();
  auto map = read_file("/proc/self/uid_map");
  if (!map) return uid;
  auto outside = outside_id(*map, uid);
  return outside ? static_cast<uid_t>(*outside) : uid;
}

}  // namespace

Result<Locations> choose_locations(const LocationInputs& in) {
  Locations out;
  if (usable(in.xdg_data_home)) {
    out.data = in.xdg_data_home + "/pier";
  } else if (usable(in.home)) {
    out.data = in.home + "/.local/share/pier";
  } else {
    return Error("choose pier's data directory: neither XDG_DATA_HOME nor a home directory is set for uid " +
                 std::to_string(in.uid))
        .hint("set XDG_DATA_HOME or HOME, or give --root DIR");
  }
  if (usable(in.xdg_runtime_dir)) {
    out.run = in.xdg_runtime_dir + "/pier";
  } else {
    out.run = "/tmp/pier-" + std::to_string(in.uid);
    out.run_in_tmp = true;
  }
  return out;
}

std::optional<unsigned long> outside_id(std::string_view map, unsigned long inside) {
  std::istringstream lines{std::string(map)};
  unsigned long first = 0, outside = 0, count = 0;
  while (lines >> first >> outside >> count)
    if (inside >= first && inside - first < count) return outside + (inside - first);
  return std::nullopt;
}

Result<Locations> user_locations() {
  LocationInputs in;
  in.uid = host_uid();
  in.xdg_data_home = env("XDG_DATA_HOME");
  in.xdg_runtime_dir = env("XDG_RUNTIME_DIR");
  in.home = env("HOME");
  if (!usable(in.home)) in.home = passwd_home(in.uid);
  return choose_locations(in);
}

}  // namespace pier::rootless
