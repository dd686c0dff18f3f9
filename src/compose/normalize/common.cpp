#include "compose/normalize/common.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "base/strings.h"
#include "compose/units.h"

namespace pier::compose::detail {

namespace {

std::string quoted_key(std::string_view key) { return "`" + std::string(key) + "`"; }

bool parse_int_text(const std::string& text, int64_t& out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  out = v;
  return true;
}

}  // namespace

Error error_at(const Node& node, std::string message) {
  return Error(std::move(message)).at(node.mark().to_string());
}

Error type_error(const Node& node, std::string_view key, std::string_view expected) {
  return error_at(node, quoted_key(key) + " must be " + std::string(expected) + ", got " +
                            std::string(node.kind_name()));
}

Status check_keys(const Node& map, const std::vector<std::string>& allowed) {
  for (const auto& entry : map.entries()) {
    if (starts_with(entry.key, "x-")) continue;
    bool known = false;
    for (const auto& a : allowed) known = known || a == entry.key;
    if (known) continue;
    Error error = Error("unknown key " + quoted_key(entry.key)).at(entry.key_mark.to_string());
    std::string guess = closest_match(entry.key, allowed);
    if (!guess.empty()) error.hint("did you mean " + quoted_key(guess) + "?");
    return error;
  }
  return {};
}

Status expect_mapping(const Node& node, std::string_view key) {
  if (!node.is_mapping()) return type_error(node, key, "a mapping");
  return {};
}

bool is_scalar_kind(const Node& node) { return node.is_scalar(); }

Result<std::string> read_string(const Node& node, std::string_view key) {
  if (node.is_null()) return std::string();
  if (!node.is_scalar()) return type_error(node, key, "a string");
  return node.value();
}

Result<bool> read_bool(const Node& node, std::string_view key) {
  if (!node.is_scalar()) return type_error(node, key, "a boolean");
  std::string v = to_lower(node.value());
  if (v == "true" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "no" || v == "off") return false;
  return error_at(node, quoted_key(key) + " must be a boolean, got `" + node.value() + "`")
      .hint("use true or false");
}

Result<int64_t> read_int(const Node& node, std::string_view key) {
  if (!node.is_scalar()) return type_error(node, key, "an integer");
  int64_t v = 0;
  if (!parse_int_text(node.value(), v)) {
    return error_at(node, quoted_key(key) + " must be an integer, got `" + node.value() + "`");
  }
  return v;
}

Result<double> read_number(const Node& node, std::string_view key) {
  if (!node.is_scalar()) return type_error(node, key, "a number");
  const std::string& text = node.value();
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') {
    return error_at(node, quoted_key(key) + " must be a number, got `" + text + "`");
  }
  return v;
}

Result<Duration> read_duration(const Node& node, std::string_view key) {
  if (!node.is_scalar()) return type_error(node, key, "a duration");
  auto d = parse_duration(node.value());
  if (!d) return std::move(d.error()).context(quoted_key(key)).at(node.mark().to_string());
  return *d;
}

Result<Bytes> read_bytes(const Node& node, std::string_view key) {
  if (!node.is_scalar()) return type_error(node, key, "a size");
  if (node.value() == "-1") return Bytes{-1};
  auto b = parse_bytes(node.value());
  if (!b) return std::move(b.error()).context(quoted_key(key)).at(node.mark().to_string());
  return *b;
}

Result<std::vector<std::string>> read_string_list(const Node& node, std::string_view key) {
  std::vector<std::string> out;
  if (node.is_null()) return out;
  if (!node.is_sequence()) return type_error(node, key, "a sequence");
  for (const auto& item : node.items()) {
    if (!item.is_scalar()) return type_error(item, std::string(key) + " item", "a string");
    out.push_back(item.value());
  }
  return out;
}

Result<std::vector<std::string>> read_string_or_list(const Node& node, std::string_view key) {
  if (node.is_scalar()) return std::vector<std::string>{node.value()};
  if (node.is_mapping()) return type_error(node, key, "a string or a sequence");
  return read_string_list(node, key);
}

Result<std::map<std::string, std::optional<std::string>>> read_list_or_dict(
    const Node& node, std::string_view key, char separator) {
  std::map<std::string, std::optional<std::string>> out;
  if (node.is_null()) return out;
  if (node.is_mapping()) {
    for (const auto& e : node.entries()) {
      if (e.value.is_null()) out[e.key] = std::nullopt;
      else if (e.value.is_scalar()) out[e.key] = e.value.value();
      else return type_error(e.value, std::string(key) + "." + e.key, "a string, number or boolean");
    }
    return out;
  }
  if (!node.is_sequence()) return type_error(node, key, "a mapping or a sequence");
  for (const auto& item : node.items()) {
    if (!item.is_scalar()) return type_error(item, std::string(key) + " item", "a string");
    const std::string& text = item.value();
    size_t pos = text.find(separator);
    if (pos == 0) return error_at(item, quoted_key(key) + " item `" + text + "` has no name");
    if (pos == std::string::npos) out[text] = std::nullopt;
    else out[text.substr(0, pos)] = text.substr(pos + 1);
  }
  return out;
}

Result<StringMap> read_string_map(const Node& node, std::string_view key) {
  PIER_TRY(auto raw, read_list_or_dict(node, key));
  StringMap out;
  for (auto& [k, v] : raw) out[k] = v.value_or("");
  return out;
}

Result<std::vector<std::string>> read_command(const Node& node, std::string_view key) {
  if (node.is_null()) return std::vector<std::string>{};
  if (node.is_scalar()) {
    auto words = shell_split(node.value());
    if (!words) return std::move(words.error()).context(quoted_key(key)).at(node.mark().to_string());
    return *words;
  }
  if (!node.is_sequence()) return type_error(node, key, "a string or a sequence");
  return read_string_list(node, key);
}

Result<std::map<std::string, Ulimit>> read_ulimits(const Node& node, std::string_view key) {
  std::map<std::string, Ulimit> out;
  PIER_CHECK(expect_mapping(node, key));
  for (const auto& e : node.entries()) {
    std::string name = std::string(key) + "." + e.key;
    Ulimit u;
    if (e.value.is_scalar()) {
      PIER_TRY(u.single, read_int(e.value, name));
    } else if (e.value.is_mapping()) {
      PIER_CHECK(check_keys(e.value, {"soft", "hard"}));
      const Node* soft = e.value.find("soft");
      const Node* hard = e.value.find("hard");
      if (!soft || !hard) return error_at(e.value, quoted_key(name) + " needs both `soft` and `hard`");
      PIER_TRY(u.soft, read_int(*soft, name + ".soft"));
      PIER_TRY(u.hard, read_int(*hard, name + ".hard"));
      if (u.soft > u.hard) {
        return error_at(e.value, quoted_key(name) + ": soft limit " + std::to_string(u.soft) +
                                     " is greater than hard limit " + std::to_string(u.hard));
      }
    } else {
      return type_error(e.value, name, "an integer or a mapping with soft and hard");
    }
    out[e.key] = u;
  }
  return out;
}

Result<std::vector<ExtraHost>> read_extra_hosts(const Node& node, std::string_view key) {
  std::vector<ExtraHost> out;
  if (node.is_mapping()) {
    for (const auto& e : node.entries()) {
      PIER_TRY(auto ips, read_string_or_list(e.value, std::string(key) + "." + e.key));
      for (auto& ip : ips) out.push_back({e.key, ip});
    }
    return out;
  }
  PIER_TRY(auto items, read_string_list(node, key));
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& text = items[i];
    // `host=ip` is the current form; `host:ip` the legacy one (the ip may hold colons).
    size_t pos = text.find('=');
    if (pos == std::string::npos) pos = text.find(':');
    if (pos == std::string::npos || pos == 0) {
      return error_at(node.items()[i], quoted_key(key) + " item `" + text + "` is not host=ip")
          .hint("write it as `myhost=10.0.0.1`");
    }
    std::string ip = text.substr(pos + 1);
    if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    out.push_back({text.substr(0, pos), ip});
  }
  return out;
}

Json node_json(const Node& node) {
  switch (node.kind()) {
    case Node::Kind::Null: return nullptr;
    case Node::Kind::Scalar: {
      if (node.quoted()) return node.value();
      const std::string& v = node.value();
      if (v == "true" || v == "True" || v == "TRUE") return true;
      if (v == "false" || v == "False" || v == "FALSE") return false;
      int64_t i = 0;
      if (parse_int_text(v, i)) return i;
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (!v.empty() && *end == '\0' && v.find_first_of("0123456789") != std::string::npos &&
          v.find_first_not_of("0123456789.eE+-") == std::string::npos) {
        return d;
      }
      return v;
    }
    case Node::Kind::Sequence: {
      Json arr = Json::array();
      for (const auto& item : node.items()) arr.push_back(node_json(item));
      return arr;
    }
    case Node::Kind::Mapping: {
      Json obj = Json::object();
      for (const auto& e : node.entries()) obj[e.key] = node_json(e.value);
      return obj;
    }
  }
  return nullptr;
}

std::map<std::string, Json> read_extensions(const Node& map) {
  std::map<std::string, Json> out;
  for (const auto& e : map.entries()) {
    if (starts_with(e.key, "x-")) out[e.key] = node_json(e.value);
  }
  return out;
}

std::string resolve_path(const Context& ctx, const std::string& path) {
  namespace fs = std::filesystem;
  if (!ctx.options.resolve_paths) return path;
  std::string p = path;
  if (p == "~" || starts_with(p, "~/")) p = ctx.home + p.substr(1);
  fs::path fp(p);
  if (fp.is_relative()) fp = fs::path(ctx.tree.working_dir) / fp;
  std::string out = fp.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace pier::compose::detail
