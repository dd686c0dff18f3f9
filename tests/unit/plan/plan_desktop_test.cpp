// x-pier-desktop as plan data: a fake session (environment, X11 socket dir, sockets in a
// temporary runtime dir) -> binds, env, devices, ipc and user.
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>

#include "unit/image/temp_dir.h"
#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;

namespace {

// A listening unix socket at `path`, closed (and left as a socket inode) at scope end.
struct FakeSocket {
  int fd = -1;
  explicit FakeSocket(const std::string& path) {
    fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~FakeSocket() { ::close(fd); }
};

struct Session {
  pier::test::TempDir dir;
  std::string x11 = dir / "X11-unix", snd = dir / "snd", dri = dir / "dri", run = dir / "run";
  Session() {
    ::mkdir(x11.c_str(), 0755);
    ::mkdir(run.c_str(), 0700);
    ::mkdir((run + "/pulse").c_str(), 0700);
  }
  void use(Setup& s, compose::Environment env) {
    s.environment = std::move(env);
    s.in.desktop_host = {x11, snd, dri};
  }
};

ServicePlan plan_in(Setup& s) {
  auto plan = plan_container(s.in);
  if (!plan) throw std::runtime_error(plan.error().to_string());
  return std::move(*plan);
}

const runtime::BindMount* bind_at(const ServicePlan& p, const std::string& target) {
  for (const auto& b : p.spec.binds)
    if (b.target == target) return &b;
  return nullptr;
}

}  // namespace

TEST_CASE("plan: x-pier-desktop x11 binds the socket dir and the cookie, sets DISPLAY and ipc host",
          "[plan][plan][desktop]") {
  Session session;
  std::ofstream(session.dir / "cookie") << "cookie";
  auto s = setup("services:\n  app:\n    image: busybox\n    x-pier-desktop: {x11: true}\n");
  session.use(*s, {{"DISPLAY", ":99"}, {"XAUTHORITY", session.dir / "cookie"}, {"SUDO_UID", "1000"}, {"SUDO_GID", "1001"}});
  ServicePlan p = plan_in(*s);
  const auto* sock = bind_at(p, "/tmp/.X11-unix");
  REQUIRE(sock);
  CHECK(sock->source == session.x11);
  CHECK(sock->read_only);
  const auto* cookie = bind_at(p, "/tmp/.pier-xauthority");
  REQUIRE(cookie);
  CHECK(cookie->source == session.dir / "cookie");
  CHECK(cookie->read_only);
  CHECK(has_env(p, "DISPLAY=:99"));
  CHECK(has_env(p, "XAUTHORITY=/tmp/.pier-xauthority"));
  CHECK(p.spec.namespaces.ipc.kind == runtime::NamespaceMode::Kind::host);
  CHECK(p.spec.process.user == "1000:1001");
}

TEST_CASE("plan: x-pier-desktop leaves what the service sets itself", "[plan][plan][desktop]") {
  Session session;
  auto s = setup(R"(services:
  app:
    image: busybox
    user: "2000"
    ipc: private
    environment: {DISPLAY: "unix:1"}
    volumes: ["/tmp/.X11-unix:/tmp/.X11-unix"]
    x-pier-desktop: true
)");
  session.use(*s, {{"DISPLAY", ":99"}, {"SUDO_UID", "1000"}});
  ServicePlan p = plan_in(*s);
  CHECK(has_env(p, "DISPLAY=unix:1"));
  CHECK_FALSE(has_env(p, "DISPLAY=:99"));
  CHECK(bind_at(p, "/tmp/.X11-unix")->source == "/tmp/.X11-unix");
  CHECK(p.spec.namespaces.ipc.kind != runtime::NamespaceMode::Kind::host);
  CHECK(p.spec.process.user == "2000");
}

TEST_CASE("plan: x-pier-desktop wayland, pulseaudio and gpu from the session", "[plan][plan][desktop]") {
  Session session;
  FakeSocket wayland(session.run + "/wayland-1"), pulse(session.run + "/pulse/native");
  ::mkdir(session.snd.c_str(), 0755);
  ::mkdir(session.dri.c_str(), 0755);
  auto s = setup("services:\n  app:\n    image: busybox\n    x-pier-desktop: {wayland: true, pulseaudio: true, gpu: true}\n");
  session.use(*s, {{"WAYLAND_DISPLAY", "wayland-1"}, {"XDG_RUNTIME_DIR", session.run}, {"SUDO_UID", "1000"}, {"SUDO_GID", "1000"}});
  ServicePlan p = plan_in(*s);
  REQUIRE(bind_at(p, "/run/user/1000/wayland-1"));
  CHECK(bind_at(p, "/run/user/1000/wayland-1")->source == session.run + "/wayland-1");
  CHECK(has_env(p, "WAYLAND_DISPLAY=wayland-1"));
  CHECK(has_env(p, "XDG_RUNTIME_DIR=/run/user/1000"));
  REQUIRE(bind_at(p, "/run/user/1000/pulse/native"));
  CHECK(has_env(p, "PULSE_SERVER=unix:/run/user/1000/pulse/native"));
  REQUIRE(p.spec.devices.size() == 2);
  CHECK(p.spec.devices[0].host_path == session.snd);
  CHECK(p.spec.devices[0].container_path == "/dev/snd");
  CHECK(p.spec.devices[1].container_path == "/dev/dri");
  // No X11 asked for: the IPC namespace stays private.
  CHECK(p.spec.namespaces.ipc.kind != runtime::NamespaceMode::Kind::host);
}

TEST_CASE("plan: x-pier-desktop parts asked for but missing fail at the extension", "[plan][plan][desktop]") {
  Session session;
  auto s = setup("services:\n  app:\n    image: busybox\n    x-pier-desktop:\n      x11: true\n");
  session.use(*s, {});
  auto plan = plan_container(s->in);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().to_string() ==
        "compose.yaml:4:5: service \"app\": x-pier-desktop.x11: DISPLAY is not set in the environment pier was "
        "started from (run pier from the desktop session, or `export DISPLAY=:0`; under sudo, "
        "`sudo --preserve-env=DISPLAY,XAUTHORITY pier up`)");
  auto g = setup("services:\n  app:\n    image: busybox\n    x-pier-desktop: {gpu: true}\n");
  session.use(*g, {});
  auto gpu = plan_container(g->in);
  REQUIRE_FALSE(gpu);
  CHECK(gpu.error().to_string() == "compose.yaml:4:5: service \"app\": x-pier-desktop.gpu: `" + session.dri +
                                       "` does not exist on this host (no DRM driver loaded)");
}

TEST_CASE("plan: x-pier-desktop: true takes what the host has and warns when it has nothing",
          "[plan][plan][desktop]") {
  Session session;
  auto s = setup("services:\n  app:\n    image: busybox\n    x-pier-desktop: true\n");
  session.use(*s, {});
  ServicePlan p = plan_in(*s);
  CHECK(p.spec.binds.empty());
  CHECK(p.spec.devices.empty());
  CHECK(warnings_of(p) ==
        "compose.yaml:4:5: service \"app\": x-pier-desktop: this session has no display, sound or GPU to share "
        "(DISPLAY and WAYLAND_DISPLAY are unset, no PulseAudio socket, no /dev/snd or /dev/dri)\n");
  auto x = setup("services:\n  app:\n    image: busybox\n    x-pier-desktop: true\n");
  session.use(*x, {{"DISPLAY", ":5"}});
  ServicePlan px = plan_in(*x);
  CHECK(bind_at(px, "/tmp/.X11-unix"));
  CHECK(has_env(px, "DISPLAY=:5"));
  CHECK(px.warnings.empty());
}
