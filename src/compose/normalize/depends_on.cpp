// depends_on: a list of service names or a mapping with condition/required/restart.
#include <algorithm>

#include "base/strings.h"
#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {

const std::vector<std::string> kConditions = {"service_started", "service_healthy",
                                              "service_completed_successfully"};

Status read_dependency(const Node& node, const std::string& name, DependsOn& dep) {
  PIER_CHECK(check_keys(node, {"condition", "required", "restart"}));
  if (const Node* n = node.find("condition")) {
    PIER_TRY(dep.condition, read_string(*n, "condition"));
    if (std::find(kConditions.begin(), kConditions.end(), dep.condition) == kConditions.end()) {
      Error e = error_at(*n, "depends_on `" + name + "`: unknown condition `" + dep.condition + "`");
      std::string guess = closest_match(dep.condition, kConditions);
      return std::move(e).hint(guess.empty() ? "use service_started, service_healthy or service_completed_successfully"
                                             : "did you mean `" + guess + "`?");
    }
  }
  if (const Node* n = node.find("required")) { PIER_TRY(dep.required, read_bool(*n, "required")); }
  if (const Node* n = node.find("restart")) { PIER_TRY(dep.restart, read_bool(*n, "restart")); }
  return {};
}

}  // namespace

Result<std::map<std::string, DependsOn>> normalize_depends_on(const Node& node) {
  std::map<std::string, DependsOn> out;
  if (node.is_sequence()) {
    for (const auto& item : node.items()) {
      if (!item.is_scalar()) return type_error(item, "depends_on item", "a service name");
      DependsOn dep;
      dep.mark = item.mark();
      out[item.value()] = dep;
    }
    return out;
  }
  if (!node.is_mapping()) return type_error(node, "depends_on", "a sequence or a mapping");
  for (const auto& e : node.entries()) {
    DependsOn dep;
    dep.mark = e.key_mark;
    if (e.value.is_mapping()) { PIER_CHECK(read_dependency(e.value, e.key, dep)); }
    else if (!e.value.is_null()) return type_error(e.value, "depends_on." + e.key, "a mapping");
    out[e.key] = dep;
  }
  return out;
}

}  // namespace pier::compose::detail
