// SERVICE=NUM, as `up --scale`, `create --scale` and `scale` take it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::cli {

// `what` names the source in errors ("--scale", "scale").
Result<std::map<std::string, int>> parse_scale(const std::vector<std::string>& items, const std::string& what = "--scale");

}  // namespace pier::cli
