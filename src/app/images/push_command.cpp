#include "app/images/push_command.h"

#include <fmt/format.h>

#include "image/registry/push.h"

namespace pier::app::images {

using namespace pier::image;  // the commands speak the image library's types

Status push(const std::string& pier_root, const std::vector<PushRequest>& requests, bool quiet, std::FILE* out) {
  PIER_TRY(Store store, Store::open(pier_root));
  PushOptions options;
  PIER_TRY(options.registries, RegistryConfig::load(pier_root));
  if (!quiet)
    options.progress = [out](const std::string& id, const std::string& status) {
      fmt::print(out, "{}: {}\n", id, status);
      std::fflush(out);
    };
  for (const auto& r : requests) {
    const std::string& target = r.target.empty() ? r.source : r.target;
    PIER_TRY(Reference remote, parse_reference(target).context("push " + r.source));
    if (!quiet) fmt::print(out, "The push refers to repository [{}]\n", remote.name());
    PIER_TRY(std::string digest, push_image(store, r.source, remote, options));
    if (!quiet) fmt::print(out, "{}: digest: {}\n", remote.digest.empty() ? remote.tag : remote.digest, digest);
  }
  return {};
}

}  // namespace pier::app::images
