// `extends`: a service built on another one, from the same file or another file
// (`extends: name`, `extends: {service: name}`, `extends: {file: f, service: name}`),
// resolved recursively with cycle detection. The extending service merges over the
// base with merge_service's rules.
//
// Relative paths in a service brought in from another file are made absolute against
// that file's directory, because stage 2 resolves the remaining relative paths
// against the project directory. rebase_service_paths() is also used by `include`.
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "compose/node.h"

namespace pier::compose {

// Loads (reads, parses and interpolates) another compose file by absolute path.
using DocumentLoader = std::function<Result<Node>(const std::string& path)>;

// Resolves every `extends` under `services` of `document`, which was read from the
// absolute path `file`. No `extends` key is left afterwards.
Status resolve_extends(Node& document, const std::string& file, const DocumentLoader& load);

// Makes these relative paths absolute against `dir`: build (string) and build.context
// unless a URL, build.additional_contexts paths, env_file (string, list, or
// list of {path}), label_file, bind-mount sources (short `./x:/y` and long
// `type: bind`) and extends.file.
void rebase_service_paths(Node& service, const std::string& dir);

}  // namespace pier::compose
