// environment + env_file, labels + label_file. File values come first and the
// inline keys win, which is how Docker Compose's `config` prints the merged result.
#include <sys/stat.h>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "compose/dotenv.h"
#include "compose/interpolation.h"
#include "compose/normalize/common.h"

namespace pier::compose::detail {

namespace {

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::vector<EnvFile>> read_env_file_list(const Context& ctx, const Node& node, std::string_view key) {
  std::vector<EnvFile> out;
  std::vector<const Node*> items;
  if (node.is_sequence()) for (const auto& item : node.items()) items.push_back(&item);
  else items.push_back(&node);
  for (const Node* item : items) {
    EnvFile f;
    if (item->is_mapping()) {
      PIER_CHECK(check_keys(*item, {"path", "required", "format"}));
      const Node* path = item->find("path");
      if (!path) return error_at(*item, std::string("`") + std::string(key) + "` item has no `path`");
      PIER_TRY(f.path, read_string(*path, "path"));
      if (const Node* n = item->find("required")) { PIER_TRY(f.required, read_bool(*n, "required")); }
      if (const Node* n = item->find("format")) { PIER_TRY(f.format, read_string(*n, "format")); }
    } else if (item->is_scalar()) {
      f.path = item->value();
    } else {
      return type_error(*item, key, "a path, a sequence or a mapping");
    }
    // Read now, so resolved even for `config --no-path-resolution`: the process's working
    // directory is not the project's.
    f.path = resolve_path(Context{ctx.tree, ctx.warnings, ctx.home, NormalizeOptions{}}, f.path);
    out.push_back(std::move(f));
  }
  return out;
}

// `format: raw`: every line is KEY=VALUE taken as written, with no quotes, escapes or
// interpolation (compose-spec: "pass values as-is"); blank lines, `#` comments and
// lines without `=` set nothing.
Result<StringMap> read_raw_env_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return std::move(text).error().context("reading env file");
  StringMap out;
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    std::string_view line(text->data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (auto eq = line.find('='); !line.starts_with('#') && eq != std::string_view::npos && eq > 0)
      out[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

// Reads the files in order into `out`; later files override earlier ones.
Status merge_files(const Context& ctx, const Node& node, const std::vector<EnvFile>& files, StringMap& out) {
  for (const auto& f : files) {
    if (!f.format.empty() && f.format != "raw") {
      // Only the dotenv format (the default) and raw are defined by the spec.
      return error_at(node, "unsupported env_file format `" + f.format + "`");
    }
    if (!file_exists(f.path)) continue;  // a required one is reported by apply_profiles
    if (f.format == "raw") {
      PIER_TRY(auto values, read_raw_env_file(f.path));
      for (auto& [k, v] : values) out[k] = std::move(v);
      continue;
    }
    PIER_TRY(auto values, read_env_file(f.path, ctx.tree.environment));
    for (auto& [k, v] : values) {
      if (v) out[k] = *v;
    }
  }
  return {};
}

// Required files that are not there: kept on the service, reported only if it is
// enabled (a service of an inactive profile may name a file that only exists where
// that profile is used).
void note_missing_files(const Node& node, std::vector<EnvFile>& files) {
  for (auto& f : files)
    if (f.required && !file_exists(f.path))
      f.missing_error = error_at(node, "env file `" + f.path + "` not found")
                            .hint("create it, fix the path, or mark it `required: false`");
}

}  // namespace

// Service env_file and label_file entries follow the same rules as the project's
// .env (quotes, escapes, multi-line values, ${VAR} expansion): one parser for both.
Result<std::map<std::string, std::optional<std::string>>> read_env_file(const std::string& path,
                                                                        const Environment& lookup) {
  PIER_TRY(Environment values, read_dotenv_file(path, lookup_in(lookup)));
  std::map<std::string, std::optional<std::string>> out;
  for (auto& [key, value] : values) out[key] = std::move(value);
  return out;
}

Status normalize_environment(const Context& ctx, const Node& service_node, Service& service) {
  bool resolve = ctx.options.resolve_environment;
  StringMap env;
  if (const Node* n = service_node.find("env_file")) {
    PIER_TRY(service.env_files, read_env_file_list(ctx, *n, "env_file"));
    note_missing_files(*n, service.env_files);
    if (resolve) PIER_CHECK(merge_files(ctx, *n, service.env_files, env));
  }
  if (const Node* n = service_node.find("environment")) {
    PIER_TRY(auto inline_env, read_list_or_dict(*n, "environment"));
    for (auto& [k, v] : inline_env) {
      if (v) {
        env[k] = *v;
        continue;
      }
      // A bare `KEY` takes the value pier was started with (or .env's). Unset there, it
      // unsets KEY: over an env_file's value and the image's, as Compose does.
      auto it = ctx.tree.environment.find(k);
      if (resolve && it != ctx.tree.environment.end()) {
        env[k] = it->second;
      } else {
        env.erase(k);
        service.unset_environment.insert(k);
      }
    }
  }
  service.environment = std::move(env);
  service.environment_resolved = resolve;

  StringMap labels;
  if (const Node* n = service_node.find("label_file")) {
    PIER_TRY(auto files, read_env_file_list(ctx, *n, "label_file"));
    for (const auto& f : files) service.label_files.push_back(f.path);
    PIER_CHECK(merge_files(ctx, *n, files, labels));
  }
  if (const Node* n = service_node.find("labels")) {
    PIER_TRY(auto inline_labels, read_string_map(*n, "labels"));
    for (auto& [k, v] : inline_labels) labels[k] = v;
  }
  service.labels = std::move(labels);
  return {};
}

}  // namespace pier::compose::detail
