// The process: argv from entrypoint/command over the image's, the environment, working
// directory, user and terminal, merged exactly as the Docker engine merges a
// container's config with its image's (daemon/commit.go `merge`, container/env.go).
#include <fmt/format.h>

#include "base/strings.h"
#include "plan/command_display.h"
#include "plan/steps.h"

namespace pier::plan::detail {

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Docker's rule, which differs from a plain reading of the spec for empty lists:
// - a non-empty `entrypoint` replaces the image's and drops the image's CMD;
// - `entrypoint: []` (or '') drops the image's ENTRYPOINT but keeps its CMD unless a
//   command is given;
// - `command: []` with no entrypoint keeps the image's CMD (the engine treats an empty
//   command as unset).
std::vector<std::string> merge_argv(const compose::Service& s, const image::ImageConfig& image) {
  std::vector<std::string> entrypoint, cmd;
  if (!s.entrypoint || s.entrypoint->empty()) {
    cmd = (s.command && !s.command->empty()) ? *s.command : image.cmd;
    entrypoint = s.entrypoint ? std::vector<std::string>{} : image.entrypoint;
  } else {
    entrypoint = *s.entrypoint;
    if (s.command) cmd = *s.command;
  }
  entrypoint.insert(entrypoint.end(), cmd.begin(), cmd.end());
  return entrypoint;
}

std::string env_key(const std::string& entry) { return entry.substr(0, entry.find('=')); }

void replace_or_append(std::vector<std::string>& env, const std::string& entry) {
  const std::string key = env_key(entry);
  for (auto& e : env)
    if (env_key(e) == key) {
      e = entry;
      return;
    }
  env.push_back(entry);
}

// Config env = the service's, then the image's keys the service neither set nor unset (a
// key written without a value whose variable is unset removes the image's, as Docker's
// ReplaceOrAppendEnvValues does for an entry without `=`). The process then sees PATH,
// HOSTNAME and (with a tty) TERM first, each replaced in place when the config sets it
// (container/env.go CreateDaemonEnvironment).
std::vector<std::string> merge_env(const compose::Service& s, const image::ImageConfig& image,
                                   const std::string& hostname, bool tty) {
  std::vector<std::string> config;
  for (const auto& [k, v] : s.environment) config.push_back(k + "=" + v);
  for (const auto& e : image.env) {
    if (e.find('=') == std::string::npos) continue;  // a bare name sets nothing
    std::string key = env_key(e);
    if (!s.environment.count(key) && !s.unset_environment.count(key)) config.push_back(e);
  }
  std::vector<std::string> env = {std::string("PATH=") + kDefaultPath};
  if (!hostname.empty()) env.push_back("HOSTNAME=" + hostname);
  if (tty) env.push_back("TERM=xterm");
  for (const auto& e : config) replace_or_append(env, e);
  return env;
}

Result<std::string> working_dir(PlanContext& ctx) {
  const std::string& wd = ctx.svc.working_dir;
  if (!wd.empty()) {
    if (wd[0] != '/')
      return ctx.error("working_dir", fmt::format("working_dir `{}` is not an absolute path", wd))
          .hint("write it as a path inside the container, starting with /");
    return clean_rooted_path(wd);
  }
  if (!ctx.image.working_dir.empty()) return clean_rooted_path(ctx.image.working_dir);
  return std::string("/");
}

}  // namespace

Status plan_process(PlanContext& ctx) {
  runtime::Process& p = ctx.plan.spec.process;
  const compose::Service& s = ctx.svc;
  p.argv = merge_argv(s, ctx.image);
  if (p.argv.empty() || p.argv[0].empty()) {
    const char* key = s.command ? "command" : s.entrypoint ? "entrypoint" : "image";
    return ctx.error(key, "no command specified: the service sets no command or entrypoint and the image has neither")
        .hint("add `command:` to the service");
  }
  p.tty = s.tty.value_or(false);
  ctx.plan.stdin_open = s.stdin_open.value_or(false);
  p.env = merge_env(s, ctx.image, ctx.hostname_env, p.tty);
  PIER_TRY(p.workdir, working_dir(ctx));
  p.user = !s.user.empty() ? s.user : !ctx.keep_id_user.empty() ? ctx.keep_id_user : ctx.image.user;
  p.group_add = s.group_add;
  ctx.plan.command_display = command_display(p.argv);
  return {};
}

}  // namespace pier::plan::detail
