#include "convert/context.h"

#include "convert/names.h"

namespace pier::convert {

json Context::make(const std::string& api_version, const std::string& kind, const std::string& name) const {
  json body = {{"apiVersion", api_version}, {"kind", kind}, {"metadata", {{"name", name}}}};
  body["metadata"]["labels"] = project_labels(*this);
  if (kind != "Namespace") body["metadata"]["namespace"] = ns;
  return body;
}

void Context::emit(json body) {
  std::string kind = body["kind"], name = body["metadata"]["name"];
  out.objects.push_back(Object{std::move(kind), std::move(name), std::move(body)});
}

void Context::warn(const compose::Mark& mark, std::string message) {
  out.warnings.push_back(compose::Warning{mark.to_string(), std::move(message)});
}

void Context::warn(const compose::Service& service, const std::string& key, std::string message) {
  warn(key_mark(service, key), "service \"" + service.name + "\": " + message);
}

json project_labels(const Context& ctx) {
  return {{"app.kubernetes.io/managed-by", "pier"}, {"app.kubernetes.io/part-of", dns_label(ctx.project.name)}};
}

json selector_labels(const Context& ctx, const compose::Service& service) {
  return {{"app.kubernetes.io/name", dns_label(service.name)},
          {"app.kubernetes.io/part-of", dns_label(ctx.project.name)}};
}

const compose::Mark& key_mark(const compose::Service& service, const std::string& key) {
  auto it = service.key_marks.find(key);
  return it == service.key_marks.end() || !it->second.known() ? service.mark : it->second;
}

}  // namespace pier::convert
