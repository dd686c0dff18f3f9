// Where the mounts a plan takes from outside its own service come from: another
// container's volumes (`volumes_from`) and another image (`type: image` volumes).
#include <fmt/format.h>

#include "base/strings.h"
#include "supervisor/naming.h"
#include "supervisor/supervisor.h"

namespace pier::supervisor {

// Docker Compose turns a service into its first replica's container, as it does for
// `volumes_from: [db]` (`container:<project>-db-1`, or the service's container_name). A
// `container:` name is one of this project's containers, the only ones this supervisor
// knows. The source must exist, created or running, as Docker requires; its plan holds
// the mounts, so the supervisor plans a source before what copies from it (start waves
// at `up`, the same order at recovery).
Result<std::vector<runtime::BindMount>> Supervisor::volumes_of(const std::string& source) const {
  const bool by_name = starts_with(source, "container:");
  std::string name = by_name ? source.substr(10) : "";
  if (!by_name) {
    const compose::Service* service = project_ ? project_->project.find_service(source) : nullptr;
    if (!service) return Error(fmt::format("no service `{}` in this project", source));
    name = container_name(project_->project, *service, 1);
  }
  auto it = containers_.find(name);
  if (it == containers_.end()) {
    Error e(fmt::format("no container `{}` to take volumes from", name));
    if (by_name) return std::move(e).hint("pier looks among this project's containers only");
    return std::move(e).hint(fmt::format("create it first (`pier up {}`), or drop --no-deps", source));
  }
  const ManagedContainer& c = *it->second;
  // Recovered without a plan (its service could not be planned after a crash).
  if (c.plan().spec.process.argv.empty())
    return Error(fmt::format("the volumes of container `{}` are not known to this supervisor", name))
        .hint(fmt::format("recreate it: `pier up --force-recreate {}`", c.service()));
  return c.plan().volume_mounts;
}

Result<image::ResolvedImage> Supervisor::mount_image(const std::string& reference) const {
  if (!images_) return Error("the image store is not open");
  auto image = images_->resolve(reference);
  if (!image)
    return Error(fmt::format("image `{}` is not in the store", reference))
        .hint(fmt::format("pull it (`pier image pull {}`) or load it", reference));
  return image;
}

}  // namespace pier::supervisor
