// Spec files to `Spec`. YAML is first turned into the JSON document it denotes (as the
// CDI reference library does with its YAML reader), so one decoder reads both formats.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "cdi/names.h"
#include "cdi/spec.h"

namespace pier::cdi {

namespace {

using Json = nlohmann::json;

// cdiVersion values published by the CDI project up to 0.8.0; each is a superset of the
// one before, and pier reads every field any of them defines.
const std::set<std::string> kVersions = {"0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0"};

// A plain YAML scalar's value as YAML 1.1 reads it (the CDI tools' YAML library): null,
// booleans, integers (a leading 0 is octal, 0x hex), else a string. Quoted scalars stay
// strings.
Json plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  std::string_view v = s;
  bool negative = false;
  if (v.front() == '-' || v.front() == '+') {
    negative = v.front() == '-';
    v.remove_prefix(1);
  }
  int base = 10;
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) base = 16, v.remove_prefix(2);
  else if (v.size() > 2 && v[0] == '0' && v[1] == 'o') base = 8, v.remove_prefix(2);
  else if (v.size() > 1 && v[0] == '0') base = 8, v.remove_prefix(1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n, base);
  if (!v.empty() && ec == std::errc() && end == v.data() + v.size()) return negative ? -n : n;
  return s;
}

Result<Json> yaml_to_json(const YAML::Node& node, int depth) {
  if (depth > 32) return Error("nested deeper than 32 levels");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Json(nullptr);
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!") return Json(node.Scalar());  // quoted
      return plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) {
        PIER_TRY(Json j, yaml_to_json(item, depth + 1));
        out.push_back(std::move(j));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return Error(fmt::format("line {}: a mapping key must be a string", kv.first.Mark().line + 1));
        PIER_TRY(Json j, yaml_to_json(kv.second, depth + 1));
        out[kv.first.Scalar()] = std::move(j);
      }
      return out;
    }
  }
  return Json(nullptr);
}

Result<Json> read_document(std::string_view text, const std::string& file) {
  if (ends_with(file, ".json")) {
    Json doc = Json::parse(text.begin(), text.end(), nullptr, false);
    if (doc.is_discarded()) return Error("not valid JSON");
    return doc;
  }
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return yaml_to_json(root, 0);
  } catch (const YAML::Exception& e) {
    return Error(fmt::format("not valid YAML: line {}:{}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

// The decoder walks one object at a time; `where` is the JSON path for messages
// ("devices[2].containerEdits.mounts[0]").
struct Object {
  const Json& j;
  std::string where;
};

Result<Object> object_at(const Json& j, std::string where, const std::set<std::string>& keys) {
  if (!j.is_object()) return Error(fmt::format("{}: must be a mapping", where));
  for (const auto& [k, v] : j.items())
    if (!keys.count(k)) return Error(fmt::format("{}: unknown key `{}`", where, k));
  return Object{j, std::move(where)};
}

std::string child(const Object& o, std::string_view key) {
  return o.where.empty() ? std::string(key) : fmt::format("{}.{}", o.where, key);
}

Result<std::string> string_of(const Object& o, const char* key, bool required) {
  auto it = o.j.find(key);
  if (it == o.j.end() || it->is_null()) {
    if (required) return Error(fmt::format("{}: missing", child(o, key)));
    return std::string();
  }
  if (!it->is_string()) return Error(fmt::format("{}: must be a string", child(o, key)));
  return it->get<std::string>();
}

template <typename T>
Result<std::optional<T>> number_of(const Object& o, const char* key, int64_t min, int64_t max) {
  auto it = o.j.find(key);
  if (it == o.j.end() || it->is_null()) return std::optional<T>();
  if (!it->is_number_integer()) return Error(fmt::format("{}: must be an integer", child(o, key)));
  int64_t v = it->get<int64_t>();
  if (v < min || v > max) return Error(fmt::format("{}: {} is out of range {}..{}", child(o, key), v, min, max));
  return std::optional<T>(static_cast<T>(v));
}

Result<std::vector<std::string>> strings_of(const Object& o, const char* key) {
  std::vector<std::string> out;
  auto it = o.j.find(key);
  if (it == o.j.end() || it->is_null()) return out;
  if (!it->is_array()) return Error(fmt::format("{}: must be a list", child(o, key)));
  for (const auto& item : *it) {
    if (!item.is_string()) return Error(fmt::format("{}: every item must be a string", child(o, key)));
    out.push_back(item.get<std::string>());
  }
  return out;
}

// Each element of the list `key`, as an object with these keys.
template <typename F>
Status each_of(const Object& o, const char* key, const std::set<std::string>& keys, F&& f) {
  auto it = o.j.find(key);
  if (it == o.j.end() || it->is_null()) return {};
  if (!it->is_array()) return Error(fmt::format("{}: must be a list", child(o, key)));
  for (size_t i = 0; i < it->size(); ++i) {
    PIER_TRY(Object item, object_at((*it)[i], fmt::format("{}[{}]", child(o, key), i), keys));
    PIER_CHECK(f(item));
  }
  return {};
}

Status check_absolute(const Object& o, const char* key, const std::string& path) {
  if (path.empty() || path.front() != '/') return Error(fmt::format("{}: `{}` must be an absolute path", child(o, key), path));
  if (path.find('\0') != std::string::npos) return Error(fmt::format("{}: contains a NUL byte", child(o, key)));
  return {};
}

Result<DeviceNode> decode_node(const Object& o) {
  DeviceNode n;
  PIER_TRY(n.path, string_of(o, "path", true));
  PIER_CHECK(check_absolute(o, "path", n.path));
  PIER_TRY(n.host_path, string_of(o, "hostPath", false));
  if (!n.host_path.empty()) PIER_CHECK(check_absolute(o, "hostPath", n.host_path));
  PIER_TRY(n.type, string_of(o, "type", false));
  if (n.type == "p") return Error(fmt::format("{}: FIFO device nodes (type p) are not supported", child(o, "type")));
  if (!n.type.empty() && n.type != "c" && n.type != "b" && n.type != "u")
    return Error(fmt::format("{}: `{}` is not a device type (c, b or u)", child(o, "type"), n.type));
  PIER_TRY(n.major, (number_of<int64_t>(o, "major", 0, 0xfffff)));
  PIER_TRY(n.minor, (number_of<int64_t>(o, "minor", 0, 0xfffff)));
  PIER_TRY(n.file_mode, (number_of<uint32_t>(o, "fileMode", 0, 07777)));
  PIER_TRY(n.permissions, string_of(o, "permissions", false));
  if (n.permissions.find_first_not_of("rwm") != std::string::npos)
    return Error(fmt::format("{}: `{}` is not a combination of r, w and m", child(o, "permissions"), n.permissions));
  PIER_TRY(n.uid, (number_of<uint32_t>(o, "uid", 0, UINT32_MAX - 1)));
  PIER_TRY(n.gid, (number_of<uint32_t>(o, "gid", 0, UINT32_MAX - 1)));
  return n;
}

Result<Mount> decode_mount(const Object& o) {
  Mount m;
  PIER_TRY(m.host_path, string_of(o, "hostPath", true));
  PIER_TRY(m.container_path, string_of(o, "containerPath", true));
  PIER_CHECK(check_absolute(o, "containerPath", m.container_path));
  PIER_TRY(m.type, string_of(o, "type", false));
  PIER_TRY(m.options, strings_of(o, "options"));
  // A bind's source is a host path; another type's is a name (`tmpfs`, `proc`).
  if (m.type.empty() || m.type == "bind" || m.type == "none") PIER_CHECK(check_absolute(o, "hostPath", m.host_path));
  return m;
}

Result<Hook> decode_hook(const Object& o) {
  Hook h;
  PIER_TRY(h.stage, string_of(o, "hookName", true));
  bool known = false;
  for (auto s : kHookStages) known |= h.stage == s;
  if (!known)
    return Error(fmt::format("{}: `{}` is not an OCI hook stage", child(o, "hookName"), h.stage))
        .hint("use createRuntime, createContainer, startContainer, poststart or poststop");
  PIER_TRY(h.path, string_of(o, "path", true));
  PIER_CHECK(check_absolute(o, "path", h.path));
  PIER_TRY(h.args, strings_of(o, "args"));
  PIER_TRY(h.env, strings_of(o, "env"));
  PIER_TRY(h.timeout, (number_of<int>(o, "timeout", 1, 3600)));
  return h;
}

Result<ContainerEdits> decode_edits(const Json& j, std::string where) {
  ContainerEdits e;
  if (j.is_null()) return e;
  PIER_TRY(Object o, object_at(j, std::move(where),
                               {"env", "deviceNodes", "hooks", "mounts", "additionalGIDs", "intelRdt", "netDevices"}));
  for (const char* unsupported : {"intelRdt", "netDevices"})
    if (auto it = o.j.find(unsupported); it != o.j.end() && !it->is_null() && !it->empty())
      return Error(fmt::format("{}: not supported by pier", child(o, unsupported)));
  PIER_TRY(e.env, strings_of(o, "env"));
  for (size_t i = 0; i < e.env.size(); ++i)
    if (e.env[i].find('=') == std::string::npos || e.env[i].front() == '=')
      return Error(fmt::format("{}[{}]: `{}` is not KEY=VALUE", child(o, "env"), i, e.env[i]));
  PIER_CHECK(each_of(o, "deviceNodes", {"path", "hostPath", "type", "major", "minor", "fileMode", "permissions", "uid", "gid"},
                     [&](const Object& n) -> Status { PIER_TRY(auto d, decode_node(n)); e.device_nodes.push_back(std::move(d)); return {}; }));
  PIER_CHECK(each_of(o, "mounts", {"hostPath", "containerPath", "type", "options"},
                     [&](const Object& m) -> Status { PIER_TRY(auto d, decode_mount(m)); e.mounts.push_back(std::move(d)); return {}; }));
  PIER_CHECK(each_of(o, "hooks", {"hookName", "path", "args", "env", "timeout"},
                     [&](const Object& h) -> Status { PIER_TRY(auto d, decode_hook(h)); e.hooks.push_back(std::move(d)); return {}; }));
  if (auto it = o.j.find("additionalGIDs"); it != o.j.end() && !it->is_null()) {
    if (!it->is_array()) return Error(fmt::format("{}: must be a list", child(o, "additionalGIDs")));
    for (const auto& g : *it) {
      if (!g.is_number_integer() || g.get<int64_t>() < 0 || g.get<int64_t>() >= UINT32_MAX)
        return Error(fmt::format("{}: `{}` is not a group id", child(o, "additionalGIDs"), g.dump()));
      e.additional_gids.push_back(static_cast<uint32_t>(g.get<int64_t>()));
    }
  }
  return e;
}

Result<Spec> decode_spec(const Json& doc) {
  Spec s;
  PIER_TRY(Object o, object_at(doc, "", {"cdiVersion", "kind", "annotations", "devices", "containerEdits"}));
  PIER_TRY(s.version, string_of(o, "cdiVersion", true));
  if (!kVersions.count(s.version))
    return Error(fmt::format("cdiVersion `{}` is not supported", s.version)).hint("pier reads CDI 0.3.0 to 0.8.0");
  PIER_TRY(s.kind, string_of(o, "kind", true));
  PIER_CHECK(check_kind(s.kind).context("kind"));
  std::set<std::string> seen;
  PIER_CHECK(each_of(o, "devices", {"name", "annotations", "containerEdits"}, [&](const Object& d) -> Status {
    Device dev;
    PIER_TRY(dev.name, string_of(d, "name", true));
    PIER_CHECK(check_device_name(dev.name).context(child(d, "name")));
    if (!seen.insert(dev.name).second) return Error(fmt::format("{}: device `{}` is defined twice", child(d, "name"), dev.name));
    auto edits = d.j.find("containerEdits");
    PIER_TRY(dev.edits, decode_edits(edits == d.j.end() ? Json() : *edits, child(d, "containerEdits")));
    s.devices.push_back(std::move(dev));
    return {};
  }));
  if (s.devices.empty()) return Error("devices: a spec must define at least one device");
  auto edits = o.j.find("containerEdits");
  PIER_TRY(s.edits, decode_edits(edits == o.j.end() ? Json() : *edits, "containerEdits"));
  return s;
}

}  // namespace

Result<Spec> parse_spec(std::string_view text, const std::string& file) {
  auto spec = [&]() -> Result<Spec> {
    PIER_TRY(Json doc, read_document(text, file));
    return decode_spec(doc);
  }();
  if (!spec) return std::move(spec).error().context(fmt::format("CDI spec `{}`", file));
  spec->file = file;
  return spec;
}

}  // namespace pier::cdi
