// `--change` instructions of `pier image import`, as `docker import -c` takes
// them: CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, STOPSIGNAL, VOLUME.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace pier::image {

// Applies one instruction to the "config" object of an image config.
Status apply_change(nlohmann::json& config, std::string_view instruction);

}  // namespace pier::image
