// `volumes_from`: a container gets every volume of another, as Docker copies the source
// container's mount points (daemon's registerMountPoints): its bind mounts and its named
// and anonymous volumes, the same host directories at the same targets, so that what one
// container writes the other reads. Each keeps the source's read-only flag; `:ro` makes
// it read-only, `:rw` (the default) cannot make a read-only one writable. A mount the
// service declares itself wins over a copied one at its target, and a later entry over
// an earlier one.
#include <fmt/format.h>

#include "base/strings.h"
#include "plan/steps.h"

namespace pier::plan::detail {

namespace {

struct Source {
  std::string name;  // as find_volumes takes it: "db" or "container:name"
  bool read_only = false;
};

// "db", "db:ro", "container:name", "container:name:rw"; the project's validation has
// refused any other mode.
Source parse_entry(const std::string& entry) {
  const size_t name_at = starts_with(entry, "container:") ? 10 : 0;
  const size_t colon = entry.find(':', name_at);
  Source s;
  s.name = entry.substr(0, colon);
  s.read_only = colon != std::string::npos && entry.substr(colon + 1) == "ro";
  return s;
}

const compose::Mark& volumes_from_mark(const compose::Service& s) {
  auto it = s.key_marks.find("volumes_from");
  return it == s.key_marks.end() ? s.mark : it->second;
}

}  // namespace

Status add_volumes_from(PlanContext& ctx) {
  if (ctx.svc.volumes_from.empty()) return {};
  std::vector<runtime::BindMount> copied;
  for (const auto& entry : ctx.svc.volumes_from) {
    const Source source = parse_entry(entry);
    if (!ctx.in.find_volumes)
      return ctx.error("volumes_from", fmt::format("volumes_from `{}`: no container to copy from", entry));
    auto mounts = ctx.in.find_volumes(source.name);
    if (!mounts) {
      Error e = ctx.error("volumes_from", fmt::format("volumes_from `{}`: {}", entry, mounts.error().message()));
      if (!mounts.error().fix().empty()) e.hint(mounts.error().fix());
      return e;
    }
    for (auto& m : *mounts) {
      m.read_only = m.read_only || source.read_only;
      std::erase_if(copied, [&](const runtime::BindMount& earlier) { return earlier.target == m.target; });
      copied.push_back(std::move(m));
    }
  }
  for (auto& m : copied) {
    if (ctx.targets.count(m.target)) continue;  // the service's own mount there wins
    ctx.targets.emplace(m.target, volumes_from_mark(ctx.svc));
    ctx.plan.spec.binds.push_back(std::move(m));
  }
  return {};
}

}  // namespace pier::plan::detail
