// CDI devices: the names a service asks for, resolved against the specs in the spec
// dirs, and their container edits applied to the runtime spec. The edits go on top of
// what the service set, as an OCI runtime applies CDI edits to a finished spec: a
// spec's variable replaces the service's, a spec's node replaces a `devices:` entry at
// the same path.
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "base/strings.h"
#include "cdi/registry.h"
#include "compose/units.h"
#include "plan/cdi_requests.h"
#include "plan/steps.h"

namespace pier::plan::detail {

namespace {

std::string env_key(const std::string& kv) { return kv.substr(0, kv.find('=')); }

void apply_env(runtime::Process& p, const std::vector<std::string>& env) {
  for (const auto& kv : env) {
    std::erase_if(p.env, [&](const std::string& e) { return env_key(e) == env_key(kv); });
    p.env.push_back(kv);
  }
}

void apply_nodes(runtime::ContainerSpec& spec, const std::vector<cdi::DeviceNode>& nodes) {
  for (const auto& n : nodes) {
    std::erase_if(spec.devices, [&](const runtime::Device& d) {
      return (d.container_path.empty() ? d.host_path : d.container_path) == n.path;
    });
    runtime::Device d;
    d.host_path = n.host_path.empty() ? n.path : n.host_path;
    d.container_path = n.path;
    d.permissions = n.permissions.empty() ? "rwm" : n.permissions;
    runtime::Device::Node node;
    node.type = n.type.empty() ? 0 : (n.type == "b" ? 'b' : 'c');  // "u" (unbuffered) is a char device
    node.major = n.major;
    node.minor = n.minor;
    if (n.file_mode) node.file_mode = static_cast<mode_t>(*n.file_mode);
    if (n.uid) node.uid = static_cast<uid_t>(*n.uid);
    if (n.gid) node.gid = static_cast<gid_t>(*n.gid);
    d.node = node;
    spec.devices.push_back(std::move(d));
  }
}

bool tmpfs_size(std::string_view text, uint64_t& out) {
  auto bytes = compose::parse_bytes(text);
  if (!bytes || *bytes < 0) return false;
  out = static_cast<uint64_t>(*bytes);
  return true;
}

bool tmpfs_mode(std::string_view text, unsigned& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 8);
  return ec == std::errc() && end == text.data() + text.size() && out <= 07777;
}

// Mount options as OCI runtimes read them for a bind or a tmpfs. Anything else is
// refused: an option pier dropped would leave a mount less restricted than the vendor
// asked.
Status apply_mount(PlanContext& ctx, const cdi::Mount& m, const compose::Mark& mark) {
  bool is_tmpfs = m.type == "tmpfs";
  if (!is_tmpfs && !m.type.empty() && m.type != "bind" && m.type != "none")
    return ctx.error_at(mark, fmt::format("CDI mount `{}`: type `{}` is not supported (bind or tmpfs)", m.container_path, m.type));
  runtime::BindMount b{m.host_path, m.container_path};
  b.recursive = false;
  runtime::TmpfsMount t{m.container_path};
  static const std::pair<const char*, runtime::Propagation> kPropagation[] = {
      {"private", runtime::Propagation::private_}, {"rprivate", runtime::Propagation::rprivate},
      {"slave", runtime::Propagation::slave},      {"rslave", runtime::Propagation::rslave},
      {"shared", runtime::Propagation::shared},    {"rshared", runtime::Propagation::rshared}};
  for (const auto& o : m.options) {
    bool known = true;
    if (o == "ro" || o == "rw") b.read_only = o == "ro";
    else if (o == "bind") b.recursive = false;
    else if (o == "rbind") b.recursive = true;
    else if (o == "nosuid") b.nosuid = true;
    else if (o == "nodev") b.nodev = true;
    else if (o == "noexec") b.noexec = true;
    else if (is_tmpfs && starts_with(o, "size=")) known = tmpfs_size(o.substr(5), t.size);
    else if (is_tmpfs && starts_with(o, "mode=")) known = tmpfs_mode(o.substr(5), t.mode);
    else {
      auto p = std::find_if(std::begin(kPropagation), std::end(kPropagation), [&](const auto& e) { return o == e.first; });
      known = p != std::end(kPropagation);
      if (known) b.propagation = p->second;
    }
    if (!known || (is_tmpfs && (o == "bind" || o == "rbind")))
      return ctx.error_at(mark, fmt::format("CDI mount `{}`: option `{}` is not supported", m.container_path, o));
  }
  PIER_CHECK(claim_target(ctx, m.container_path, mark, "CDI mount"));
  if (is_tmpfs) ctx.plan.spec.tmpfs.push_back(t);
  else ctx.plan.spec.binds.push_back(std::move(b));
  return {};
}

void apply_hooks(runtime::Hooks& into, const std::vector<cdi::Hook>& hooks) {
  for (const auto& h : hooks) {
    runtime::Hook r{h.path, h.args, h.env};
    if (h.timeout) r.timeout = *h.timeout;
    if (h.stage == "createRuntime") into.create_runtime.push_back(r);
    else if (h.stage == "createContainer") into.create_container.push_back(r);
    else if (h.stage == "startContainer") into.start_container.push_back(r);
    else if (h.stage == "poststart") into.poststart.push_back(r);
    else into.poststop.push_back(r);  // the parser admits no other stage
  }
}

// Where errors about the edits point: the first key that asked for a CDI device.
compose::Mark request_mark(const PlanContext& ctx) {
  for (const char* key : {"devices", "deploy", "gpus"})
    if (auto it = ctx.svc.key_marks.find(key); it != ctx.svc.key_marks.end() && it->second.known()) return it->second;
  return ctx.svc.mark;
}

}  // namespace

Status plan_cdi(PlanContext& ctx) {
  if (!asks_for_cdi(ctx.svc)) return {};
  std::optional<std::string_view> setting;
  if (ctx.in.environment) {
    if (auto it = ctx.in.environment->find("PIER_CDI_SPEC_DIRS"); it != ctx.in.environment->end()) setting = it->second;
  } else if (const char* env = std::getenv("PIER_CDI_SPEC_DIRS")) {
    setting = env;
  }
  cdi::Registry registry = cdi::load_registry(cdi::spec_dirs(setting));
  std::vector<std::string> names;
  PIER_CHECK(cdi_device_names(ctx, registry, names));
  if (names.empty()) return {};
  compose::Mark mark = request_mark(ctx);
  auto edits = cdi::resolve(registry, names);
  if (!edits) return std::move(edits).error().at(mark.known() ? mark.to_string() : ctx.svc.mark.to_string());
  runtime::ContainerSpec& spec = ctx.plan.spec;
  apply_env(spec.process, edits->env);
  apply_nodes(spec, edits->device_nodes);
  for (const auto& m : edits->mounts) PIER_CHECK(apply_mount(ctx, m, mark));
  apply_hooks(spec.hooks, edits->hooks);
  for (uint32_t g : edits->additional_gids) {
    std::string gid = std::to_string(g);
    if (std::find(spec.process.group_add.begin(), spec.process.group_add.end(), gid) == spec.process.group_add.end())
      spec.process.group_add.push_back(gid);
  }
  return {};
}

}  // namespace pier::plan::detail
