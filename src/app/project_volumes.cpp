#include "app/project_volumes.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>

namespace pier::app {

Result<std::vector<ProjectVolume>> project_volumes(const compose::Project& project, const state::ProjectPaths& paths,
                                                   const std::vector<std::string>& services) {
  std::set<std::string> wanted;  // keys under `volumes:` the services mount
  for (const auto& name : services) {
    const auto* service = project.find_service(name);
    if (!service) return Error("no such service: " + name);
    for (const auto& v : service->volumes)
      if (v.type == "volume" && !v.source.empty()) wanted.insert(v.source);
  }
  std::vector<ProjectVolume> out;
  for (const auto& [key, volume] : project.volumes) {
    if (volume.external || (!services.empty() && !wanted.count(key))) continue;
    // A name that would reach outside <root>/volumes is not one pier made.
    auto dir = paths.volume_dir(volume.name);
    if (!dir) continue;
    struct stat st{};
    if (::stat(dir->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;  // not created yet
    out.push_back({volume.name, *dir, key});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace pier::app
