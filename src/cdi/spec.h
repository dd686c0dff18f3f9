// A CDI spec as data: what a vendor's file under /etc/cdi or /var/run/cdi says a device
// needs in a container (the Container Device Interface, cdiVersion 0.3.0 to 0.8.0).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace pier::cdi {

// A node to create in the container. Absent fields are filled from the host node.
struct DeviceNode {
  std::string path;       // inside the container
  std::string host_path;  // empty: same as `path`
  std::string type;       // "c", "b", "u" (= c); empty: the host node's
  std::optional<int64_t> major, minor;
  std::optional<uint32_t> file_mode;  // permission bits
  std::string permissions;            // cgroup access, "rwm" when empty
  std::optional<uint32_t> uid, gid;
};

struct Mount {
  std::string host_path;
  std::string container_path;
  std::string type;  // "bind" or empty (a bind by its options), "tmpfs"
  std::vector<std::string> options;
};

// An OCI hook: run at `stage` with the container's state JSON on stdin.
struct Hook {
  std::string stage;  // createRuntime, createContainer, startContainer, poststart, poststop
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;  // seconds
};

struct ContainerEdits {
  std::vector<std::string> env;  // "K=V"
  std::vector<DeviceNode> device_nodes;
  std::vector<Mount> mounts;
  std::vector<Hook> hooks;
  std::vector<uint32_t> additional_gids;
  bool empty() const {
    return env.empty() && device_nodes.empty() && mounts.empty() && hooks.empty() && additional_gids.empty();
  }
};

struct Device {
  std::string name;
  ContainerEdits edits;
};

struct Spec {
  std::string file;     // where it was read: every error about it names this
  std::string version;  // cdiVersion
  std::string kind;     // "vendor.com/class"
  std::vector<Device> devices;
  ContainerEdits edits;  // spec-level: apply once when any of its devices is used
};

// The hook stages a spec may name, in the order the runtime reaches them.
inline constexpr std::string_view kHookStages[] = {"createRuntime", "createContainer", "startContainer", "poststart",
                                                   "poststop"};

// Parses one spec file's text: JSON when `file` ends in `.json`, else YAML. Every error
// names `file`; unknown versions, unknown keys at a known level, bad names and bad
// paths are refused, since a spec that is half understood would give a half-working
// device.
Result<Spec> parse_spec(std::string_view text, const std::string& file);

}  // namespace pier::cdi
