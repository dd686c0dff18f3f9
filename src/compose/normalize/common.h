// Helpers shared by the normalisers: typed reads of document nodes that fail with
// "`key` must be X, got Y" at the node's file:line:col, and key checks with
// "did you mean" suggestions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "compose/diagnostics.h"
#include "compose/loader.h"
#include "compose/normalize.h"
#include "compose/model.h"

namespace pier::compose::detail {

struct Context {
  const ProjectTree& tree;
  Warnings& warnings;
  std::string home;  // for `~` in paths
  const NormalizeOptions& options;
};

Error error_at(const Node& node, std::string message);
Error type_error(const Node& node, std::string_view key, std::string_view expected);

// Fails on the first key of `map` not in `allowed` (x-* keys are always allowed).
Status check_keys(const Node& map, const std::vector<std::string>& allowed);
Status expect_mapping(const Node& node, std::string_view key);

Result<std::string> read_string(const Node& node, std::string_view key);
Result<bool> read_bool(const Node& node, std::string_view key);
Result<int64_t> read_int(const Node& node, std::string_view key);
Result<double> read_number(const Node& node, std::string_view key);
Result<Duration> read_duration(const Node& node, std::string_view key);
Result<Bytes> read_bytes(const Node& node, std::string_view key);
// A sequence of scalars.
Result<std::vector<std::string>> read_string_list(const Node& node, std::string_view key);
// A scalar (one item) or a sequence of scalars.
Result<std::vector<std::string>> read_string_or_list(const Node& node, std::string_view key);
// `KEY=VALUE` list or mapping. A list item without `=` or a null value gives nullopt.
Result<std::map<std::string, std::optional<std::string>>> read_list_or_dict(
    const Node& node, std::string_view key, char separator = '=');
// Like read_list_or_dict, dropping entries without a value (labels, sysctls, options).
Result<StringMap> read_string_map(const Node& node, std::string_view key);
// A command: a string (shell-split) or a list.
Result<std::vector<std::string>> read_command(const Node& node, std::string_view key);
// `nofile: 1024` or `nofile: {soft, hard}` entries.
Result<std::map<std::string, Ulimit>> read_ulimits(const Node& node, std::string_view key);
// `host:ip` / `host=ip` list, or a host -> ip (or list of ips) mapping.
Result<std::vector<ExtraHost>> read_extra_hosts(const Node& node, std::string_view key);

// Plain JSON for parts kept as written (develop, placement...): scalars typed as YAML does.
Json node_json(const Node& node);
// x-* entries of a mapping.
std::map<std::string, Json> read_extensions(const Node& map);

bool is_scalar_kind(const Node& node);
// `~/x` -> $HOME/x, relative -> working_dir/x, then lexically normalised.
std::string resolve_path(const Context& ctx, const std::string& path);

// Per-service normalisers (one file per concern).
Status normalize_ports(const Node& node, std::vector<ServicePort>& out);
Result<ServiceVolume> parse_service_volume(const Context& ctx, const Node& node);
Status normalize_service_networks(const Node& node, Service& service);
Result<BuildConfig> normalize_build(const Context& ctx, const Node& node);
Result<DeployConfig> normalize_deploy(const Node& node);
Result<Healthcheck> normalize_healthcheck(const Node& node);
Result<std::map<std::string, DependsOn>> normalize_depends_on(const Node& node);
Status normalize_environment(const Context& ctx, const Node& service_node, Service& service);
Result<std::vector<FileReference>> normalize_file_references(const Node& node, std::string_view key);
Result<std::vector<DeviceMapping>> normalize_devices(const Node& node);
Result<Logging> normalize_logging(const Node& node);
// blkio_config, weights and rates range-checked.
Result<BlkioConfig> normalize_blkio(const Node& node);
// networks.<name>.ipam, every address checked.
Result<Ipam> normalize_ipam(const Node& node);
Result<std::vector<ServiceHook>> normalize_hooks(const Node& node, std::string_view key);
// x-pier-desktop (nullopt when `false`).
Result<std::optional<DesktopSharing>> normalize_desktop(const Node& node, const Mark& key_mark);
Result<Service> normalize_service(const Context& ctx, const std::string& name, const Mark& name_mark,
                                  const Node& node);

// Reads a dotenv-style file (env_file, label_file). The single place to swap in the
// full dotenv parser (compose/dotenv.h) once it lands.
Result<std::map<std::string, std::optional<std::string>>> read_env_file(
    const std::string& path, const Environment& lookup);

}  // namespace pier::compose::detail
