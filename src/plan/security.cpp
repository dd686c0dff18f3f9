// privileged, cap_add/cap_drop and security_opt (no-new-privileges, seccomp, and the
// LSM options pier accepts without applying).
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/strings.h"
#include "base/unique_fd.h"
#include "runtime/security/caps.h"
#include "plan/seccomp_json.h"
#include "plan/steps.h"

namespace pier::plan::detail {

namespace {

constexpr size_t kMaxProfileSize = 4u << 20;

// Go's strconv.ParseBool, which Docker uses for `no-new-privileges:<bool>`.
std::optional<bool> parse_go_bool(const std::string& v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return false;
  return std::nullopt;
}

Result<std::string> read_profile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::system("open seccomp profile", path, errno);
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxProfileSize) return Error(fmt::format("seccomp profile `{}` is larger than 4 MiB", path));
  }
  if (n < 0) return Error::system("read seccomp profile", path, errno);
  return out;
}

Status load_seccomp(PlanContext& ctx, const std::string& file, runtime::CapMask caps) {
  runtime::ContainerSpec& spec = ctx.plan.spec;
  // Relative to the project directory, as Docker Compose resolves it.
  std::string path = file[0] == '/' ? file : ctx.in.project->working_dir + "/" + file;
  auto text = read_profile(path);
  if (!text) return std::move(text).error().at(ctx.where("security_opt"));
  auto profile = parse_seccomp_profile(*text, host_seccomp_target(caps));
  if (!profile)
    return std::move(profile).error().context(fmt::format("seccomp profile `{}`", path)).at(ctx.where("security_opt"));
  spec.seccomp = runtime::SeccompMode::custom;
  spec.seccomp_profile = std::move(*profile);
  ctx.plan.seccomp_profile_path = path;
  return {};
}

Status apply_option(PlanContext& ctx, const std::string& opt, runtime::CapMask caps) {
  runtime::ContainerSpec& spec = ctx.plan.spec;
  if (opt == "no-new-privileges") {
    spec.process.no_new_privs = true;
    return {};
  }
  // `key=value`, or the older `key:value`.
  size_t sep = opt.find('=');
  if (sep == std::string::npos) sep = opt.find(':');
  if (sep == std::string::npos)
    return ctx.error("security_opt", fmt::format("invalid security_opt `{}`", opt))
        .hint("use no-new-privileges, seccomp=<file>|unconfined, apparmor=<profile> or label=<option>");
  const std::string key = opt.substr(0, sep), value = opt.substr(sep + 1);
  if (key == "no-new-privileges") {
    auto b = parse_go_bool(value);
    if (!b) return ctx.error("security_opt", fmt::format("invalid value `{}` for no-new-privileges", value));
    spec.process.no_new_privs = *b;
  } else if (key == "seccomp") {
    if (value == "unconfined") spec.seccomp = runtime::SeccompMode::unconfined;
    else if (value == "builtin" || value == "default") spec.seccomp = runtime::SeccompMode::default_profile;
    else if (value.empty()) return ctx.error("security_opt", "`seccomp=` names no profile");
    else PIER_CHECK(load_seccomp(ctx, value, caps));
  } else if (key == "apparmor") {
    ctx.warn("security_opt", fmt::format("`{}` is accepted but not applied: pier does not load AppArmor profiles", opt));
  } else if (key == "label") {
    ctx.warn("security_opt", fmt::format("`{}` is accepted but not applied: pier does not set SELinux labels", opt));
  } else if (key == "systempaths" && value == "unconfined") {
    ctx.warn("security_opt", "`systempaths=unconfined` is not applied: /proc and /sys paths stay masked");
  } else {
    return ctx.error("security_opt", fmt::format("unknown security_opt `{}`", opt))
        .hint("use no-new-privileges, seccomp=<file>|unconfined, apparmor=<profile> or label=<option>");
  }
  return {};
}

}  // namespace

Status plan_security(PlanContext& ctx) {
  runtime::ContainerSpec& spec = ctx.plan.spec;
  const compose::Service& s = ctx.svc;
  spec.privileged = s.privileged.value_or(false);
  spec.process.cap_add = s.cap_add;
  spec.process.cap_drop = s.cap_drop;
  // Checked now so an unknown name points at the file; the runtime computes them again.
  if (auto add = runtime::compute_caps(s.cap_add, {}, spec.privileged); !add)
    return std::move(add).error().context("cap_add").at(ctx.where("cap_add"));
  auto caps = runtime::compute_caps(s.cap_add, s.cap_drop, spec.privileged);
  if (!caps) return std::move(caps).error().context("cap_drop").at(ctx.where("cap_drop"));
  for (const auto& opt : s.security_opt) PIER_CHECK(apply_option(ctx, opt, *caps));
  // Docker runs a privileged container without seccomp, whatever profile was named.
  if (spec.privileged && spec.seccomp == runtime::SeccompMode::custom) {
    ctx.warn("security_opt", "the seccomp profile is not applied: a privileged container runs without seccomp");
    spec.seccomp = runtime::SeccompMode::unconfined;
    spec.seccomp_profile = {};
    ctx.plan.seccomp_profile_path.clear();
  }
  return {};
}

}  // namespace pier::plan::detail
