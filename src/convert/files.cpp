// Top-level `configs` and `secrets` -> one ConfigMap or Secret each (for those an
// enabled service uses), mounted at each service's target with its mode. External
// ones are referred to by name: they must exist in the namespace.
#include <variant>

#include "convert/names.h"
#include "convert/steps.h"

namespace pier::convert {
namespace {

// A ConfigMap or Secret holds at most 1 MiB.
constexpr size_t kObjectLimit = 1024 * 1024;
constexpr const char* kKey = "content";

struct Kind {
  const char* key;     // "configs" / "secrets"
  const char* singular;
  const char* prefix;  // object and pod volume name prefix
  const char* default_dir;
  const std::map<std::string, compose::FileObjectConfig>& defined;
  bool secret;
};

Kind configs_of(const compose::Project& p) { return {"configs", "config", "config-", "/", p.configs, false}; }
Kind secrets_of(const compose::Project& p) { return {"secrets", "secret", "secret-", "/run/secrets/", p.secrets, true}; }

std::string object_name(const Kind& kind, const std::string& source, const compose::FileObjectConfig& obj) {
  return obj.external ? dns_label(obj.name.empty() ? source : obj.name) : dns_label(kind.prefix + source);
}

// The content, or why it cannot be had here (then the object is left for the user to
// create, and the pods refer to it by name).
std::variant<std::string, std::string> read_source(const Context& ctx, const compose::FileObjectConfig& obj) {
  using Out = std::variant<std::string, std::string>;
  if (obj.content) return Out(std::in_place_index<0>, *obj.content);
  if (!obj.environment.empty()) {
    if (ctx.options.environment) {
      if (auto it = ctx.options.environment->find(obj.environment); it != ctx.options.environment->end())
        return Out(std::in_place_index<0>, it->second);
    }
    return Out(std::in_place_index<1>, "environment variable `" + obj.environment + "` is not set");
  }
  if (auto data = read_small_file(obj.file, kObjectLimit)) return Out(std::in_place_index<0>, *data);
  return Out(std::in_place_index<1>, "`" + obj.file + "` is missing, unreadable or over 1 MiB");
}

bool used(const Context& ctx, const Kind& kind, const std::string& name) {
  for (const auto& [_, s] : ctx.project.services) {
    if (s.disabled) continue;
    const auto& refs = kind.secret ? s.secrets : s.configs;
    for (const auto& r : refs)
      if (r.source == name) return true;
  }
  return false;
}

void add_objects(Context& ctx, const Kind& kind) {
  for (const auto& [name, obj] : kind.defined) {
    if (obj.external || !used(ctx, kind, name)) continue;
    auto source = read_source(ctx, obj);
    std::string object = object_name(kind, name, obj);
    if (source.index() == 1) {
      ctx.warn(obj.mark, std::string(kind.singular) + " \"" + name + "\": " + std::get<1>(source) +
                             ": create " + (kind.secret ? "Secret" : "ConfigMap") + " `" + object +
                             "` with the key `" + kKey + "` yourself");
      continue;
    }
    const std::string& content = std::get<0>(source);
    json body = ctx.make("v1", kind.secret ? "Secret" : "ConfigMap", object);
    if (kind.secret) {
      body["type"] = "Opaque";
      body["data"][kKey] = base64(content);
    } else if (is_text(content)) {
      body["data"][kKey] = content;
    } else {
      body["binaryData"][kKey] = base64(content);
    }
    ctx.emit(std::move(body));
  }
}

void mount(Context& ctx, const compose::Service& s, const Kind& kind, const compose::FileReference& ref, Pod& pod) {
  auto it = kind.defined.find(ref.source);
  if (it == kind.defined.end()) return;  // validated at load
  std::string target = ref.target[0] == '/' ? ref.target : kind.default_dir + ref.target;
  std::string file = target.substr(target.rfind('/') + 1);
  json item = {{"key", kKey}, {"path", file}};
  if (ref.mode) item["mode"] = *ref.mode;
  std::string object = object_name(kind, ref.source, it->second);
  std::string volume = dns_label(kind.prefix + ref.source);
  json source = {{"items", json::array({item})}};
  if (kind.secret) {
    source["secretName"] = object;
    pod.spec["volumes"].push_back({{"name", volume}, {"secret", source}});
  } else {
    source["name"] = object;
    pod.spec["volumes"].push_back({{"name", volume}, {"configMap", source}});
  }
  pod.container["volumeMounts"].push_back(
      {{"name", volume}, {"mountPath", target}, {"subPath", file}, {"readOnly", true}});
  if (!ref.uid.empty() || !ref.gid.empty())
    ctx.warn(ref.mark.known() ? ref.mark : key_mark(s, kind.key),
             "service \"" + s.name + "\": " + kind.singular + " \"" + ref.source +
                 "\": `uid`/`gid` are not converted: Kubernetes mounts files as root (set securityContext.fsGroup by hand)");
}

}  // namespace

void add_file_objects(Context& ctx) {
  add_objects(ctx, configs_of(ctx.project));
  add_objects(ctx, secrets_of(ctx.project));
}

void add_file_mounts(Context& ctx, const compose::Service& s, Pod& pod) {
  Kind configs = configs_of(ctx.project), secrets = secrets_of(ctx.project);
  for (const auto& ref : s.configs) mount(ctx, s, configs, ref, pod);
  for (const auto& ref : s.secrets) mount(ctx, s, secrets, ref, pod);
}

}  // namespace pier::convert
