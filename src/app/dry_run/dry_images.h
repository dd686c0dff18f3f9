// `pull` and `build` under --dry-run: each service's lines as the real command would
// give them ("Skipped - ..." for what it leaves, Pulling/Pulled, Building/Built), with
// nothing fetched, built or tagged.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/images/service_pull.h"
#include "image/store/store.h"

namespace pier::app::dry_run {

// The image store as it is; none for a root that has none (opening one creates it).
std::optional<image::Store> existing_store(const std::string& pier_root);

Status pull(const std::string& pier_root, const std::vector<images::ServiceImage>& images,
            const images::ServicePullOptions& options);

void build(const std::vector<std::string>& services);

}  // namespace pier::app::dry_run
