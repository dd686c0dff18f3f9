// The steps plan_container runs, one file each, sharing one context. Internal to plan/.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/path.h"
#include "plan/plan.h"

namespace pier::plan::detail {

struct PlanContext {
  const PlanInputs& in;
  const compose::Service& svc;
  const image::ImageConfig& image;
  ServicePlan& plan;
  // Filled by plan_namespaces for plan_process: the HOSTNAME the process sees (empty when
  // the UTS namespace is another container's and pier cannot know its name).
  std::string hostname_env;
  // Filled by plan_namespaces with `userns_mode: keep-id`: the user's "uid:gid", the
  // process's user unless the service sets one (Podman's keep-id default).
  std::string keep_id_user;
  // Every mount target so far (volumes, tmpfs, secrets, configs), to refuse duplicates.
  std::map<std::string, compose::Mark> targets;

  // "compose.yaml:12:5" for a service key, else the service's own mark, else "".
  std::string where(std::string_view key) const;
  // An error about `key` located at its mark. plan_container adds the service frame.
  Error error(std::string_view key, std::string message) const;
  Error error_at(const compose::Mark& mark, std::string message) const;
  // Something accepted but not applied, in the same shape as an error.
  void warn(std::string_view key, std::string message);
  void warn_at(const compose::Mark& mark, std::string message);
};

// Records a mount target; a second mount on the same path is an error at `mark`.
Status claim_target(PlanContext& ctx, const std::string& target, const compose::Mark& mark, std::string_view what);

// A `subpath` that names a place inside its root: relative, without `.`, `..` or empty
// components.
bool is_plain_relative_path(const std::string& path);
// Helpers of plan_mounts, each in its own file: `volumes_from` (volumes_from.cpp, after
// the service's own volumes, which win at the same target) and `type: image` volumes
// (image_mounts.cpp).
Status add_volumes_from(PlanContext& ctx);
Status add_image_mount(PlanContext& ctx, const compose::ServiceVolume& v);

// In the order plan_container runs them: later steps read what earlier ones filled in
// (the environment needs the hostname; mounts need the network mode for sysctls).
Status check_unsupported(PlanContext& ctx);
Status plan_rootfs(PlanContext& ctx);
Status plan_namespaces(PlanContext& ctx);
// keep-id (rootless only): a user namespace of the container's own in which the user's
// real uid and gid map to themselves; `what` names the key or extension that asked.
// Returns the user's "uid:gid".
Result<std::string> plan_keep_id(PlanContext& ctx, const compose::Mark& mark, std::string_view what);
Status plan_process(PlanContext& ctx);
Status plan_limits(PlanContext& ctx);
Status plan_security(PlanContext& ctx);
Status plan_mounts(PlanContext& ctx);
Status plan_files(PlanContext& ctx);
// x-pier-desktop: the host session's sockets, devices, groups and user. After plan_files
// (it skips targets the service already mounts), before the mounts are ordered.
Status plan_desktop(PlanContext& ctx);
// After every mount is known (volumes, tmpfs, secrets, configs): parents before children.
Status order_mounts_step(PlanContext& ctx);
Status plan_devices(PlanContext& ctx);
// CDI devices (`devices:` names, deploy device requests, `gpus`): the specs' nodes,
// mounts, env, groups and hooks. After plan_devices, so a spec's node wins over a
// `devices:` path; before the mounts are ordered, so its mounts are ordered with the rest.
Status plan_cdi(PlanContext& ctx);
Status plan_resources(PlanContext& ctx);
Status plan_health(PlanContext& ctx);
Status plan_lifecycle(PlanContext& ctx);
// post_start and pre_stop as processes to exec: after every step that sets the
// process's environment, user and working directory (plan_process, plan_desktop, plan_cdi).
Status plan_hooks(PlanContext& ctx);
// The NetworkPlan, and the files that name the container: /etc/hosts, resolv.conf and
// /etc/hostname. No step before it writes spec.files, so they are files 0, 1 and 2
// (Supervisor::attach_network rewrites 0 and 1 once the addresses are known).
Status plan_networking(PlanContext& ctx);
Status plan_logging(PlanContext& ctx);
void plan_labels(PlanContext& ctx);

}  // namespace pier::plan::detail
