// `volumes` (bind, named and anonymous volumes, tmpfs, image), `tmpfs:` entries,
// `volumes_from`, the image's VOLUMEs nothing else mounts, shm_size and init.
#include <fmt/format.h>

#include <algorithm>

#include "base/strings.h"
#include "compose/units.h"
#include "image/layer_view.h"
#include "plan/steps.h"
#include "plan/volume_paths.h"

namespace pier::plan::detail {

namespace {

using runtime::Propagation;

Propagation parse_propagation(const std::string& p) {
  if (p == "private") return Propagation::private_;
  if (p == "slave") return Propagation::slave;
  if (p == "rslave") return Propagation::rslave;
  if (p == "shared") return Propagation::shared;
  if (p == "rshared") return Propagation::rshared;
  return Propagation::rprivate;  // Docker's default for binds
}

void add_bind(PlanContext& ctx, const compose::ServiceVolume& v) {
  runtime::BindMount b;
  b.source = v.source;
  b.target = clean_rooted_path(v.target);
  b.read_only = v.read_only;
  // Docker Compose creates a missing source through the engine's legacy bind API unless
  // the long syntax has a `bind:` block without `create_host_path: true`.
  b.create_host_path = v.bind ? v.bind->create_host_path.value_or(false) : true;
  if (v.bind) b.propagation = parse_propagation(v.bind->propagation);
  ctx.plan.spec.binds.push_back(std::move(b));
}

Status add_anonymous(PlanContext& ctx, const std::string& target, bool read_only, bool copy) {
  PIER_TRY(std::string dir, anonymous_volume_dir(ctx.in.paths, ctx.in.id.name, target));
  ctx.plan.volumes.push_back({"", dir, target, copy, false});
  runtime::BindMount b;
  b.source = dir;
  b.target = target;
  b.read_only = read_only;
  ctx.plan.spec.binds.push_back(std::move(b));
  return {};
}

// tmpfs `o=` options of a local volume or a `tmpfs:` entry: size and mode are applied;
// the flags pier always sets pass quietly; anything else is reported.
Status apply_tmpfs_options(PlanContext& ctx, std::string_view key, const compose::Mark& mark,
                           const std::string& options, runtime::TmpfsMount& t) {
  for (const auto& raw : split(options, ',')) {
    std::string opt(trim(raw));
    if (opt.empty() || opt == "rw" || opt == "noexec" || opt == "nosuid" || opt == "nodev") continue;
    std::string name = opt.substr(0, opt.find('=')), value = opt.find('=') == std::string::npos ? "" : opt.substr(opt.find('=') + 1);
    if (name == "size") {
      if (ends_with(value, "%")) return ctx.error_at(mark, fmt::format("tmpfs size `{}`: a percentage is not supported", value));
      auto bytes = compose::parse_bytes(value);
      if (!bytes || *bytes < 0) return ctx.error_at(mark, fmt::format("invalid tmpfs size `{}`", value));
      t.size = static_cast<uint64_t>(*bytes);
    } else if (name == "mode") {
      char* end = nullptr;
      unsigned long mode = std::strtoul(value.c_str(), &end, 8);
      if (value.empty() || *end != '\0' || mode > 07777) return ctx.error_at(mark, fmt::format("invalid tmpfs mode `{}`", value));
      t.mode = static_cast<unsigned>(mode);
    } else {
      ctx.warn_at(mark, fmt::format("{} option `{}` for `{}` is not applied", key, opt, t.target));
    }
  }
  return {};
}

// A local volume with driver_opts is what `docker volume create -o` makes: a bind of an
// existing directory (type=none, o=bind) or a tmpfs. Other filesystems are not mounted.
Status add_local_volume_with_options(PlanContext& ctx, const compose::ServiceVolume& v,
                                     const compose::VolumeConfig& vol) {
  auto opt = [&](const char* k) { auto it = vol.driver_opts.find(k); return it == vol.driver_opts.end() ? std::string() : it->second; };
  const std::string type = opt("type"), o = opt("o"), device = opt("device");
  const std::string target = clean_rooted_path(v.target);
  if (type == "tmpfs") {
    runtime::TmpfsMount t;
    t.target = target;
    PIER_CHECK(apply_tmpfs_options(ctx, "volume", v.mark, o, t));
    ctx.plan.spec.tmpfs.push_back(t);
    return {};
  }
  auto flags = split(o, ',');
  bool bind = std::find(flags.begin(), flags.end(), "bind") != flags.end() ||
              std::find(flags.begin(), flags.end(), "rbind") != flags.end();
  if ((type == "none" || type.empty()) && bind) {
    if (device.empty() || device[0] != '/')
      return ctx.error_at(v.mark, fmt::format("volume `{}`: driver_opts.device must be an absolute host path", v.source));
    runtime::BindMount b;
    b.source = device;
    b.target = target;
    b.read_only = v.read_only || std::find(flags.begin(), flags.end(), "ro") != flags.end();
    ctx.plan.spec.binds.push_back(std::move(b));
    return {};
  }
  return ctx.error_at(v.mark, fmt::format("volume `{}`: driver_opts type `{}` is not supported", v.source, type))
      .hint("pier's local volumes support type=none with o=bind, and type=tmpfs");
}

Status add_volume(PlanContext& ctx, const compose::ServiceVolume& v) {
  const bool nocopy = v.volume && v.volume->nocopy.value_or(false);
  const std::string subpath = v.volume ? v.volume->subpath : "";
  const std::string target = clean_rooted_path(v.target);
  if (v.source.empty()) return add_anonymous(ctx, target, v.read_only, !nocopy);
  auto it = ctx.in.project->volumes.find(v.source);
  if (it == ctx.in.project->volumes.end())
    return ctx.error_at(v.mark, fmt::format("volume `{}` is not declared under top-level `volumes`", v.source));
  const compose::VolumeConfig& vol = it->second;
  if (!vol.driver.empty() && vol.driver != "local")
    return ctx.error_at(v.mark, fmt::format("volume `{}`: driver `{}` is not supported", v.source, vol.driver))
        .hint("pier has only the local driver");
  if (!vol.driver_opts.empty()) return add_local_volume_with_options(ctx, v, vol);
  auto dir_of = ctx.in.paths.volume_dir(vol.name);
  if (!dir_of) return ctx.error_at(v.mark, dir_of.error().message());
  std::string dir = *dir_of;
  if (!subpath.empty() && !is_plain_relative_path(subpath))
    return ctx.error_at(v.mark, fmt::format("volume subpath `{}` must be a plain relative path", subpath));
  ctx.plan.volumes.push_back({vol.name, dir, target, !nocopy && subpath.empty(), vol.external});
  runtime::BindMount b;
  b.source = dir;
  b.subpath = subpath;  // the runtime looks it up inside the volume, never as a host path
  b.target = target;
  b.read_only = v.read_only;
  ctx.plan.spec.binds.push_back(std::move(b));
  return {};
}

Status add_service_volume(PlanContext& ctx, const compose::ServiceVolume& v) {
  PIER_CHECK(claim_target(ctx, v.target, v.mark, "volume"));
  if (v.bind && !v.bind->selinux.empty())
    ctx.warn_at(v.mark, fmt::format("SELinux relabelling `:{}` of `{}` is not applied", v.bind->selinux, v.target));
  if (v.type == "bind") {
    add_bind(ctx, v);
  } else if (v.type == "volume") {
    PIER_CHECK(add_volume(ctx, v));
  } else if (v.type == "image") {
    PIER_CHECK(add_image_mount(ctx, v));
  } else if (v.type == "tmpfs") {
    runtime::TmpfsMount t;
    t.target = clean_rooted_path(v.target);
    if (v.tmpfs && v.tmpfs->size) t.size = static_cast<uint64_t>(*v.tmpfs->size);
    if (v.tmpfs && v.tmpfs->mode) t.mode = *v.tmpfs->mode;
    ctx.plan.spec.tmpfs.push_back(t);
  } else {
    return ctx.error_at(v.mark, fmt::format("volume type `{}` is not supported", v.type))
        .hint("use bind, volume, tmpfs or image");
  }
  return {};
}

// `tmpfs: /run:size=64m,mode=1777`
Status add_tmpfs_entry(PlanContext& ctx, const std::string& entry) {
  const compose::Mark& mark = [&]() -> const compose::Mark& {
    auto it = ctx.svc.key_marks.find("tmpfs");
    return it == ctx.svc.key_marks.end() ? ctx.svc.mark : it->second;
  }();
  size_t colon = entry.find(':');
  runtime::TmpfsMount t;
  t.target = entry.substr(0, colon);
  PIER_CHECK(claim_target(ctx, t.target, mark, "tmpfs"));
  t.target = clean_rooted_path(t.target);
  if (colon != std::string::npos) PIER_CHECK(apply_tmpfs_options(ctx, "tmpfs", mark, entry.substr(colon + 1), t));
  ctx.plan.spec.tmpfs.push_back(t);
  return {};
}

size_t depth(const std::string& path) { return static_cast<size_t>(std::count(path.begin(), path.end(), '/')); }

// Parents before children, as Docker sorts mounts. The runtime mounts every bind before
// any tmpfs, so a bind under a tmpfs would be hidden: say so rather than lose it quietly.
void order_mounts(PlanContext& ctx) {
  auto by_depth = [](const auto& a, const auto& b) { return depth(a.target) < depth(b.target); };
  std::stable_sort(ctx.plan.spec.binds.begin(), ctx.plan.spec.binds.end(), by_depth);
  std::stable_sort(ctx.plan.spec.tmpfs.begin(), ctx.plan.spec.tmpfs.end(), by_depth);
  for (const auto& b : ctx.plan.spec.binds)
    for (const auto& t : ctx.plan.spec.tmpfs)
      if (starts_with(b.target, t.target + "/"))
        ctx.warn("volumes", fmt::format("`{}` is inside the tmpfs `{}`, which pier mounts after it and hides it",
                                        b.target, t.target));
}

bool under_kernel_fs(const std::string& path) {
  for (const char* dir : {"/proc", "/sys", "/dev"})
    if (path == dir || starts_with(path, std::string(dir) + "/")) return true;
  return false;
}

// A volume on /proc, /sys or /dev would cover the kernel's files with ones a container
// can write (runc refuses mounts on /proc for this, CVE-2019-19921). The path is followed
// through the image's symlinks as the runtime will follow it in the rootfs, so VOLUME
// /foo with /foo -> /proc in the image is refused too.
Status check_image_volume(PlanContext& ctx, const image::LayerView& view, const std::string& target) {
  PIER_TRY(std::string real, view.real_path(target));
  if (!under_kernel_fs(real)) return {};
  std::string via = real == target ? "" : fmt::format(" (`{}` in the image)", real);
  return ctx.error("image", fmt::format("image VOLUME `{}`{}: a volume on or under /proc, /sys or /dev is refused",
                                        target, via))
      .hint("rebuild the image without this VOLUME");
}

}  // namespace

bool is_plain_relative_path(const std::string& path) {
  return !path.empty() && path[0] != '/' && clean_rooted_path(path) == "/" + path;
}

Status plan_mounts(PlanContext& ctx) {
  const compose::Service& s = ctx.svc;
  const size_t first_bind = ctx.plan.spec.binds.size();
  for (const auto& v : s.volumes) PIER_CHECK(add_service_volume(ctx, v));
  for (const auto& entry : s.tmpfs) PIER_CHECK(add_tmpfs_entry(ctx, entry));
  PIER_CHECK(add_volumes_from(ctx));
  // An image VOLUME nothing mounts gets a fresh anonymous volume (Docker: exact path match).
  const image::LayerView view(ctx.in.image->layer_dirs);
  for (const auto& path : ctx.image.volumes) {
    std::string target = clean_rooted_path(path);
    if (target == "/" || ctx.targets.count(target)) continue;
    PIER_CHECK(check_image_volume(ctx, view, target));
    ctx.targets.emplace(target, compose::Mark{});
    PIER_CHECK(add_anonymous(ctx, target, false, true));
  }
  // What another container's volumes_from copies: these binds but the image mounts.
  for (size_t i = first_bind; i < ctx.plan.spec.binds.size(); ++i)
    if (ctx.plan.spec.binds[i].image_layers.empty()) ctx.plan.volume_mounts.push_back(ctx.plan.spec.binds[i]);
  if (s.shm_size && *s.shm_size > 0) ctx.plan.spec.shm_size = static_cast<uint64_t>(*s.shm_size);
  ctx.plan.spec.init = s.init.value_or(false);
  return {};
}

Status order_mounts_step(PlanContext& ctx) {
  order_mounts(ctx);
  return {};
}

}  // namespace pier::plan::detail
