#include "compose/variables.h"

#include <map>

#include "compose/interpolation.h"

namespace pier::compose {
namespace {

void record(std::map<std::string, Variable>& found, const VariableUse& use) {
  Variable& v = found[use.name];
  v.name = use.name;
  switch (use.kind) {
    case VariableUse::Kind::Plain: break;
    case VariableUse::Kind::Required: v.required = true; break;
    case VariableUse::Kind::Default:
      if (!v.has_default) v.default_value = use.value;
      v.has_default = true;
      break;
    case VariableUse::Kind::Alternate:
      if (!v.has_alternate) v.alternate_value = use.value;
      v.has_alternate = true;
      break;
  }
}

Status collect(const Node& node, std::map<std::string, Variable>& found) {
  switch (node.kind()) {
    case Node::Kind::Scalar: {
      auto uses = find_variables(node.value());
      if (!uses) return std::move(uses).error().at(node.mark().to_string());
      for (const auto& use : *uses) record(found, use);
      return {};
    }
    case Node::Kind::Sequence:
      for (const auto& item : node.items()) PIER_CHECK(collect(item, found));
      return {};
    case Node::Kind::Mapping:
      for (const auto& e : node.entries()) PIER_CHECK(collect(e.value, found));
      return {};
    case Node::Kind::Null:
      return {};
  }
  return {};
}

}  // namespace

Result<std::vector<Variable>> list_variables(const Node& root) {
  std::map<std::string, Variable> found;
  PIER_CHECK(collect(root, found));
  std::vector<Variable> out;
  for (auto& [name, v] : found) out.push_back(std::move(v));
  return out;
}

Result<std::vector<Variable>> list_project_variables(const LoadOptions& options) {
  LoadOptions raw = options;
  raw.interpolate = false;
  PIER_TRY(ProjectTree tree, load_tree(raw));
  // Known gap: load_tree replaces `name:` by the resolved project name, so a
  // variable used only in `name:` is not listed.
  return list_variables(tree.root);
}

}  // namespace pier::compose
