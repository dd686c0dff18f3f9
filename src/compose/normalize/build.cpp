// build: `build: <context>` or the long form. The context becomes absolute unless
// it is a URL; dockerfile defaults to `Dockerfile` as Docker Compose prints it.
#include "base/strings.h"
#include "compose/normalize/common.h"
#include "compose/paths.h"

namespace pier::compose::detail {

namespace {

Status read_build_lists(const Node& node, BuildConfig& b) {
  struct ListKey { const char* key; std::vector<std::string> BuildConfig::*field; };
  static const ListKey lists[] = {
      {"cache_from", &BuildConfig::cache_from}, {"cache_to", &BuildConfig::cache_to},
      {"entitlements", &BuildConfig::entitlements}, {"no_cache_filter", &BuildConfig::no_cache_filter},
      {"platforms", &BuildConfig::platforms}, {"tags", &BuildConfig::tags}};
  for (const auto& l : lists) {
    if (const Node* n = node.find(l.key)) { PIER_TRY(b.*l.field, read_string_or_list(*n, std::string("build.") + l.key)); }
  }
  if (const Node* n = node.find("ssh")) {
    PIER_TRY(auto ssh, read_list_or_dict(*n, "build.ssh"));
    for (auto& [k, v] : ssh) b.ssh.push_back(v ? k + "=" + *v : k);
  }
  return {};
}

Status read_build_scalars(const Node& node, BuildConfig& b) {
  struct StringKey { const char* key; std::string BuildConfig::*field; };
  static const StringKey strings[] = {
      {"dockerfile", &BuildConfig::dockerfile}, {"dockerfile_inline", &BuildConfig::dockerfile_inline},
      {"isolation", &BuildConfig::isolation}, {"network", &BuildConfig::network},
      {"target", &BuildConfig::target}};
  for (const auto& s : strings) {
    if (const Node* n = node.find(s.key)) { PIER_TRY(b.*s.field, read_string(*n, std::string("build.") + s.key)); }
  }
  if (const Node* n = node.find("no_cache")) { PIER_TRY(b.no_cache, read_bool(*n, "build.no_cache")); }
  if (const Node* n = node.find("privileged")) { PIER_TRY(b.privileged, read_bool(*n, "build.privileged")); }
  if (const Node* n = node.find("pull")) { PIER_TRY(b.pull, read_bool(*n, "build.pull")); }
  if (const Node* n = node.find("shm_size")) { PIER_TRY(b.shm_size, read_bytes(*n, "build.shm_size")); }
  if (const Node* n = node.find("provenance")) b.provenance = node_json(*n);
  if (const Node* n = node.find("sbom")) b.sbom = node_json(*n);
  return {};
}

Status read_build_maps(const Context& ctx, const Node& node, BuildConfig& b) {
  if (const Node* n = node.find("args")) {
    PIER_TRY(auto args, read_list_or_dict(*n, "build.args"));
    // A bare `KEY` takes its value from the environment, like `environment`.
    for (auto& [k, v] : args) {
      if (!v) {
        auto it = ctx.tree.environment.find(k);
        if (it != ctx.tree.environment.end()) v = it->second;
      }
      b.args[k] = v;
    }
  }
  if (const Node* n = node.find("labels")) { PIER_TRY(b.labels, read_string_map(*n, "build.labels")); }
  if (const Node* n = node.find("additional_contexts")) {
    PIER_TRY(b.additional_contexts, read_string_map(*n, "build.additional_contexts"));
    for (auto& [k, v] : b.additional_contexts) {
      if (!is_remote_context(v) && v.find(':') == std::string::npos) v = resolve_path(ctx, v);
    }
  }
  if (const Node* n = node.find("extra_hosts")) { PIER_TRY(b.extra_hosts, read_extra_hosts(*n, "build.extra_hosts")); }
  if (const Node* n = node.find("ulimits")) { PIER_TRY(b.ulimits, read_ulimits(*n, "build.ulimits")); }
  if (const Node* n = node.find("secrets")) { PIER_TRY(b.secrets, normalize_file_references(*n, "build.secrets")); }
  return {};
}

}  // namespace

Result<BuildConfig> normalize_build(const Context& ctx, const Node& node) {
  BuildConfig b;
  if (node.is_scalar()) {
    b.context = node.value();
  } else if (node.is_mapping()) {
    PIER_CHECK(check_keys(node, {"context", "dockerfile", "dockerfile_inline", "args", "ssh",
                                 "cache_from", "cache_to", "additional_contexts", "entitlements",
                                 "extra_hosts", "isolation", "privileged", "labels", "network",
                                 "no_cache", "no_cache_filter", "platforms", "provenance", "pull",
                                 "sbom", "shm_size", "target", "secrets", "tags", "ulimits"}));
    if (const Node* n = node.find("context")) { PIER_TRY(b.context, read_string(*n, "build.context")); }
    PIER_CHECK(read_build_scalars(node, b));
    PIER_CHECK(read_build_lists(node, b));
    PIER_CHECK(read_build_maps(ctx, node, b));
  } else {
    return type_error(node, "build", "a path or a mapping");
  }
  if (b.context.empty()) b.context = ".";
  if (!is_remote_context(b.context)) b.context = resolve_path(ctx, b.context);
  if (!b.dockerfile.empty() && !b.dockerfile_inline.empty())
    return error_at(node, "`build` sets both `dockerfile` and `dockerfile_inline`").hint("keep one of them");
  if (b.dockerfile.empty() && b.dockerfile_inline.empty()) b.dockerfile = "Dockerfile";
  return b;
}

}  // namespace pier::compose::detail
