#include "state/paths.h"

#include <fmt/format.h>

#include <filesystem>

#include "base/hash.h"
#include "base/path_name.h"

namespace pier::state {

Result<std::string> ProjectPaths::scratch_dir(const std::string& container) const {
  return join_beneath(run + "/scratch", container, "container");
}

Result<std::string> ProjectPaths::held_netns(const std::string& container) const {
  PIER_TRY(std::string base, join_beneath(held_ns_dir(), container, "container"));
  return base + ".net";
}

Result<std::string> ProjectPaths::held_utsns(const std::string& container) const {
  PIER_TRY(std::string base, join_beneath(held_ns_dir(), container, "container"));
  return base + ".uts";
}

Result<std::string> ProjectPaths::log_dir(const std::string& container) const {
  return join_beneath(project_logs_dir(), container, "container");
}

Result<std::string> ProjectPaths::log_file(const std::string& container) const {
  PIER_TRY(std::string dir, log_dir(container));
  return dir + "/" + container + "-json.log";
}

Result<std::string> ProjectPaths::volume_root(const std::string& volume) const {
  return join_beneath(root + "/volumes", volume, "volume");
}

Result<std::string> ProjectPaths::volume_dir(const std::string& volume) const {
  PIER_TRY(std::string dir, volume_root(volume));
  return dir + "/_data";
}

Result<std::string> ProjectPaths::anonymous_volumes_dir(const std::string& container) const {
  return join_beneath(root + "/volumes/_anonymous/" + project, container, "container");
}

namespace {

struct DefaultLocations {
  std::string root = kDefaultRoot;
  std::string run = kDefaultRun;
};

DefaultLocations& defaults() {
  static DefaultLocations instance;
  return instance;
}

// The path with symlinks, `.`, `..` and repeated slashes resolved, as far as it exists:
// the spellings of one run directory (`--root /a`, `--root /a/`, a symlink to /a) share
// its lock, so they must share kernel names too.
std::string real_path(const std::string& path) {
  std::error_code ec;
  auto real = std::filesystem::weakly_canonical(path, ec);
  return ec ? std::filesystem::path(path).lexically_normal().string() : real.string();
}

}  // namespace

void use_default_locations(std::string root, std::string run) { defaults() = {std::move(root), std::move(run)}; }

const std::string& default_root() { return defaults().root; }

std::string run_base(const std::string& root) {
  if (root.empty() || root == default_root()) return defaults().run;
  return root + "/run";
}

std::string kernel_name(const std::string& root, const std::string& project) {
  std::string run = real_path(run_base(root));
  if (run == real_path(kDefaultRun)) return project;
  return fmt::format("{}.{:08x}", project, fnv1a(run) & 0xffffffffu);
}

Result<ProjectPaths> project_paths(const std::string& root, const std::string& project) {
  std::string r = root.empty() ? default_root() : root;
  PIER_TRY(std::string run, join_beneath(run_base(r), project, "project"));
  return ProjectPaths{r, project, std::move(run), kernel_name(r, project)};
}

}  // namespace pier::state
