// YAML text -> compose::Node, with file:line:col on every node.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "compose/node.h"

namespace pier::compose {

// Parses one YAML document. `file` is used in marks and error messages.
// An empty document is a Null node.
Result<Node> parse_yaml(std::string_view text, const std::string& file);

// Reads and parses a file.
Result<Node> load_yaml_file(const std::string& path);

}  // namespace pier::compose
