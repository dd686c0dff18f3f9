#include "app/images/project_push.h"

#include <fmt/format.h>

#include "image/registry/push.h"

namespace pier::app::images {

using namespace pier::image;  // the commands speak the image library's types

Status push_services(const std::string& pier_root, const std::vector<ServicePush>& services,
                     const ProjectPushOptions& options, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  PushOptions push;
  PIER_TRY(push.registries, RegistryConfig::load(pier_root));
  for (const auto& s : services) {
    if (s.tags.empty()) {
      if (!options.quiet) fmt::print(out, " {} Skipped\n", s.service);
      continue;
    }
    for (const auto& tag : s.tags) {
      if (!options.quiet)
        push.progress = [out, tag](const std::string& blob, const std::string& status) {
          fmt::print(out, " Pushing {}: {} {}\n", tag, blob, status);
          std::fflush(out);
        };
      auto pushed = [&]() -> Status {
        PIER_TRY(Reference remote, parse_reference(tag));
        PIER_TRY(std::string digest, push_image(store, tag, remote, push));
        (void)digest;
        return {};
      }();
      if (pushed) continue;
      Error e = std::move(pushed).error().context(fmt::format("service \"{}\": push {}", s.service, tag));
      if (!options.ignore_failures) return e;
      // Compose's tail message for a failure it was told to ignore.
      fmt::print(out, "Pushing {}: {}\n", s.service, e.to_string());
    }
  }
  return {};
}

}  // namespace pier::app::images
