// x-pier-desktop: what users of the peers assemble by hand from forum posts to run a
// desktop app in a container, added from the host session pier was started in:
//
//   x11         /tmp/.X11-unix bound read-only, DISPLAY, the XAUTHORITY cookie file bound
//               read-only, and `ipc: host` so MIT-SHM works
//   wayland     the compositor's socket, WAYLAND_DISPLAY and XDG_RUNTIME_DIR
//   pulseaudio  the PulseAudio (or pipewire-pulse) socket and cookie, PULSE_SERVER, and
//               the ALSA nodes under /dev/snd with their group
//   gpu         the DRM nodes under /dev/dri with their groups (video, render)
//   user        the invoking user's uid:gid (SUDO_UID/SUDO_GID under sudo; nothing for
//               root without sudo, so the image's USER stays); a rootless pier runs
//               the container with keep-id (the user's own uid:gid inside)
//
// What the service sets itself wins: its `environment`, `user`, `ipc`, a mount on the
// same target, a device at the same path. Host facts come from the variables the
// project was loaded with (the CLI's environment), so a detached supervisor sees the
// session `pier up` was typed in.
#include <dirent.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "base/strings.h"
#include "plan/steps.h"
#include "runtime/id_map.h"
#include "sys/user_namespace.h"

namespace pier::plan::detail {

namespace {

// Inside the container: the runtime dir of the invoking uid, as on the host.
constexpr const char* kContainerXauthority = "/tmp/.pier-xauthority";
constexpr const char* kContainerPulseCookie = "/tmp/.pier-pulse-cookie";

struct DesktopHost {
  const PlanInputs& in;

  std::string var(const std::string& name) const {
    if (in.environment) {
      auto it = in.environment->find(name);
      return it == in.environment->end() ? std::string() : it->second;
    }
    const char* v = std::getenv(name.c_str());
    return v ? v : "";
  }
};

struct InvokingUser {
  uid_t uid;
  gid_t gid;
  std::string home;
};

std::optional<unsigned> parse_decimal(const std::string& text) {
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos) return {};
  unsigned long v = std::strtoul(text.c_str(), nullptr, 10);
  if (v > 0xFFFFFFFEul) return {};
  return static_cast<unsigned>(v);
}

// SUDO_UID/SUDO_GID name the user behind `sudo pier up`; without them, pier's own ids.
InvokingUser invoking_user(const DesktopHost& host) {
  InvokingUser u{::getuid(), ::getgid(), {}};
  // Rootless: pier is root only inside its user namespace; the user is who that root
  // stands for outside (the first line of its uid_map and gid_map).
  if (!sys::in_initial_user_namespace())
    if (auto keep = runtime::keep_id(); keep.ok()) u = {keep->uid, keep->gid, {}};
  if (auto uid = parse_decimal(host.var("SUDO_UID"))) {
    u.uid = *uid;
    auto gid = parse_decimal(host.var("SUDO_GID"));
    u.gid = gid ? *gid : u.uid;
  }
  if (const passwd* pw = ::getpwuid(u.uid); pw && pw->pw_dir) u.home = pw->pw_dir;
  if (u.home.empty() && u.uid == ::getuid()) u.home = host.var("HOME");
  return u;
}

bool is_kind(const std::string& path, mode_t kind) {
  struct stat st{};
  return !path.empty() && ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IFMT) == kind;
}

// The distinct non-root groups of the device nodes under `dir` (audio, video, render).
std::vector<gid_t> node_groups(const std::string& dir) {
  std::vector<gid_t> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    struct stat st{};
    std::string child = dir + "/" + e->d_name;
    if (::lstat(child.c_str(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) continue;
    if (st.st_gid != 0 && std::find(out.begin(), out.end(), st.st_gid) == out.end()) out.push_back(st.st_gid);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

class DesktopPlanner {
 public:
  DesktopPlanner(PlanContext& ctx, const compose::DesktopSharing& want)
      : ctx_(ctx), want_(want), host_{ctx.in}, user_(invoking_user(host_)) {}

  Status run() {
    const auto& paths = ctx_.in.desktop_host;
    bool any = false;
    if (want_.automatic || want_.x11) { PIER_TRY(bool on, x11(paths.x11_socket_dir)); any |= on; }
    if (want_.automatic || want_.wayland) { PIER_TRY(bool on, wayland()); any |= on; }
    if (want_.automatic || want_.pulseaudio) { PIER_TRY(bool on, pulseaudio(paths.sound_devices)); any |= on; }
    if (want_.automatic || want_.gpu) { PIER_TRY(bool on, gpu(paths.gpu_devices)); any |= on; }
    if (want_.automatic && !any)
      ctx_.warn_at(want_.mark, "x-pier-desktop: this session has no display, sound or GPU to share "
                               "(DISPLAY and WAYLAND_DISPLAY are unset, no PulseAudio socket, no /dev/snd or /dev/dri)");
    // Rootless: the user keeps their own id in a user namespace of the container's
    // (keep-id), so what the app writes in a bind-mounted $HOME belongs to them.
    if (want_.user && sys::rootless() && ctx_.svc.userns_mode.empty()) {
      PIER_TRY(std::string user, plan_keep_id(ctx_, want_.mark, "x-pier-desktop.user"));
      if (ctx_.svc.user.empty()) ctx_.plan.spec.process.user = user;
      return {};
    }
    // Root without sudo has no other user to become: the image's USER stays.
    if (want_.user && ctx_.svc.user.empty() && user_.uid != 0)
      ctx_.plan.spec.process.user = fmt::format("{}:{}", user_.uid, user_.gid);
    return {};
  }

 private:
  Error missing(std::string_view part, std::string message) const {
    return ctx_.error_at(want_.mark, fmt::format("x-pier-desktop.{}: {}", part, message));
  }

  std::string runtime_dir() const {
    std::string dir = host_.var("XDG_RUNTIME_DIR");
    // Under sudo, XDG_RUNTIME_DIR is root's or unset: the session's is the user's.
    if (dir.empty() || (!host_.var("SUDO_UID").empty() && dir == "/run/user/0"))
      dir = fmt::format("/run/user/{}", user_.uid);
    return dir;
  }
  std::string container_runtime_dir() const { return fmt::format("/run/user/{}", user_.uid); }

  // The service's own `environment` wins over what the extension sets, which wins over the image.
  void set_env(const std::string& key, const std::string& value) {
    if (ctx_.svc.environment.count(key)) return;
    auto& env = ctx_.plan.spec.process.env;
    const std::string entry = key + "=" + value;
    for (auto& e : env)
      if (e.compare(0, key.size() + 1, key + "=") == 0) {
        e = entry;
        return;
      }
    env.push_back(entry);
  }

  // A bind the service does not already make itself.
  Status bind(const std::string& source, const std::string& target, bool read_only) {
    if (ctx_.targets.count(clean_rooted_path(target))) return {};
    PIER_CHECK(claim_target(ctx_, target, want_.mark, "x-pier-desktop"));
    runtime::BindMount b;
    b.source = source;
    b.target = clean_rooted_path(target);
    b.read_only = read_only;
    ctx_.plan.spec.binds.push_back(std::move(b));
    return {};
  }

  void device_dir(const std::string& dir, const std::string& inside) {
    for (const auto& d : ctx_.svc.devices)
      if ((d.target.empty() ? d.source : d.target) == inside) return;
    ctx_.plan.spec.devices.push_back({dir, inside, "rwm"});
    auto& groups = ctx_.plan.spec.process.group_add;
    for (gid_t gid : node_groups(dir)) {
      std::string g = std::to_string(gid);
      if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
  }

  Result<bool> x11(const std::string& socket_dir) {
    const std::string display = host_.var("DISPLAY");
    if (display.empty()) {
      if (!want_.x11) return false;
      return missing("x11", "DISPLAY is not set in the environment pier was started from")
          .hint("run pier from the desktop session, or `export DISPLAY=:0`; under sudo, "
                "`sudo --preserve-env=DISPLAY,XAUTHORITY pier up`");
    }
    // `:0`, `unix:0` and `/tmp/.X11-unix/X0` reach the socket; `host:0` is TCP.
    const auto colon = display.rfind(':');
    const std::string host_part = colon == std::string::npos ? display : display.substr(0, colon);
    const bool local = host_part.empty() || host_part == "unix" || host_part[0] == '/';
    if (local) {
      if (!is_kind(socket_dir, S_IFDIR)) {
        if (!want_.x11) return false;
        return missing("x11", fmt::format("DISPLAY is `{}` but `{}` does not exist on this host", display, socket_dir))
            .hint("start the X server (or Xvfb) first");
      }
      PIER_CHECK(bind(socket_dir, "/tmp/.X11-unix", true));
    } else if (ctx_.svc.network_mode != "host") {
      ctx_.warn_at(want_.mark, fmt::format("x-pier-desktop.x11: DISPLAY `{}` is a TCP display, which the "
                                           "container reaches only with `network_mode: host`", display));
    }
    set_env("DISPLAY", display);
    std::string cookie = host_.var("XAUTHORITY");
    if (cookie.empty() && !user_.home.empty()) cookie = user_.home + "/.Xauthority";
    if (is_kind(cookie, S_IFREG)) {
      PIER_CHECK(bind(cookie, kContainerXauthority, true));
      set_env("XAUTHORITY", kContainerXauthority);
    }
    // MIT-SHM hands the X server shared memory segments by id: both must be in one IPC namespace.
    if (ctx_.svc.ipc.empty()) ctx_.plan.spec.namespaces.ipc = runtime::NamespaceMode::host();
    return true;
  }

  Result<bool> wayland() {
    std::string name = host_.var("WAYLAND_DISPLAY");
    if (name.empty()) {
      if (!want_.wayland) return false;
      return missing("wayland", "WAYLAND_DISPLAY is not set in the environment pier was started from")
          .hint("run pier from a Wayland session; under sudo, `sudo --preserve-env=WAYLAND_DISPLAY,XDG_RUNTIME_DIR`");
    }
    const std::string socket = name[0] == '/' ? name : runtime_dir() + "/" + name;
    if (!is_kind(socket, S_IFSOCK)) {
      if (!want_.wayland) return false;
      return missing("wayland", fmt::format("the compositor's socket `{}` does not exist", socket));
    }
    const std::string base = socket.substr(socket.rfind('/') + 1);
    PIER_CHECK(bind(socket, container_runtime_dir() + "/" + base, true));
    set_env("WAYLAND_DISPLAY", base);
    set_env("XDG_RUNTIME_DIR", container_runtime_dir());
    return true;
  }

  Result<bool> pulseaudio(const std::string& sound_devices) {
    std::string socket = host_.var("PULSE_SERVER");
    if (starts_with(socket, "unix:")) socket = socket.substr(5);
    if (socket.empty() || socket[0] != '/') socket = runtime_dir() + "/pulse/native";
    const bool have_socket = is_kind(socket, S_IFSOCK);
    const bool have_alsa = is_kind(sound_devices, S_IFDIR);
    if (!have_socket && !have_alsa) {
      if (!want_.pulseaudio) return false;
      return missing("pulseaudio", fmt::format("no PulseAudio socket at `{}` and no `{}` on this host", socket, sound_devices))
          .hint("start PulseAudio or PipeWire in the session, or set PULSE_SERVER=unix:/path/to/socket");
    }
    if (have_socket) {
      const std::string inside = container_runtime_dir() + "/pulse/native";
      PIER_CHECK(bind(socket, inside, true));
      set_env("PULSE_SERVER", "unix:" + inside);
      std::string cookie = host_.var("PULSE_COOKIE");
      if (cookie.empty() && !user_.home.empty()) cookie = user_.home + "/.config/pulse/cookie";
      if (is_kind(cookie, S_IFREG)) {
        PIER_CHECK(bind(cookie, kContainerPulseCookie, true));
        set_env("PULSE_COOKIE", kContainerPulseCookie);
      }
    }
    if (have_alsa) device_dir(sound_devices, "/dev/snd");
    return true;
  }

  Result<bool> gpu(const std::string& gpu_devices) {
    if (!is_kind(gpu_devices, S_IFDIR)) {
      if (!want_.gpu) return false;
      return missing("gpu", fmt::format("`{}` does not exist on this host (no DRM driver loaded)", gpu_devices));
    }
    device_dir(gpu_devices, "/dev/dri");
    return true;
  }

  PlanContext& ctx_;
  const compose::DesktopSharing& want_;
  DesktopHost host_;
  InvokingUser user_;
};

}  // namespace

Status plan_desktop(PlanContext& ctx) {
  if (!ctx.svc.desktop) return {};
  return DesktopPlanner(ctx, *ctx.svc.desktop).run();
}

}  // namespace pier::plan::detail
