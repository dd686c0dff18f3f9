// `type: image` volumes (Compose 2.35, Docker 28's image mounts): another image's
// filesystem, read-only, at the target. The runtime mounts an overlay of the image's
// layers in the container's namespace and binds `image.subpath` of it, looked up with
// the image as its root, so nothing in the image can point the mount at the host.
#include <fmt/format.h>

#include <algorithm>

#include "base/path.h"
#include "plan/steps.h"

namespace pier::plan {

std::vector<std::string> mounted_images(const compose::Service& service) {
  std::vector<std::string> out;
  for (const auto& v : service.volumes)
    if (v.type == "image" && !v.source.empty() && std::find(out.begin(), out.end(), v.source) == out.end())
      out.push_back(v.source);
  return out;
}

}  // namespace pier::plan

namespace pier::plan::detail {

Status add_image_mount(PlanContext& ctx, const compose::ServiceVolume& v) {
  const std::string target = clean_rooted_path(v.target);
  if (v.source.empty())
    return ctx.error_at(v.mark, fmt::format("image mount at `{}` has no `source`", target))
        .hint("name the image to mount in `source`");
  const std::string subpath = v.image ? v.image->subpath : "";
  if (!subpath.empty() && !is_plain_relative_path(subpath))
    return ctx.error_at(v.mark, fmt::format("image subpath `{}` must be a plain relative path", subpath));
  if (!ctx.in.find_image)
    return ctx.error_at(v.mark, fmt::format("image mount `{}` -> `{}`: no image store to take it from", v.source, target));
  auto image = ctx.in.find_image(v.source);
  if (!image) {
    Error e = ctx.error_at(v.mark, fmt::format("image mount `{}` -> `{}`: {}", v.source, target, image.error().message()));
    if (!image.error().fix().empty()) e.hint(image.error().fix());
    return e;
  }
  if (image->layer_dirs.empty())
    return ctx.error_at(v.mark, fmt::format("image mount `{}` -> `{}`: the image has no layers", v.source, target))
        .hint("pull or load the image again");
  runtime::BindMount b;
  b.source = image->record.name;  // names the mount in the runtime's messages
  b.image_layers = image->layer_dirs;
  b.subpath = subpath;
  b.target = target;
  // Always: an image is shared by every container made from it (`read_only: false` is
  // not honoured, as Docker mounts images read-only too).
  b.read_only = true;
  ctx.plan.spec.binds.push_back(std::move(b));
  if (std::find(ctx.plan.mounted_image_ids.begin(), ctx.plan.mounted_image_ids.end(), image->record.id) ==
      ctx.plan.mounted_image_ids.end())
    ctx.plan.mounted_image_ids.push_back(image->record.id);
  return {};
}

}  // namespace pier::plan::detail
