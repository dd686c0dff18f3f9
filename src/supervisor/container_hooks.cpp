// post_start and pre_stop: each hook is a process exec'd in the running container, as
// `pier exec` runs one (its namespaces, cgroup, capabilities, seccomp filter and limits;
// `privileged: true` as `exec --privileged`), one after another in the order written.
// A hook that exits non-zero ends the run with an error naming the container, the hook
// and its status, with what it printed (up to 4 KiB), as Docker Compose's error does.
#include <fmt/format.h>

#include "base/strings.h"
#include "supervisor/container.h"

namespace pier::supervisor {
namespace {

std::string command_text(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

void ManagedContainer::run_hooks(const char* key, std::optional<std::chrono::milliseconds> budget, Done done) {
  std::optional<HookBudget> limit;
  if (budget) limit = HookBudget{host_.loop().now() + *budget, *budget};
  run_hook(key, 0, limit, std::move(done));
}

void ManagedContainer::run_hook(const char* key, size_t index, std::optional<HookBudget> budget, Done done) {
  const auto& hooks = std::string_view(key) == "post_start" ? plan_.post_start : plan_.pre_stop;
  if (index >= hooks.size()) return done({});
  const plan::HookSpec& hook = hooks[index];
  std::optional<std::chrono::milliseconds> timeout;
  if (budget)
    timeout = std::max(std::chrono::milliseconds(0),
                       std::chrono::duration_cast<std::chrono::milliseconds>(budget->deadline - host_.loop().now()));
  std::string what = fmt::format("{} hook `{}`", key, command_text(hook.process.argv));
  exec_watched(key, hook.process, hook.privileged, timeout, hook_runs_,
               [this, key, index, budget, what, done = std::move(done)](ProbeResult result) mutable {
                 if (result.exit_code == 0) return run_hook(key, index + 1, budget, std::move(done));
                 if (result.timed_out && budget)
                   return done(Error(fmt::format(
                       "container {}: {} did not finish within the {} s its hooks had (the stop grace period) and "
                       "was killed",
                       name(), what, std::chrono::duration<double>(budget->total).count())));
                 std::string reason =
                     result.exit_code > 0 ? fmt::format("exited with status {}", result.exit_code) : "could not run";
                 std::string output(trim(result.output));
                 done(Error(fmt::format("container {}: {} {}{}{}", name(), what, reason, output.empty() ? "" : ": ",
                                        output)));
               });
}

}  // namespace pier::supervisor
