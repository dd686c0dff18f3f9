// The mount table as data: order, flags, Docker's masked/read-only paths, user mounts.
#include <catch2/catch.hpp>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include "runtime/mount/plan.h"
#include "runtime/rootfs.h"

using namespace pier::runtime;

namespace {

ContainerSpec base_spec() {
  ContainerSpec s;
  s.project = "p";
  s.name = "c";
  s.process.argv = {"/bin/true"};
  return s;
}

const MountOp* find(const MountTable& t, OpKind kind, const std::string& target) {
  auto it = std::find_if(t.begin(), t.end(), [&](const MountOp& op) { return op.kind == kind && op.target == target; });
  return it == t.end() ? nullptr : &*it;
}

size_t index_of(const MountTable& t, const std::string& target) {
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].target == target) return i;
  return t.size();
}

}  // namespace

TEST_CASE("default API filesystems with Docker's flags", "[runtime][plan]") {
  auto t = build_mount_table(base_spec(), {}).value();
  const MountOp* dev = find(t, OpKind::mount, "/dev");
  REQUIRE(dev);
  CHECK(dev->fstype == "tmpfs");
  CHECK(dev->flags == (MS_NOSUID | MS_STRICTATIME));
  CHECK(dev->data == "mode=755,size=65536k");
  CHECK(dev->no_symlinks);
  const MountOp* proc = find(t, OpKind::mount, "/proc");
  REQUIRE(proc);
  CHECK(proc->flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));
  const MountOp* sys = find(t, OpKind::mount, "/sys");
  REQUIRE(sys);
  CHECK((sys->flags & MS_RDONLY));
  const MountOp* pts = find(t, OpKind::mount, "/dev/pts");
  REQUIRE(pts);
  CHECK(pts->data == "newinstance,ptmxmode=0666,mode=0620,gid=5");
  const MountOp* shm = find(t, OpKind::mount, "/dev/shm");
  REQUIRE(shm);
  CHECK(shm->data == "mode=1777,size=67108864");
  CHECK(find(t, OpKind::mount, "/dev/mqueue"));
  const MountOp* null = find(t, OpKind::mknod, "/dev/null");
  REQUIRE(null);
  CHECK(null->dev == makedev(1, 3));
  CHECK(null->mode == (S_IFCHR | 0666));
  const MountOp* ptmx = find(t, OpKind::symlink, "/dev/ptmx");
  REQUIRE(ptmx);
  CHECK(ptmx->source == "pts/ptmx");
  // /dev before the masks that bind its null; proc before its masks.
  CHECK(index_of(t, "/dev/null") < index_of(t, "/proc/kcore"));
  CHECK(index_of(t, "/proc") < index_of(t, "/proc/kcore"));
}

TEST_CASE("every Docker masked and read-only path is in the table", "[runtime][plan]") {
  auto t = build_mount_table(base_spec(), {}).value();
  for (int i = 0; kMaskedPaths[i]; ++i) {
    INFO(kMaskedPaths[i]);
    const MountOp* op = find(t, OpKind::mask, kMaskedPaths[i]);
    REQUIRE(op);
    CHECK(op->optional);
  }
  for (int i = 0; kReadonlyPaths[i]; ++i) CHECK(find(t, OpKind::readonly, kReadonlyPaths[i]));
  CHECK(find(t, OpKind::mask, "/proc/interrupts"));
  CHECK(find(t, OpKind::mask, "/sys/devices/virtual/powercap"));
}

TEST_CASE("privileged drops the masks", "[runtime][plan]") {
  auto spec = base_spec();
  spec.privileged = true;
  auto t = build_mount_table(spec, {}).value();
  CHECK_FALSE(find(t, OpKind::mask, "/proc/kcore"));
}

TEST_CASE("binds, tmpfs, files, init and workdir become rows", "[runtime][plan]") {
  auto spec = base_spec();
  spec.binds = {{"/", "/host", true, true, false, Propagation::rslave}};
  spec.tmpfs = {{"/run", 1 << 20, 0755}};
  spec.files = {{"/etc/hosts", "x"}};
  spec.init = true;
  spec.process.workdir = "/app";
  HostFacts facts;
  facts.files_dir = "/state/files";
  auto t = build_mount_table(spec, facts).value();
  const MountOp* bind = find(t, OpKind::bind, "/host");
  REQUIRE(bind);
  CHECK(bind->flags == (MS_BIND | MS_REC | MS_RDONLY));
  CHECK(bind->create == Create::dir);
  CHECK(bind->propagation == (MS_SLAVE | MS_REC));
  const MountOp* tmp = find(t, OpKind::mount, "/run");
  REQUIRE(tmp);
  CHECK(tmp->data == "mode=755,size=1048576");
  CHECK(tmp->flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));
  const MountOp* hosts = find(t, OpKind::bind, "/etc/hosts");
  REQUIRE(hosts);
  CHECK(hosts->source == "/state/files/0");
  CHECK(hosts->create == Create::file);
  const MountOp* init = find(t, OpKind::bind, "/sbin/docker-init");
  REQUIRE(init);
  CHECK((init->flags & MS_RDONLY));
  CHECK(find(t, OpKind::mkdir, "/app"));
  CHECK(describe(*bind) == "bind / -> /host");
}

TEST_CASE("bad mounts and sysctls are refused before clone", "[runtime][plan]") {
  auto inside_proc = base_spec();
  inside_proc.binds = {{"/", "/proc/x"}};
  CHECK_THAT(build_mount_table(inside_proc, {}).error().to_string(), Catch::Contains("inside /proc are refused"));
  auto relative = base_spec();
  relative.binds = {{"/", "data"}};
  CHECK_THAT(build_mount_table(relative, {}).error().to_string(), Catch::Contains("must be an absolute path"));
  auto missing = base_spec();
  missing.binds = {{"/definitely/not/here", "/data"}};
  CHECK_THAT(build_mount_table(missing, {}).error().to_string(),
             Catch::Contains("bind /definitely/not/here -> `/data`: No such file or directory"));
  auto sysctl = base_spec();
  sysctl.sysctls = {{"kernel.hostname", "x"}};
  CHECK_THAT(build_mount_table(sysctl, {}).error().to_string(), Catch::Contains("is not namespaced"));
  auto host_net = base_spec();
  host_net.namespaces.net = NamespaceMode::host();
  host_net.sysctls = {{"net.ipv4.ip_forward", "1"}};
  CHECK_FALSE(build_mount_table(host_net, {}).ok());
  // IPC sysctls change the namespace they are written in: only the container's own.
  for (const char* key : {"kernel.shmmax", "kernel.msgmnb", "kernel.sem", "fs.mqueue.msg_max"}) {
    auto host_ipc = base_spec();
    host_ipc.namespaces.ipc = NamespaceMode::host();
    host_ipc.sysctls = {{key, "1"}};
    auto refused = build_mount_table(host_ipc, {});
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().to_string(), Catch::Contains(std::string("sysctl `") + key + "` belongs to the IPC namespace"));
    CHECK_THAT(refused.error().to_string(), Catch::Contains("the host's"));
    auto joined_ipc = base_spec();
    joined_ipc.namespaces.ipc = NamespaceMode::of(1);
    joined_ipc.sysctls = {{key, "1"}};
    CHECK_THAT(build_mount_table(joined_ipc, {}).error().to_string(), Catch::Contains("another container's"));
    auto own_ipc = base_spec();
    own_ipc.sysctls = {{key, "1"}};
    CHECK(build_mount_table(own_ipc, {}).ok());
  }
  auto ok = base_spec();
  ok.sysctls = {{"net.ipv4.ip_forward", "1"}};
  auto t = build_mount_table(ok, {}).value();
  const MountOp* w = find(t, OpKind::write, "/proc/sys/net/ipv4/ip_forward");
  REQUIRE(w);
  CHECK(w->data == "1");
  CHECK(index_of(t, "/proc/sys/net/ipv4/ip_forward") < index_of(t, "/proc/sys"));
  auto sep = base_spec();
  sep.sysctls = {{"kernel.shmmax", "1=2"}};
  CHECK_FALSE(build_mount_table(sep, {}).ok());
}

TEST_CASE("devices become mknod rows", "[runtime][plan]") {
  HostFacts facts;
  facts.devices = {{"/dev/snd/pcm", "/dev/snd/pcm", S_IFCHR | 0660, makedev(116, 3), "rw", 0, 29}};
  auto t = build_mount_table(base_spec(), facts).value();
  const MountOp* op = find(t, OpKind::mknod, "/dev/snd/pcm");
  REQUIRE(op);
  CHECK(op->dev == makedev(116, 3));
  CHECK(op->gid == 29);  // the host node's group (audio), as runc keeps it
  auto none = expand_devices({{"/no/such/device", "", "rwm"}});
  CHECK_THAT(none.error().to_string(), Catch::Contains("device `/no/such/device`: No such file or directory"));
}

// A CDI device node: the spec's numbers, mode and owner, not the host node's; the host
// node must be a device of the spec's type, never a regular file (in a user namespace
// the node is bound from the host path).
TEST_CASE("CDI device nodes are created as their spec says", "[runtime][plan]") {
  auto cdi = [](std::string host, char type, std::optional<int64_t> major = {}) {
    Device d{std::move(host), "/dev/fake0", "rw"};
    d.node = Device::Node{};
    d.node->type = type;
    d.node->major = major;
    if (major) d.node->minor = 7;
    return d;
  };
  auto null = expand_devices({cdi("/dev/null", 0)});
  REQUIRE(null);
  REQUIRE(null->size() == 1);
  CHECK((*null)[0].mode == (S_IFCHR | 0666));
  CHECK((*null)[0].dev == makedev(1, 3));
  CHECK((*null)[0].container_path == "/dev/fake0");
  CHECK((*null)[0].uid == 0);
  auto numbered = expand_devices({cdi("/no/such/node", 'c', 195)});
  REQUIRE(numbered);
  CHECK((*numbered)[0].dev == makedev(195, 7));
  Device owned = cdi("/dev/null", 'c');
  owned.node->file_mode = 0640;
  owned.node->gid = 44;
  auto o = expand_devices({owned});
  REQUIRE(o);
  CHECK((*o)[0].mode == (S_IFCHR | 0640));
  CHECK((*o)[0].gid == 44);

  CHECK(expand_devices({cdi("/dev/null", 'b')}).error().to_string() ==
        "CDI device node `/dev/fake0`: the spec says type b, `/dev/null` is type c");
  CHECK(expand_devices({cdi("/etc/passwd", 'c', 1)}).error().to_string() ==
        "CDI device node `/dev/fake0`: `/etc/passwd` is not a device node");
  CHECK(expand_devices({cdi("/dev", 'c', 1)}).error().to_string() == "CDI device node `/dev/fake0`: `/dev` is not a device node");
  CHECK_THAT(expand_devices({cdi("/no/such/node", 'c')}).error().to_string(),
             Catch::StartsWith("CDI device node `/dev/fake0`: stat `/no/such/node`: No such file or directory"));
}

TEST_CASE("the table prints one numbered row per op", "[runtime][plan]") {
  auto t = build_mount_table(base_spec(), {}).value();
  std::string text = format_table(t);
  CHECK_THAT(text, Catch::StartsWith("  0 mount tmpfs -> /dev type=tmpfs data=mode=755,size=65536k"));
  CHECK_THAT(text, Catch::Contains("mask /proc/kcore optional no-symlinks"));
  CHECK(std::count(text.begin(), text.end(), '\n') == static_cast<long>(t.size()));
}

TEST_CASE("host-specific masks (thermal_throttle) are added as optional masks", "[runtime][plan]") {
  HostFacts facts;
  facts.extra_masks = {"/sys/devices/system/cpu/cpu0/thermal_throttle"};
  auto t = build_mount_table(base_spec(), facts).value();
  const MountOp* op = find(t, OpKind::mask, "/sys/devices/system/cpu/cpu0/thermal_throttle");
  REQUIRE(op);
  CHECK(op->optional);
}

namespace {

ContainerSpec spec_with_private_files() {
  ContainerSpec s = base_spec();
  s.tmpfs = {{"/run", 0, 0755}};
  s.private_files = {{"/run/secrets/db", "hunter2", "", "", 0444, "secret `db`"},
                     {"/etc/app.conf", std::string(5000, 'x'), "app", "staff", 0640, "config `app`"},
                     {"/entrypoint.sh", "#!/bin/sh\n", "7", "8", 0555, "config `entry`"}};
  return s;
}

HostFacts private_facts() {
  HostFacts facts;
  facts.private_dir = "/run/pier/p/scratch/c/private";
  facts.passwd = "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
  facts.group = "root:x:0:\nstaff:x:50:\n";
  return facts;
}

}  // namespace

TEST_CASE("secrets and configs: a private tmpfs, then one read-only file each", "[runtime][plan]") {
  auto t = build_mount_table(spec_with_private_files(), private_facts()).value();
  auto fs = std::find_if(t.begin(), t.end(), [](const MountOp& op) { return op.kind == OpKind::private_fs; });
  REQUIRE(fs != t.end());
  CHECK(std::count_if(t.begin(), t.end(), [](const MountOp& op) { return op.kind == OpKind::private_fs; }) == 1);
  // On the host-side directory, mounted in the child's namespace: never a path in the rootfs.
  CHECK(fs->source == "/run/pier/p/scratch/c/private");
  CHECK(fs->target.empty());
  CHECK(fs->fstype == "tmpfs");
  CHECK(fs->flags == (MS_NOSUID | MS_NODEV));
  CHECK(fs->data == "mode=0700,size=20480,nr_inodes=5");  // pages: 1 + 2 + 1, plus one

  const MountOp* db = find(t, OpKind::private_file, "/run/secrets/db");
  REQUIRE(db);
  CHECK(db->source == "0");
  CHECK(db->data == "hunter2");
  CHECK(db->uid == 0);
  CHECK(db->gid == 0);
  CHECK(db->mode == 0444);
  CHECK(db->flags == (MS_BIND | MS_RDONLY | MS_NOEXEC));
  CHECK(db->create == Create::file);
  const MountOp* conf = find(t, OpKind::private_file, "/etc/app.conf");
  REQUIRE(conf);
  CHECK(conf->source == "1");
  CHECK(conf->uid == 1000);  // names resolved in the image's /etc/passwd and /etc/group
  CHECK(conf->gid == 50);
  CHECK(conf->mode == 0640);
  const MountOp* entry = find(t, OpKind::private_file, "/entrypoint.sh");
  REQUIRE(entry);
  CHECK(entry->uid == 7);
  CHECK(entry->gid == 8);
  CHECK(entry->flags == (MS_BIND | MS_RDONLY));  // an executable mode keeps exec

  // After the user's tmpfs on /run, so it does not hide /run/secrets/db.
  CHECK(index_of(t, "/run") < index_of(t, "/run/secrets/db"));
  CHECK(static_cast<size_t>(fs - t.begin()) < index_of(t, "/run/secrets/db"));
}

TEST_CASE("secrets and configs: the table never prints their content", "[runtime][plan]") {
  auto t = build_mount_table(spec_with_private_files(), private_facts()).value();
  std::string text = format_table(t);
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK_THAT(text, Catch::Contains("private file /run/secrets/db bytes=7 uid=0 gid=0 mode=444 flags="));
  CHECK_THAT(text, Catch::Contains("bytes=7 uid=0 gid=0 mode=444"));
  CHECK_THAT(text, Catch::Contains("private tmpfs on /run/pier/p/scratch/c/private type=tmpfs"));
  CHECK(describe(*find(t, OpKind::private_file, "/run/secrets/db")) == "private file /run/secrets/db");
}

TEST_CASE("secrets and configs: bad owners, targets and modes are refused before clone", "[runtime][plan]") {
  auto bad = [](PrivateFile f) {
    ContainerSpec s = base_spec();
    s.private_files = {std::move(f)};
    auto t = build_mount_table(s, private_facts());
    return t ? std::string("<no error>") : t.error().to_string();
  };
  CHECK(bad({"/run/secrets/x", "", "ghost", "", 0444, "secret `x`"}) ==
        "secret `x`: user `ghost` not found in the container's /etc/passwd (use a numeric uid or add the user to the "
        "image)");
  CHECK_THAT(bad({"/run/secrets/x", "", "", "ghosts", 0444, "secret `x`"}),
             Catch::StartsWith("secret `x`: group `ghosts` not found in the container's /etc/group"));
  CHECK(bad({"relative", "", "", "", 0444, "secret `x`"}) == "secret `x`: target `relative` must be an absolute path");
  CHECK(bad({"/proc/x", "", "", "", 0444, "config `x`"}) == "config `x`: mounts on or inside /proc are refused");
  CHECK(bad({"/x", "", "", "", 010000, "config `x`"}) == "config `x`: mode 10000 is not a file mode");
  ContainerSpec s = base_spec();
  s.private_files = {{"/x", "", "", "", 0444, "config `x`"}};
  CHECK_FALSE(build_mount_table(s, {}).ok());  // no private directory to mount on
  auto plain = build_mount_table(base_spec(), {}).value();  // none: no private tmpfs either
  CHECK(std::none_of(plain.begin(), plain.end(), [](const MountOp& op) { return op.kind == OpKind::private_fs; }));
}

TEST_CASE("the mount holding a path, from mountinfo", "[runtime][plan]") {
  const char* info =
      "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
      "40 27 0:40 / /run rw - tmpfs tmpfs rw\n"
      "41 40 0:41 / /run/pier rw shared:5 - tmpfs tmpfs rw\n"
      "42 27 0:42 / /var/lib/my\\040root rw - tmpfs tmpfs rw\n";
  CHECK(mount_point_of("/run/pier/p/scratch/c", info) == "/run/pier");
  CHECK(mount_point_of("/run/pierre", info) == "/run");
  CHECK(mount_point_of("/var/lib/my root/run/p", info) == "/var/lib/my root");
  CHECK(mount_point_of("/tmp/x", info) == "/");
  CHECK(mount_point_of("/tmp/x", "").empty());
}

TEST_CASE("a volume subpath stays one bind row the child resolves inside the volume", "[runtime][plan]") {
  auto spec = base_spec();
  BindMount b{"/volumes/data/_data", "/srv"};
  b.subpath = "site";
  spec.binds = {b};
  auto t = build_mount_table(spec, {}).value();
  const MountOp* bind = find(t, OpKind::bind, "/srv");
  REQUIRE(bind);
  CHECK(bind->source == "/volumes/data/_data");
  CHECK(bind->subpath == "site");
  CHECK(bind->create == Create::dir);
  CHECK(describe(*bind) == "bind /volumes/data/_data subpath site -> /srv");
  CHECK(failure_hint(*bind, EXDEV) == "a symlink in the volume leads outside it; pier mounts only what lies inside");
  CHECK(failure_hint(*bind, ENOENT) == "create the subpath in the volume first");
  CHECK(failure_hint(*bind, EACCES).empty());
}

TEST_CASE("an image mount is one row: a read-only overlay of the layers, its subpath resolved by the child",
          "[runtime][plan]") {
  auto spec = base_spec();
  BindMount one{"docker.io/library/content:latest", "/content"};
  one.image_layers = {"/store/layers/a/root"};
  BindMount two{"content:2", "/etc/app.conf"};
  two.image_layers = {"/store/layers/top/root", "/store/layers/base/root"};
  two.subpath = "etc/app.conf";
  spec.binds = {one, two};
  HostFacts facts;
  facts.image_mounts_dir = "/state/c/image-mounts";
  auto t = build_mount_table(spec, facts).value();
  const MountOp* first = find(t, OpKind::image, "/content");
  REQUIRE(first);
  // One layer and no upper dir: overlayfs wants a second lower one, the empty layer.
  CHECK(first->data == "lowerdir=/store/layers/a/root:/state/c/image-mounts/empty");
  CHECK(first->source == "/state/c/image-mounts/0");
  CHECK(first->flags == (MS_RDONLY | MS_NOSUID | MS_NODEV));
  CHECK(first->propagation == (MS_PRIVATE | MS_REC));
  CHECK(describe(*first) == "image docker.io/library/content:latest -> /content");
  const MountOp* second = find(t, OpKind::image, "/etc/app.conf");
  REQUIRE(second);
  CHECK(second->data == "lowerdir=/store/layers/top/root:/store/layers/base/root");
  CHECK(second->source == "/state/c/image-mounts/1");
  CHECK(second->subpath == "etc/app.conf");
  CHECK(describe(*second) == "image content:2 subpath etc/app.conf -> /etc/app.conf");
  CHECK(failure_hint(*second, ENOENT) == "the image has no such path");
  CHECK(failure_hint(*first, ENOENT).empty());

  facts.overlay_userxattr = true;  // a rootless pier's layers keep their marks in user.overlay.*
  t = build_mount_table(spec, facts).value();
  CHECK(find(t, OpKind::image, "/content")->data == "lowerdir=/store/layers/a/root:/state/c/image-mounts/empty,userxattr");
}

TEST_CASE("image mounts that overlayfs or the container cannot take are refused before clone", "[runtime][plan]") {
  auto spec = base_spec();
  BindMount b{"content", "/content"};
  b.image_layers = {"/store/lay:ers/root"};
  spec.binds = {b};
  HostFacts facts;
  facts.image_mounts_dir = "/state/c/image-mounts";
  CHECK_THAT(build_mount_table(spec, facts).error().to_string(),
             Catch::Contains("layer path `/store/lay:ers/root` contains `:` or `,`"));
  spec.binds[0].image_layers = {"/store/layers/a/root"};
  CHECK_THAT(build_mount_table(spec, {}).error().to_string(), Catch::Contains("no directory to mount the image on"));
  spec.binds[0].target = "/proc/sys";
  CHECK_THAT(build_mount_table(spec, facts).error().to_string(), Catch::Contains("mounts on or inside /proc are refused"));
}
