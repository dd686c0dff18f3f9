#include "app/dry_run/dry_images.h"

#include <filesystem>

#include "app/progress_view.h"
#include "image/reference.h"

namespace pier::app::dry_run {

std::optional<image::Store> existing_store(const std::string& pier_root) {
  std::error_code ec;
  if (!std::filesystem::is_directory(pier_root + "/images", ec)) return std::nullopt;
  auto store = image::Store::open(pier_root);
  if (!store) return std::nullopt;
  return std::move(*store);
}

Status pull(const std::string& pier_root, const std::vector<images::ServiceImage>& list,
            const images::ServicePullOptions& options) {
  auto store = existing_store(pier_root);
  auto view = ProgressView::make();
  for (const auto& image : list) {
    // A bad reference is the error the real pull gives.
    if (!image.reference.empty())
      if (auto ref = image::parse_reference(image.reference); !ref)
        return std::move(ref).error().context("service \"" + image.service + "\": image `" + image.reference + "`");
    auto why = images::skip_reason(store ? &*store : nullptr, image, options);
    if (options.quiet) continue;
    if (why) {
      view->event(image.service, *why);
      continue;
    }
    view->event(image.service, "Pulling");
    view->event(image.service, "Pulled");
  }
  view->finish();
  return {};
}

void build(const std::vector<std::string>& services) {
  auto view = ProgressView::make();
  for (const auto& name : services) view->event("Service " + name, "Building");
  for (const auto& name : services) view->event("Service " + name, "Built");
  view->finish();
}

}  // namespace pier::app::dry_run
