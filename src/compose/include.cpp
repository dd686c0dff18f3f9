#include "compose/include.h"

#include "base/strings.h"
#include "compose/extends.h"
#include "compose/merge.h"
#include "compose/paths.h"

namespace pier::compose {
namespace {

constexpr const char* kResourceKinds[] = {"services", "networks", "volumes", "secrets", "configs"};

bool is_remote_include(const std::string& path) {
  return path.find("://") != std::string::npos || starts_with(path, "git@");
}

Result<std::vector<std::string>> read_string_list(const Node& node, std::string_view what) {
  std::vector<std::string> out;
  if (node.is_scalar()) {
    out.push_back(node.value());
  } else if (node.is_sequence()) {
    for (const auto& item : node.items()) {
      if (!item.is_scalar())
        return Error("`" + std::string(what) + "` items must be strings")
            .at(item.mark().to_string());
      out.push_back(item.value());
    }
  } else {
    return Error("`" + std::string(what) + "` must be a string or a list of strings")
        .at(node.mark().to_string());
  }
  return out;
}

Result<IncludeRequest> read_request(const Node& entry, const std::string& base_dir) {
  IncludeRequest req;
  req.mark = entry.mark();
  std::vector<std::string> paths;
  std::string project_dir;
  if (entry.is_scalar()) {
    paths.push_back(entry.value());
  } else if (entry.is_mapping()) {
    const Node* path = entry.find("path");
    if (!path) return Error("`include` entry needs a `path`").at(entry.mark().to_string());
    PIER_TRY(paths, read_string_list(*path, "include.path"));
    if (const Node* dir = entry.find("project_directory"); dir && dir->is_scalar())
      project_dir = absolute_path(base_dir, dir->value());
    if (const Node* env = entry.find("env_file")) {
      PIER_TRY(auto env_files, read_string_list(*env, "include.env_file"));
      for (auto& f : env_files) req.env_files.push_back(absolute_path(base_dir, f));
    }
  } else {
    return Error("`include` entries must be a path or a mapping").at(entry.mark().to_string());
  }
  for (const auto& p : paths) {
    if (is_remote_include(p))
      return Error("remote include `" + p + "` is not supported").at(entry.mark().to_string())
          .hint("clone it and include the local path");
    req.files.push_back(absolute_path(base_dir, p));
  }
  if (req.files.empty()) return Error("`include` entry has no path").at(entry.mark().to_string());
  req.project_directory = project_dir.empty()
      ? directory_of(req.files.front()) : project_dir;
  return req;
}

Status add_resources(Node& document, const Node& included, const IncludeRequest& req) {
  if (!included.is_mapping()) return {};
  for (const char* kind : kResourceKinds) {
    const Node* from = included.find(kind);
    if (!from || !from->is_mapping() || from->size() == 0) continue;
    Node* into = document.find(kind);
    if (!into || !into->is_mapping()) {
      document.set(kind, Node::mapping(from->mark()));
      into = document.find(kind);
    }
    for (const auto& e : from->entries()) {
      const Node::Entry* mine = into->find_entry(e.key);
      if (!mine) {
        into->entries().push_back(e);
      } else if (!same_node(mine->value, e.value)) {
        return Error(std::string(kind) + " `" + e.key + "` is defined at " +
                     mine->key_mark.to_string() + " and also in included file " +
                     e.key_mark.to_string())
            .at(req.mark.to_string())
            .hint("rename one of them; included resources are not merged");
      }
    }
  }
  return {};
}

}  // namespace

void rebase_project_paths(Node& document, const std::string& dir) {
  if (!document.is_mapping()) return;
  if (Node* services = document.find("services"); services && services->is_mapping())
    for (auto& e : services->entries()) rebase_service_paths(e.value, dir);
  for (const char* kind : {"secrets", "configs"}) {
    Node* resources = document.find(kind);
    if (!resources || !resources->is_mapping()) continue;
    for (auto& e : resources->entries()) {
      Node* file = e.value.is_mapping() ? e.value.find("file") : nullptr;
      if (file && file->is_scalar()) file->set_value(absolute_path(dir, file->value()));
    }
  }
}

Status apply_include(Node& document, const std::string& file, const ProjectLoader& load) {
  if (!document.is_mapping()) return {};
  const Node::Entry* entry = document.find_entry("include");
  if (!entry) return {};
  Node includes = entry->value;
  document.erase("include");
  if (includes.is_null()) return {};
  if (!includes.is_sequence())
    return Error("`include` must be a list").at(includes.mark().to_string());
  std::string base_dir = directory_of(file);
  for (const auto& item : includes.items()) {
    PIER_TRY(IncludeRequest req, read_request(item, base_dir));
    auto loaded = load(req);
    if (!loaded) return std::move(loaded).error().at(req.mark.to_string()).context("include");
    Node included = std::move(loaded).value();
    rebase_project_paths(included, req.project_directory);
    PIER_CHECK(add_resources(document, included, req));
  }
  return {};
}

}  // namespace pier::compose
