// The variables a project sees: the process environment overlaid on the .env
// file(s), as Docker Compose resolves them (the process environment wins).
#pragma once

#include <map>
#include <string>

namespace pier::compose {

using Environment = std::map<std::string, std::string>;

// The current process environment (from `environ`).
Environment process_environment();

}  // namespace pier::compose
