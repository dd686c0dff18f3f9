// prepare_volumes: make every volume a container mounts exist before spawn. A volume
// is built under a temporary name and renamed into place, so it is either absent or
// complete (filled from the image) even if pier dies half-way; a volume that already
// exists is never touched.
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <filesystem>

#include "base/dirs.h"
#include "base/scope_exit.h"
#include "image/layer_view.h"
#include "plan/plan.h"

namespace pier::plan {

namespace {

bool exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

// A volume's parents (volumes/<name>, volumes/_anonymous/<project>/<container>) are
// pier's alone: the volume holds what a container wrote, setuid binaries and device
// nodes included, which no other host user may reach (CVE-2021-41091).
Status make_parents(const std::string& dir) {
  return make_dirs(std::filesystem::path(dir).parent_path().string(), 0700);
}

// `<root>/volumes` itself, tightened if an older pier made it open.
Status make_volumes_root(const std::string& root) {
  std::string dir = root + "/volumes";
  PIER_CHECK(make_dirs(dir, 0700));
  if (::chmod(dir.c_str(), 0700) != 0) return Error::system("chmod", dir, errno);
  return {};
}

Status fill_from_image(const image::LayerView& view, const VolumePrep& v, const std::string& tmp) {
  PIER_TRY(auto entry, view.resolve(v.target));
  // Nothing at the mount point, or a file there: the volume starts empty.
  if (!entry || !entry->is_dir()) return {};
  return view.copy_dir(*entry, tmp);
}

Status create_volume(const image::LayerView& view, const VolumePrep& v) {
  PIER_CHECK(make_parents(v.dir));
  // Unique per process and call: replicas of one service may prepare the same volume on
  // two threads at once.
  static std::atomic<unsigned> serial{0};
  std::string tmp = fmt::format("{}.tmp-{}-{}", v.dir, ::getpid(), ++serial);
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);  // a leftover of a crashed pier with a reused pid
  // The volume's own root is what the container sees at the mount point: 0755 as
  // Docker's, unless the image's directory there gives it another mode below.
  if (::mkdir(tmp.c_str(), 0700) != 0) return Error::system("create volume directory", tmp, errno);
  if (::chmod(tmp.c_str(), 0755) != 0) return Error::system("chmod", tmp, errno);
  ScopeExit cleanup([&] { std::filesystem::remove_all(tmp, ec); });
  if (v.copy_image_content) PIER_CHECK(fill_from_image(view, v, tmp));
  if (::rename(tmp.c_str(), v.dir.c_str()) != 0) {
    // Another container of the project created it first: theirs is as good as ours.
    if ((errno == EEXIST || errno == ENOTEMPTY) && exists(v.dir)) return {};
    return Error::system("rename volume into", v.dir, errno);
  }
  return {};
}

// The scratch dir holds the container's upper layer too: keep it private as the runtime
// would have made it, since the runtime does not tighten a directory that exists.
Status make_scratch_dir(const std::string& dir) { return make_dirs(dir, 0700); }

std::string describe(const VolumePrep& v) {
  return v.name.empty() ? fmt::format("anonymous volume at `{}`", v.target) : fmt::format("volume \"{}\"", v.name);
}

}  // namespace

Status prepare_volumes(const PlanInputs& in, const ServicePlan& plan) {
  image::LayerView view(in.image ? in.image->layer_dirs : std::vector<std::string>{});
  for (const auto& v : plan.volumes) {
    if (exists(v.dir)) continue;
    PIER_CHECK(make_volumes_root(in.paths.root));
    if (v.external)
      return Error(fmt::format("external volume \"{}\" not found", v.name))
          .hint(fmt::format("create `{}` or remove `external: true`", v.dir))
          .context(fmt::format("service \"{}\"", in.id.service));
    if (v.name.empty()) PIER_CHECK(make_scratch_dir(plan.spec.state_dir));
    if (auto st = create_volume(view, v); !st)
      return std::move(st).error().context(describe(v)).context(fmt::format("service \"{}\"", in.id.service));
  }
  return {};
}

}  // namespace pier::plan
