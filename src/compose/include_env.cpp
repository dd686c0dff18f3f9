#include "compose/include_env.h"

namespace pier::compose {

void resolve_bare_environment(Node& document, const Environment& env) {
  Node* services = document.find("services");
  if (!services || !services->is_mapping()) return;
  for (auto& service : services->entries()) {
    Node* environment = service.value.find("environment");
    if (!environment) continue;
    if (environment->is_sequence()) {
      for (auto& item : environment->items()) {
        if (!item.is_scalar() || item.value().find('=') != std::string::npos) continue;
        if (auto it = env.find(item.value()); it != env.end()) item.set_value(item.value() + "=" + it->second);
      }
    } else if (environment->is_mapping()) {
      for (auto& entry : environment->entries()) {
        if (!entry.value.is_null()) continue;
        if (auto it = env.find(entry.key); it != env.end())
          entry.value = Node::scalar(it->second, entry.value.mark(), true);
      }
    }
  }
}

void collect_source_values(const Node& document, const Environment& env,
                           std::map<std::string, std::string>& out) {
  for (const char* kind : {"secrets", "configs"}) {
    const Node* section = document.find(kind);
    if (!section || !section->is_mapping()) continue;
    for (const auto& entry : section->entries()) {
      const Node* variable = entry.value.is_mapping() ? entry.value.find("environment") : nullptr;
      if (!variable || !variable->is_scalar()) continue;
      if (auto it = env.find(variable->value()); it != env.end())
        out.try_emplace(std::string(kind) + "." + entry.key, it->second);
    }
  }
}

}  // namespace pier::compose
