#include "compose/merge.h"

#include <functional>
#include <map>
#include <string_view>

#include "base/strings.h"

namespace pier::compose {
namespace {

constexpr std::string_view kReset = "!reset";
constexpr std::string_view kOverride = "!override";

enum class Rule {
  Default, Override, MapLike, AppendUnique, ByTarget, DependsOn, Networks, Build, Logging
};

// Service-relative paths with a rule other than the default (mappings recurse,
// sequences append, scalars override). Resource paths start with "@resource".
const std::map<std::string, Rule, std::less<>>& rules() {
  static const std::map<std::string, Rule, std::less<>> table = {
      {"command", Rule::Override}, {"entrypoint", Rule::Override},
      {"healthcheck.test", Rule::Override},
      {"environment", Rule::MapLike}, {"labels", Rule::MapLike},
      {"annotations", Rule::MapLike}, {"extra_hosts", Rule::MapLike},
      {"sysctls", Rule::MapLike}, {"storage_opt", Rule::MapLike},
      {"build.args", Rule::MapLike}, {"build.labels", Rule::MapLike},
      {"build.extra_hosts", Rule::MapLike}, {"deploy.labels", Rule::MapLike},
      {"logging.options", Rule::MapLike}, {"@resource.labels", Rule::MapLike},
      {"volumes", Rule::ByTarget}, {"secrets", Rule::ByTarget},
      {"configs", Rule::ByTarget}, {"devices", Rule::ByTarget},
      {"blkio_config.device_read_bps", Rule::ByTarget},
      {"blkio_config.device_read_iops", Rule::ByTarget},
      {"blkio_config.device_write_bps", Rule::ByTarget},
      {"blkio_config.device_write_iops", Rule::ByTarget},
      {"blkio_config.weight_device", Rule::ByTarget},
      {"ports", Rule::AppendUnique}, {"expose", Rule::AppendUnique},
      {"dns", Rule::AppendUnique}, {"dns_search", Rule::AppendUnique},
      {"dns_opt", Rule::AppendUnique}, {"tmpfs", Rule::AppendUnique},
      {"cap_add", Rule::AppendUnique}, {"cap_drop", Rule::AppendUnique},
      {"security_opt", Rule::AppendUnique}, {"env_file", Rule::AppendUnique},
      {"label_file", Rule::AppendUnique}, {"profiles", Rule::AppendUnique},
      {"links", Rule::AppendUnique}, {"external_links", Rule::AppendUnique},
      {"volumes_from", Rule::AppendUnique}, {"group_add", Rule::AppendUnique},
      {"device_cgroup_rules", Rule::AppendUnique}, {"build.cache_from", Rule::AppendUnique},
      {"build.cache_to", Rule::AppendUnique}, {"build.tags", Rule::AppendUnique},
      {"build.platforms", Rule::AppendUnique}, {"build.secrets", Rule::AppendUnique},
      {"build.ssh", Rule::AppendUnique},
      {"build.additional_contexts", Rule::MapLike},
      {"networks.*.aliases", Rule::AppendUnique}, {"networks.*.link_local_ips", Rule::AppendUnique},
      {"depends_on", Rule::DependsOn}, {"networks", Rule::Networks}, {"build", Rule::Build},
      {"logging", Rule::Logging},
  };
  return table;
}

// Exact path first, then with the second segment as `*` ("networks.*.aliases").
Rule rule_for(std::string_view path) {
  auto it = rules().find(path);
  if (it != rules().end()) return it->second;
  size_t first = path.find('.');
  if (first == std::string_view::npos) return Rule::Default;
  size_t second = path.find('.', first + 1);
  std::string wildcard = std::string(path.substr(0, first)) + ".*" +
      (second == std::string_view::npos ? "" : std::string(path.substr(second)));
  it = rules().find(wildcard);
  return it == rules().end() ? Rule::Default : it->second;
}

std::string child_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

Node stripped(const Node& node) {
  Node copy = node;
  strip_merge_tags(copy);
  return copy;
}

// A scalar where a list is expected (`env_file: a.env`, `dns: 8.8.8.8`) is a list of one.
Node as_sequence(const Node& node) {
  if (node.is_sequence()) return node;
  Node seq = Node::sequence(node.mark());
  if (!node.is_null()) seq.push_back(node);
  return seq;
}

// `KEY=VAL` -> (KEY, VAL); `KEY` -> (KEY, null); extra_hosts also take `host:ip`.
std::pair<std::string, Node> split_list_item(const Node& item, bool colon_separates) {
  const std::string& text = item.value();
  size_t sep = text.find('=');
  if (sep == std::string::npos && colon_separates) sep = text.find(':');
  if (sep == std::string::npos) return {text, Node::null(item.mark())};
  return {text.substr(0, sep), Node::scalar(text.substr(sep + 1), item.mark(), item.quoted())};
}

Node as_mapping(const Node& node, bool colon_separates) {
  if (node.is_mapping()) return node;
  Node map = Node::mapping(node.mark());
  const Node list = as_sequence(node);  // a named copy: the loop must not outlive it
  for (const auto& item : list.items()) {
    if (!item.is_scalar()) continue;
    auto [key, value] = split_list_item(item, colon_separates);
    map.set(key, std::move(value), item.mark());
  }
  return map;
}

// The unique key of a volume/secret/config/device entry: its target.
std::string target_of(const Node& item, std::string_view path) {
  if (item.is_mapping()) {
    for (std::string_view field : {"target", "path", "source"}) {
      const Node* v = item.find(field);
      if (v && v->is_scalar()) return v->value();
    }
    return {};
  }
  if (!item.is_scalar()) return {};
  if (path == "secrets" || path == "configs") return item.value();
  auto parts = split(item.value(), ':');
  return parts.size() >= 2 ? parts[1] : parts[0];
}

void append_unique(Node& base, const Node& over) {
  base = as_sequence(base);
  const Node list = as_sequence(over);  // a named copy: the loop must not outlive it
  for (const auto& item : list.items()) {
    if (item.tag() == kReset) continue;
    bool found = false;
    for (const auto& existing : base.items()) found = found || same_node(existing, item);
    if (!found) base.push_back(stripped(item));
  }
}

void merge_by_target(Node& base, const Node& over, std::string_view path) {
  base = as_sequence(base);
  const Node list = as_sequence(over);  // a named copy: the loop must not outlive it
  for (const auto& item : list.items()) {
    if (item.tag() == kReset) continue;
    std::string key = target_of(item, path);
    Node* match = nullptr;
    for (auto& existing : base.items())
      if (!key.empty() && target_of(existing, path) == key) match = &existing;
    if (match) {
      *match = stripped(item);
    } else {
      base.push_back(stripped(item));
    }
  }
}

Status merge_value(Node& base, const Node& over, const std::string& path);

Status merge_mapping(Node& base, const Node& over, const std::string& path) {
  for (const auto& entry : over.entries()) {
    if (entry.value.tag() == kReset) {
      base.erase(entry.key);
      continue;
    }
    Node* existing = base.find(entry.key);
    if (existing) {
      PIER_CHECK(merge_value(*existing, entry.value, child_path(path, entry.key)));
    } else {
      base.entries().push_back(Node::Entry{entry.key, entry.key_mark, stripped(entry.value)});
    }
  }
  return {};
}

Node depends_on_map(const Node& node) {
  if (node.is_mapping()) return node;
  Node map = Node::mapping(node.mark());
  const Node list = as_sequence(node);  // a named copy: the loop must not outlive it
  for (const auto& item : list.items()) {
    Node condition = Node::mapping(item.mark());
    condition.set("condition", Node::scalar("service_started", item.mark()));
    map.set(item.value(), std::move(condition), item.mark());
  }
  return map;
}

Node networks_map(const Node& node) {
  if (node.is_mapping()) return node;
  Node map = Node::mapping(node.mark());
  const Node list = as_sequence(node);  // a named copy: the loop must not outlive it
  for (const auto& item : list.items()) map.set(item.value(), Node::null(item.mark()), item.mark());
  return map;
}

Status merge_list_or_map(Node& base, const Node& over, const std::string& path,
                         Node (*to_map)(const Node&)) {
  if (!base.is_mapping() && !over.is_mapping()) {
    append_unique(base, over);
    return {};
  }
  base = to_map(base);
  return merge_mapping(base, to_map(over), path);
}

Status merge_build(Node& base, const Node& over, const std::string& path) {
  auto as_build_map = [](const Node& n) {
    if (!n.is_scalar()) return n;
    Node map = Node::mapping(n.mark());
    map.set("context", n, n.mark());
    return map;
  };
  if (base.is_scalar() && over.is_scalar()) {
    base = stripped(over);
    return {};
  }
  base = as_build_map(base);
  return merge_mapping(base, as_build_map(over), path);
}

// Options belong to a driver: a different driver replaces the whole section.
Status merge_logging(Node& base, const Node& over, const std::string& path) {
  const Node* a = base.is_mapping() ? base.find("driver") : nullptr;
  const Node* b = over.is_mapping() ? over.find("driver") : nullptr;
  if (a && b && a->value() != b->value()) {
    base = stripped(over);
    return {};
  }
  if (!base.is_mapping() || !over.is_mapping()) {
    base = stripped(over);
    return {};
  }
  return merge_mapping(base, over, path);
}

Status merge_value(Node& base, const Node& over, const std::string& path) {
  if (over.tag() == kOverride) {
    base = stripped(over);
    base.set_tag("");
    return {};
  }
  // A null override (`environment:` with nothing under it) adds nothing to a collection.
  if (over.is_null() && (base.is_mapping() || base.is_sequence())) return {};
  Rule rule = rule_for(path);
  switch (rule) {
    case Rule::Override: base = stripped(over); return {};
    case Rule::AppendUnique: append_unique(base, over); return {};
    case Rule::ByTarget: merge_by_target(base, over, path); return {};
    case Rule::DependsOn: return merge_list_or_map(base, over, path, depends_on_map);
    case Rule::Networks: return merge_list_or_map(base, over, path, networks_map);
    case Rule::Build: return merge_build(base, over, path);
    case Rule::Logging: return merge_logging(base, over, path);
    case Rule::MapLike: {
      bool colon = ends_with(path, "extra_hosts");
      base = as_mapping(base, colon);
      return merge_mapping(base, as_mapping(over, colon), path);
    }
    case Rule::Default: break;
  }
  if (base.is_mapping() && over.is_mapping()) return merge_mapping(base, over, path);
  if (base.is_sequence() && over.is_sequence()) {
    for (const auto& item : over.items())
      if (item.tag() != kReset) base.push_back(stripped(item));
    return {};
  }
  base = stripped(over);
  return {};
}

// Named resources (services, networks, ...): a `!reset` entry removes the resource.
Status merge_named(Node& base, const Node& over, const std::string& resource_path) {
  if (!over.is_mapping() || !base.is_mapping()) {
    base = stripped(over);
    return {};
  }
  for (const auto& entry : over.entries()) {
    if (entry.value.tag() == kReset) {
      base.erase(entry.key);
      continue;
    }
    Node* existing = base.find(entry.key);
    if (!existing) {
      base.entries().push_back(Node::Entry{entry.key, entry.key_mark, stripped(entry.value)});
    } else if (entry.value.tag() == kOverride) {
      *existing = stripped(entry.value);
      existing->set_tag("");
    } else {
      PIER_CHECK(merge_value(*existing, entry.value, resource_path));
    }
  }
  return {};
}

}  // namespace

void strip_merge_tags(Node& node) {
  if (node.tag() == kOverride) node.set_tag("");
  if (node.is_mapping()) {
    auto& entries = node.entries();
    std::erase_if(entries, [](const Node::Entry& e) { return e.value.tag() == kReset; });
    for (auto& e : entries) strip_merge_tags(e.value);
  } else if (node.is_sequence()) {
    auto& items = node.items();
    std::erase_if(items, [](const Node& n) { return n.tag() == kReset; });
    for (auto& item : items) strip_merge_tags(item);
  }
}

bool same_node(const Node& a, const Node& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Node::Kind::Null: return true;
    case Node::Kind::Scalar: return a.value() == b.value();
    case Node::Kind::Sequence:
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (!same_node(a.items()[i], b.items()[i])) return false;
      return true;
    case Node::Kind::Mapping:
      if (a.size() != b.size()) return false;
      for (const auto& e : a.entries()) {
        const Node* other = b.find(e.key);
        if (!other || !same_node(e.value, *other)) return false;
      }
      return true;
  }
  return false;
}

Status merge_service(Node& base, const Node& over) {
  if (!base.is_mapping() || !over.is_mapping()) {
    // `svc:` with no body merges as an empty service.
    if (over.is_null()) return {};
    if (base.is_null()) {
      base = stripped(over);
      return {};
    }
  }
  return merge_value(base, over, "");
}

Status merge_documents(Node& base, const Node& over) {
  if (over.is_null()) return {};
  if (!base.is_mapping()) {
    base = stripped(over);
    return {};
  }
  for (const auto& entry : over.entries()) {
    Node* existing = base.find(entry.key);
    if (entry.value.tag() == kReset) {
      base.erase(entry.key);
    } else if (!existing) {
      base.entries().push_back(Node::Entry{entry.key, entry.key_mark, stripped(entry.value)});
    } else if (entry.key == "services") {
      PIER_CHECK(merge_named(*existing, entry.value, ""));
    } else if (entry.key == "networks" || entry.key == "volumes" || entry.key == "secrets" ||
               entry.key == "configs") {
      PIER_CHECK(merge_named(*existing, entry.value, "@resource"));
    } else {
      PIER_CHECK(merge_value(*existing, entry.value, "@top." + entry.key));
    }
  }
  return {};
}

}  // namespace pier::compose
