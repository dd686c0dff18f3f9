// secrets and configs: each becomes a runtime::PrivateFile, the container's own copy in a
// tmpfs private to its mount namespace, owned by the requested uid/gid with the requested
// mode (Docker Compose binds the user's file and ignores all three outside Swarm). A
// `file:` that is a directory stays a read-only bind, as Docker Compose mounts it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <optional>

#include "base/unique_fd.h"
#include "compose/variables.h"
#include "image/digest.h"
#include "plan/steps.h"

namespace pier::plan {

namespace {

// Held in memory once per replica and in its tmpfs: a bound, not a limit users meet.
constexpr size_t kMaxSourceBytes = 16u << 20;

struct Kind {
  const char* key;       // "secrets" / "configs"
  const char* singular;  // "secret" / "config"
  const char* base_dir;  // where a bare name lands
  const std::map<std::string, compose::FileObjectConfig>& defined;
};

Kind secrets_of(const compose::Project& p) { return {"secrets", "secret", "/run/secrets/", p.secrets}; }
Kind configs_of(const compose::Project& p) { return {"configs", "config", "/", p.configs}; }

// An error at the service's use of the secret (or the service itself without a mark).
Error error_at(const compose::Service& svc, const compose::FileReference& ref, std::string message) {
  return Error(std::move(message)).at(ref.mark.known() ? ref.mark.to_string() : svc.mark.to_string());
}

std::string defined_at(const compose::FileObjectConfig& obj) {
  return obj.mark.known() ? " at " + obj.mark.to_string() : "";
}

Result<const compose::FileObjectConfig*> find_object(const compose::Service& svc, const Kind& kind,
                                                     const compose::FileReference& ref) {
  auto it = kind.defined.find(ref.source);
  if (it == kind.defined.end())
    return error_at(svc, ref, fmt::format("{} `{}` is not declared under top-level `{}`", kind.singular, ref.source, kind.key));
  const compose::FileObjectConfig& obj = it->second;
  if (obj.external)
    return error_at(svc, ref, fmt::format("{} `{}` is external (`{}`): pier has no {} store to take it from",
                                          kind.singular, ref.source, obj.name, kind.singular))
        .hint(fmt::format("give it `file:`{} or `environment:` in its definition{}",
                          kind.key == std::string("configs") ? ", `content:`" : "", defined_at(obj)));
  if (!obj.driver.empty() || !obj.template_driver.empty())
    return error_at(svc, ref, fmt::format("{} `{}`: `driver` and `template_driver` are not supported", kind.singular, ref.source));
  return &obj;
}

// The file's content, or nullopt for a directory (bound read-only instead).
Result<std::optional<std::string>> read_source_file(const compose::Service& svc, const Kind& kind,
                                                    const compose::FileReference& ref,
                                                    const compose::FileObjectConfig& obj) {
  auto failed = [&](const std::string& why) {
    return error_at(svc, ref, fmt::format("{} `{}`: file `{}` {}", kind.singular, ref.source, obj.file, why))
        .hint(fmt::format("create it or fix `file:` in the definition{}", defined_at(obj)));
  };
  UniqueFd fd(::open(obj.file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return errno == ENOENT ? failed("does not exist") : failed(std::string("cannot be read: ") + std::strerror(errno));
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return failed(std::string("cannot be read: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return std::optional<std::string>();
  if (!S_ISREG(st.st_mode)) return failed("is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxSourceBytes) return failed(fmt::format("is larger than {} MiB", kMaxSourceBytes >> 20));
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0 && out.size() <= kMaxSourceBytes) out.append(buf, static_cast<size_t>(n));
  if (n < 0) return failed(std::string("cannot be read: ") + std::strerror(errno));
  if (out.size() > kMaxSourceBytes) return failed(fmt::format("is larger than {} MiB", kMaxSourceBytes >> 20));
  return std::optional<std::string>(std::move(out));
}

// What the container gets: `content:`, the variable's value, or the file's bytes
// (nullopt: the file is a directory).
Result<std::optional<std::string>> read_source(const compose::Service& svc, const Kind& kind,
                                               const compose::FileReference& ref, const compose::FileObjectConfig& obj,
                                               const compose::Environment* env) {
  if (obj.content) return std::optional<std::string>(*obj.content);
  if (!obj.environment.empty()) {
    if (obj.environment_value) return std::optional<std::string>(*obj.environment_value);
    if (env)
      if (auto it = env->find(obj.environment); it != env->end()) return std::optional<std::string>(it->second);
    return error_at(svc, ref, fmt::format("environment variable `{}` required by {} `{}` is not set", obj.environment,
                                          kind.singular, ref.source))
        .hint(fmt::format("export it or set it in .env (the {} is defined{})", kind.singular,
                          obj.mark.known() ? " at " + obj.mark.to_string() : " in the compose file"));
  }
  return read_source_file(svc, kind, ref, obj);
}

}  // namespace

namespace detail {

namespace {

std::string target_of(const Kind& kind, const compose::FileReference& ref) {
  std::string target = ref.target.empty() ? ref.source : ref.target;
  return target[0] == '/' ? target : std::string(kind.base_dir) + target;
}

void bind_directory(PlanContext& ctx, const Kind& kind, const compose::FileReference& ref,
                    const compose::FileObjectConfig& obj, const std::string& target) {
  if (!ref.uid.empty() || !ref.gid.empty() || ref.mode)
    ctx.warn_at(ref.mark, fmt::format("{} `{}`: `file` is a directory, bound read-only: `uid`, `gid` and `mode` are "
                                      "not applied", kind.singular, ref.source));
  runtime::BindMount b;
  b.source = obj.file;
  b.target = target;
  b.read_only = true;
  ctx.plan.spec.binds.push_back(std::move(b));
}

Status add_reference(PlanContext& ctx, const Kind& kind, const compose::FileReference& ref) {
  PIER_TRY(const compose::FileObjectConfig* obj, find_object(ctx.svc, kind, ref));
  std::string target = target_of(kind, ref);
  if (ctx.targets.count(clean_rooted_path(target))) {
    // Docker Compose lets a volume on the same path win.
    ctx.warn_at(ref.mark, fmt::format("{} `{}` is not mounted: `{}` is already a mount point", kind.singular, ref.source, target));
    return {};
  }
  PIER_CHECK(claim_target(ctx, target, ref.mark, kind.singular));
  target = clean_rooted_path(target);
  PIER_TRY(auto content, read_source(ctx.svc, kind, ref, *obj, ctx.in.environment));
  if (!content) {
    bind_directory(ctx, kind, ref, *obj, target);
    return {};
  }
  runtime::PrivateFile f;
  f.target = target;
  f.content = std::move(*content);
  f.uid = ref.uid;
  f.gid = ref.gid;
  f.mode = ref.mode.value_or(0444);  // Docker's default for both
  f.what = fmt::format("{} `{}`", kind.singular, ref.source);
  ctx.plan.spec.private_files.push_back(std::move(f));
  return {};
}

}  // namespace

Status plan_files(PlanContext& ctx) {
  const Kind secrets = secrets_of(*ctx.in.project), configs = configs_of(*ctx.in.project);
  for (const auto& ref : ctx.svc.secrets) PIER_CHECK(add_reference(ctx, secrets, ref));
  for (const auto& ref : ctx.svc.configs) PIER_CHECK(add_reference(ctx, configs, ref));
  return {};
}

}  // namespace detail

Result<std::string> sources_digest(const compose::Project& project, const compose::Service& service,
                                   const compose::Environment* environment) {
  if (service.secrets.empty() && service.configs.empty()) return std::string();
  image::Sha256 hash;
  auto add = [&](const Kind& kind, const compose::FileReference& ref) -> Status {
    PIER_TRY(const compose::FileObjectConfig* obj, find_object(service, kind, ref));
    PIER_TRY(auto content, read_source(service, kind, ref, *obj, environment));
    // Length-prefixed, so that no two lists of sources hash alike.
    std::string head = fmt::format("{}\n{}\n{}\n", kind.key, ref.source, content ? std::to_string(content->size()) : "dir");
    hash.update(head);
    if (content) hash.update(*content);
    return {};
  };
  const Kind secrets = secrets_of(project), configs = configs_of(project);
  for (const auto& ref : service.secrets)
    if (auto st = add(secrets, ref); !st) return std::move(st).error().context(fmt::format("service \"{}\"", service.name));
  for (const auto& ref : service.configs)
    if (auto st = add(configs, ref); !st) return std::move(st).error().context(fmt::format("service \"{}\"", service.name));
  return hash.finish();
}

std::vector<std::string> secret_source_variables(const compose::Project& project,
                                                 const compose::LoadOptions& load) {
  std::vector<std::string> out;
  for (const auto* defined : {&project.secrets, &project.configs})
    for (const auto& [name, obj] : *defined)
      if (!obj.environment.empty()) out.push_back(obj.environment);
  // `content: "${DB_PASSWORD}"` is the value itself: the variables a `content` uses go too.
  // They are only known before interpolation, so the files are read once more, raw.
  compose::LoadOptions raw = load;
  raw.interpolate = false;
  auto tree = compose::load_tree(raw);
  const compose::Node* configs = tree.ok() ? tree->root.find("configs") : nullptr;
  if (configs && configs->is_mapping())
    for (const auto& entry : configs->entries())
      if (const compose::Node* content = entry.value.find("content"))
        if (auto used = compose::list_variables(*content); used.ok())
          for (const auto& variable : *used) out.push_back(variable.name);
  return out;
}

}  // namespace pier::plan
