#include "runtime/security/caps.h"

#include <fmt/format.h>
#include <sys/capability.h>

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "base/strings.h"

namespace pier::runtime {

int last_cap() {
  static const int value = [] {
    int v = CAP_LAST_CAP;
    if (FILE* f = std::fopen("/proc/sys/kernel/cap_last_cap", "r")) {
      if (std::fscanf(f, "%d", &v) != 1) v = CAP_LAST_CAP;
      std::fclose(f);
    }
    return v;
  }();
  return value;
}

CapMask all_caps() {
  int last = last_cap();
  return last >= 63 ? ~CapMask{0} : (CapMask{1} << (last + 1)) - 1;
}

CapMask available_caps() {
  static const CapMask value = [] {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capget, &hdr, data) != 0) return all_caps();
    CapMask permitted = data[0].permitted | (CapMask{data[1].permitted} << 32);
    CapMask bounding = 0;
    for (int c = 0; c <= last_cap(); ++c)
      if (::prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1) bounding |= cap_bit(c);
    return permitted & bounding & all_caps();
  }();
  return value;
}

CapMask default_caps() {
  static constexpr int kDocker[] = {CAP_CHOWN,      CAP_DAC_OVERRIDE,     CAP_FSETID, CAP_FOWNER,
                                    CAP_MKNOD,      CAP_NET_RAW,          CAP_SETGID, CAP_SETUID,
                                    CAP_SETFCAP,    CAP_SETPCAP,          CAP_NET_BIND_SERVICE,
                                    CAP_SYS_CHROOT, CAP_KILL,             CAP_AUDIT_WRITE};
  CapMask m = 0;
  for (int c : kDocker) m |= cap_bit(c);
  return m;
}

namespace {

// One list of names: "NET_ADMIN", "cap_net_admin" and "Net_Admin" are the same cap;
// "ALL" is noted, not expanded, because what it means depends on the other list.
struct CapList {
  CapMask mask = 0;
  bool all = false;
};

Result<CapList> parse_caps(const std::vector<std::string>& names) {
  CapList out;
  for (const auto& name : names) {
    std::string lower = to_lower(name);
    if (lower == "all") {
      out.all = true;
      continue;
    }
    if (!starts_with(lower, "cap_")) lower = "cap_" + lower;
    cap_value_t value = 0;
    if (cap_from_name(lower.c_str(), &value) != 0 || value > last_cap())
      return Error(fmt::format("unknown capability `{}`", name)).hint("see capabilities(7) for the names");
    out.mask |= cap_bit(value);
  }
  return out;
}

}  // namespace

Result<CapMask> compute_caps(const std::vector<std::string>& add, const std::vector<std::string>& drop,
                             bool privileged) {
  PIER_TRY(CapList added, parse_caps(add));
  PIER_TRY(CapList dropped, parse_caps(drop));
  // The first case that applies decides, as in moby's caps.TweakCapabilities.
  if (added.all) return available_caps() & ~dropped.mask;
  if (dropped.all) return added.mask;
  const CapMask base = privileged ? available_caps() : default_caps();
  return (base & ~dropped.mask) | added.mask;
}

std::vector<std::string> cap_names(CapMask mask) {
  std::vector<std::string> out;
  for (int c = 0; c <= last_cap(); ++c) {
    if (!(mask & cap_bit(c))) continue;
    char* n = cap_to_name(c);
    out.push_back(to_lower(n ? n : std::to_string(c)));
    cap_free(n);
  }
  return out;
}

}  // namespace pier::runtime
