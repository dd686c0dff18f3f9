// Which containers use which images, read from every project's records under the root
// (they outlive a crashed supervisor): the image a container was made from and those
// its `type: image` volumes mount.
#include "app/images/commands.h"
#include "state/container_record.h"
#include "state/paths.h"

namespace pier::app::images {

Result<std::vector<ImageUse>> images_in_use(const std::string& pier_root) {
  std::vector<ImageUse> uses;
  for (const auto& project : state::list_projects(state::run_base(pier_root))) {
    PIER_TRY(auto paths, state::project_paths(pier_root, project));
    PIER_TRY(auto list, state::RecordStore(paths.records_dir()).list());
    for (const auto& r : list) {
      bool running = state::is_up(r.state);
      if (!r.image_id.empty()) uses.push_back({r.image_id, r.name, project, running});
      for (const auto& id : r.mounted_image_ids) uses.push_back({id, r.name, project, running});
    }
  }
  return uses;
}

}  // namespace pier::app::images
