// A service's `secrets`/`configs` (short name or long form), `logging`, and the
// lifecycle hooks (post_start, pre_start, pre_stop).
#include "compose/names.h"
#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {

Result<uint32_t> read_mode(const Node& node, const std::string& key) {
  if (!node.is_scalar()) return type_error(node, key, "a file mode");
  std::string v = node.value();
  int base = 10;
  // `0440` is octal, as a chmod mode is written; YAML 1.2's `0o440` too.
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'o' || v[1] == 'O')) {
    v = v.substr(2);
    base = 8;
  } else if (v.size() > 1 && v[0] == '0') {
    base = 8;
  }
  char* end = nullptr;
  unsigned long m = std::strtoul(v.c_str(), &end, base);
  if (v.empty() || *end != '\0' || m > 07777) return error_at(node, "invalid file mode `" + node.value() + "` for `" + key + "`");
  return static_cast<uint32_t>(m);
}

Result<FileReference> read_reference(const Node& item, std::string_view key) {
  FileReference ref;
  ref.mark = item.mark();
  if (item.is_scalar()) {
    ref.source = item.value();
  } else if (item.is_mapping()) {
    PIER_CHECK(check_keys(item, {"source", "target", "uid", "gid", "mode"}));
    const Node* source = item.find("source");
    if (!source) return error_at(item, "`" + std::string(key) + "` item has no `source`");
    PIER_TRY(ref.source, read_string(*source, "source"));
    if (const Node* n = item.find("target")) { PIER_TRY(ref.target, read_string(*n, "target")); }
    if (const Node* n = item.find("uid")) {
      PIER_TRY(ref.uid, read_string(*n, "uid"));
      if (auto st = check_id(ref.uid, "uid"); !st) return std::move(st).error().at(n->mark().to_string());
    }
    if (const Node* n = item.find("gid")) {
      PIER_TRY(ref.gid, read_string(*n, "gid"));
      if (auto st = check_id(ref.gid, "gid"); !st) return std::move(st).error().at(n->mark().to_string());
    }
    if (const Node* n = item.find("mode")) { PIER_TRY(ref.mode, read_mode(*n, std::string(key) + ".mode")); }
  } else {
    return type_error(item, std::string(key) + " item", "a name or a mapping");
  }
  if (ref.target.empty()) ref.target = ref.source;
  return ref;
}

// `pre_start` steps run in containers of their own: `image` and `per_replica` are theirs,
// and `command` may be left to the image's.
Result<ServiceHook> read_hook(const Node& node, std::string_view key) {
  const bool step = key == "pre_start";
  PIER_CHECK(expect_mapping(node, std::string(key) + " item"));
  if (step) { PIER_CHECK(check_keys(node, {"command", "user", "privileged", "working_dir", "environment", "image", "per_replica"})); }
  else { PIER_CHECK(check_keys(node, {"command", "user", "privileged", "working_dir", "environment"})); }
  ServiceHook h;
  const Node* command = node.find("command");
  if (!command && !step) return error_at(node, "`" + std::string(key) + "` hook has no `command`");
  if (command) { PIER_TRY(h.command, read_command(*command, "command")); }
  if (const Node* n = node.find("user")) {
    PIER_TRY(h.user, read_string(*n, "user"));
    if (auto st = check_user_ids(h.user); !st) return std::move(st).error().context("user").at(n->mark().to_string());
  }
  if (const Node* n = node.find("privileged")) { PIER_TRY(h.privileged, read_bool(*n, "privileged")); }
  if (const Node* n = node.find("working_dir")) { PIER_TRY(h.working_dir, read_string(*n, "working_dir")); }
  if (const Node* n = node.find("environment")) { PIER_TRY(h.environment, read_string_map(*n, "environment")); }
  if (const Node* n = node.find("image")) { PIER_TRY(h.image, read_string(*n, "image")); }
  if (const Node* n = node.find("per_replica")) {
    PIER_TRY(h.per_replica, read_bool(*n, "per_replica"));
    // Refused rather than run once for the service, which a step written per replica
    // does not expect.
    if (*h.per_replica) return error_at(*n, "`pre_start` step: `per_replica: true` is not supported yet");
  }
  return h;
}

}  // namespace

Result<std::vector<FileReference>> normalize_file_references(const Node& node, std::string_view key) {
  std::vector<FileReference> out;
  if (!node.is_sequence()) return type_error(node, key, "a sequence");
  for (const auto& item : node.items()) {
    PIER_TRY(auto ref, read_reference(item, key));
    out.push_back(std::move(ref));
  }
  return out;
}

Result<Logging> normalize_logging(const Node& node) {
  PIER_CHECK(expect_mapping(node, "logging"));
  PIER_CHECK(check_keys(node, {"driver", "options"}));
  Logging l;
  if (const Node* n = node.find("driver")) { PIER_TRY(l.driver, read_string(*n, "logging.driver")); }
  if (const Node* n = node.find("options")) { PIER_TRY(l.options, read_string_map(*n, "logging.options")); }
  return l;
}

Result<std::vector<ServiceHook>> normalize_hooks(const Node& node, std::string_view key) {
  std::vector<ServiceHook> out;
  if (!node.is_sequence()) return type_error(node, key, "a sequence");
  for (const auto& item : node.items()) {
    PIER_TRY(auto hook, read_hook(item, key));
    out.push_back(std::move(hook));
  }
  return out;
}

}  // namespace pier::compose::detail
