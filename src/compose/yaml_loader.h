// YAML text -> compose::Node, with file:line:col on every node and mapping key.
// libyaml's event API feeds the Node tree directly (no intermediate YAML tree). On top
// of it this applies YAML merge keys (`<<`), rejects duplicate keys, and bounds
// nesting depth and alias expansion so a hostile document ("billion laughs") fails
// fast. Scalars read as yaml-cpp (which did this before) read them: `~`, `null`,
// `Null`, `NULL` and nothing are null, and node marks are the same.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "compose/node.h"

namespace pier::compose {

struct YamlLimits {
  int max_depth = 200;            // nested collections; compose files use < 15
  size_t max_nodes = 200'000;     // nodes and keys after alias expansion, the copies
                                  // kept for anchors included; real files have < 10k
};

// Parses one YAML document. `file` is used in marks and error messages.
// An empty document is a Null node.
Result<Node> parse_yaml(std::string_view text, const std::string& file,
                        const YamlLimits& limits = {});

// Parses every document of a multi-document stream (`---` separated), in order;
// the alias budget is shared by all of them. An empty stream gives one Null node.
Result<std::vector<Node>> parse_yaml_documents(std::string_view text, const std::string& file,
                                               const YamlLimits& limits = {});

// Reads and parses a file.
Result<Node> load_yaml_file(const std::string& path, const YamlLimits& limits = {});

}  // namespace pier::compose
