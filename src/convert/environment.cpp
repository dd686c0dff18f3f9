// environment (env_file already merged in) -> a ConfigMap and, for the variables whose
// names say they hold a credential, a Secret; the container reads both with envFrom.
#include <array>
#include <cctype>

#include "base/strings.h"
#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

// Names that mark a value as a credential (POSTGRES_PASSWORD, API_TOKEN, ...).
bool is_sensitive(const std::string& name) {
  static constexpr std::array<std::string_view, 8> words = {
      "PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE", "API_KEY", "ACCESS_KEY"};
  std::string upper;
  for (char c : name) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  // POSTGRES_PASSWORD_FILE names the file that holds the secret, not the secret.
  if (ends_with(upper, "_FILE")) return false;
  for (auto w : words)
    if (upper.find(w) != std::string::npos) return true;
  return upper == "KEY" || ends_with(upper, "_KEY") || ends_with(upper, "_PASS");
}

// A valid environment variable name for envFrom (C identifier-ish; Kubernetes also
// allows '-' and '.'): others would be skipped by the kubelet.
bool valid_config_key(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

}  // namespace

void add_environment(Context& ctx, const compose::Service& s, Pod& pod) {
  json plain = json::object(), sensitive = json::object();
  for (const auto& [name, value] : s.environment) {
    if (!valid_config_key(name)) {
      ctx.warn(s, "environment", "variable `" + name + "` is not converted: Kubernetes keys allow only letters, digits, '_', '-' and '.'");
      continue;
    }
    if (is_sensitive(name)) sensitive[name] = base64(value);
    else plain[name] = value;
  }
  const std::string name = dns_label(s.name) + "-env";
  json env_from = json::array();
  if (!plain.empty()) {
    json map = ctx.make("v1", "ConfigMap", name);
    map["data"] = std::move(plain);
    ctx.emit(std::move(map));
    env_from.push_back({{"configMapRef", {{"name", name}}}});
  }
  if (!sensitive.empty()) {
    json secret = ctx.make("v1", "Secret", name);
    secret["type"] = "Opaque";
    secret["data"] = std::move(sensitive);
    ctx.emit(std::move(secret));
    env_from.push_back({{"secretRef", {{"name", name}}}});
  }
  if (!env_from.empty()) pod.container["envFrom"] = std::move(env_from);
}

}  // namespace pier::convert
