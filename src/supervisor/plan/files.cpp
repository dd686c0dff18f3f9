// secrets and configs: a file-backed one is bound read-only (as Docker Compose does),
// one from `content:` or `environment:` becomes a file pier writes for the container.
#include <sys/stat.h>

#include <fmt/format.h>

#include "supervisor/plan/steps.h"

namespace pier::supervisor::detail {

namespace {

struct Kind {
  const char* key;       // "secrets" / "configs"
  const char* singular;  // "secret" / "config"
  const char* base_dir;  // where a bare name lands
  const std::map<std::string, compose::FileObjectConfig>& defined;
};

Result<std::string> value_from_environment(PlanContext& ctx, const Kind& kind, const compose::FileReference& ref,
                                           const compose::FileObjectConfig& obj) {
  if (ctx.in.environment) {
    auto it = ctx.in.environment->find(obj.environment);
    if (it != ctx.in.environment->end()) return it->second;
  }
  return ctx.error_at(ref.mark, fmt::format("environment variable `{}` required by {} `{}` is not set", obj.environment,
                                            kind.singular, ref.source));
}

Status add_reference(PlanContext& ctx, const Kind& kind, const compose::FileReference& ref) {
  auto it = kind.defined.find(ref.source);
  if (it == kind.defined.end())
    return ctx.error_at(ref.mark, fmt::format("{} `{}` is not declared under top-level `{}`", kind.singular, ref.source, kind.key));
  const compose::FileObjectConfig& obj = it->second;
  if (obj.external)
    return ctx.error_at(ref.mark, fmt::format("external {} `{}` is not supported", kind.singular, obj.name))
        .hint("use `file:`, `environment:` or `content:`");
  if (!obj.driver.empty() || !obj.template_driver.empty())
    return ctx.error_at(ref.mark, fmt::format("{} `{}`: `driver` and `template_driver` are not supported", kind.singular, ref.source));
  std::string target = ref.target.empty() ? ref.source : ref.target;
  if (target[0] != '/') target = std::string(kind.base_dir) + target;
  if (ctx.targets.count(clean_path(target))) {
    // Docker Compose lets a volume on the same path win.
    ctx.warn_at(ref.mark, fmt::format("{} `{}` is not mounted: `{}` is already a mount point", kind.singular, ref.source, target));
    return {};
  }
  PIER_CHECK(claim_target(ctx, target, ref.mark, kind.singular));
  target = clean_path(target);
  if (!ref.uid.empty() || !ref.gid.empty() || ref.mode)
    ctx.warn_at(ref.mark, fmt::format("{} `{}`: `uid`, `gid` and `mode` are not applied", kind.singular, ref.source));
  if (obj.content || !obj.environment.empty()) {
    runtime::GeneratedFile f;
    f.target = target;
    if (obj.content) {
      f.content = *obj.content;
    } else {
      PIER_TRY(f.content, value_from_environment(ctx, kind, ref, obj));
    }
    ctx.plan.spec.files.push_back(std::move(f));
    return {};
  }
  struct stat st{};
  if (::stat(obj.file.c_str(), &st) != 0)
    return ctx.error_at(ref.mark, fmt::format("{} `{}`: file `{}` does not exist", kind.singular, ref.source, obj.file))
        .hint("create it or fix `file:` in the top-level definition");
  runtime::BindMount b;
  b.source = obj.file;
  b.target = target;
  b.read_only = true;
  ctx.plan.spec.binds.push_back(std::move(b));
  return {};
}

}  // namespace

Status plan_files(PlanContext& ctx) {
  const Kind secrets{"secrets", "secret", "/run/secrets/", ctx.in.project->secrets};
  const Kind configs{"configs", "config", "/", ctx.in.project->configs};
  for (const auto& ref : ctx.svc.secrets) PIER_CHECK(add_reference(ctx, secrets, ref));
  for (const auto& ref : ctx.svc.configs) PIER_CHECK(add_reference(ctx, configs, ref));
  return {};
}

}  // namespace pier::supervisor::detail
