#include "compose/extends.h"

#include <map>
#include <vector>

#include "base/strings.h"
#include "compose/merge.h"
#include "compose/paths.h"

namespace pier::compose {

namespace {

void rebase_scalar(Node& node, const std::string& dir) {
  if (node.is_scalar()) node.set_value(absolute_path(dir, node.value()));
}

void rebase_build(Node& build, const std::string& dir) {
  if (build.is_scalar()) {
    if (!is_remote_context(build.value())) rebase_scalar(build, dir);
    return;
  }
  if (!build.is_mapping()) return;
  Node* context = build.find("context");
  if (!context) {
    // The default context "." means the directory of the file that said it.
    build.set("context", Node::scalar(dir, build.mark()));
  } else if (context->is_scalar() && !is_remote_context(context->value())) {
    rebase_scalar(*context, dir);
  }
  if (Node* extra = build.find("additional_contexts"); extra && extra->is_mapping()) {
    for (auto& e : extra->entries()) {
      // Other forms name an image (`docker-image://`), a service or a URL.
      if (e.value.is_scalar() && e.value.value().find(':') == std::string::npos)
        rebase_scalar(e.value, dir);
    }
  }
}

void rebase_file_list(Node& node, const std::string& dir) {
  if (node.is_scalar()) return rebase_scalar(node, dir);
  if (!node.is_sequence()) return;
  for (auto& item : node.items()) {
    if (item.is_scalar()) rebase_scalar(item, dir);
    if (item.is_mapping())
      if (Node* path = item.find("path")) rebase_scalar(*path, dir);
  }
}

bool is_relative_bind_source(std::string_view source) {
  return source == "." || source == ".." || starts_with(source, "./") ||
         starts_with(source, "../");
}

void rebase_volume(Node& volume, const std::string& dir) {
  if (volume.is_scalar()) {
    const std::string& text = volume.value();
    size_t colon = text.find(':');
    if (colon == std::string::npos) return;  // anonymous volume
    std::string source = text.substr(0, colon);
    if (is_relative_bind_source(source))
      volume.set_value(absolute_path(dir, source) + text.substr(colon));
    return;
  }
  if (!volume.is_mapping()) return;
  const Node* type = volume.find("type");
  Node* source = volume.find("source");
  if (type && type->value() == "bind" && source && source->is_scalar())
    rebase_scalar(*source, dir);
}

}  // namespace

void rebase_service_paths(Node& service, const std::string& dir) {
  if (!service.is_mapping()) return;
  if (Node* build = service.find("build")) rebase_build(*build, dir);
  if (Node* env_file = service.find("env_file")) rebase_file_list(*env_file, dir);
  if (Node* label_file = service.find("label_file")) rebase_file_list(*label_file, dir);
  if (Node* volumes = service.find("volumes"); volumes && volumes->is_sequence())
    for (auto& v : volumes->items()) rebase_volume(v, dir);
  if (Node* extends = service.find("extends"); extends && extends->is_mapping())
    if (Node* file = extends->find("file")) rebase_scalar(*file, dir);
}

namespace {

struct Reference {
  std::string service;
  std::string file;  // absolute; empty for the same file
  Mark mark;
};

class Resolver {
 public:
  explicit Resolver(const DocumentLoader& load) : load_(load) {}

  // Resolves `name` in `services` (of `file`) in place and returns the result.
  Result<Node> resolve(Node& services, const std::string& file, const std::string& name);

 private:
  Result<Reference> read_reference(const Node& extends, const std::string& file);
  Result<Node*> services_of(const std::string& file, const Mark& mark);
  Result<Node> base_of(Node& services, const std::string& file, const Reference& ref);

  const DocumentLoader& load_;
  std::map<std::string, Node> documents_;  // other files, by absolute path
  std::vector<std::string> chain_;         // "file:service" being resolved
};

Result<Reference> Resolver::read_reference(const Node& extends, const std::string& file) {
  Reference ref;
  ref.mark = extends.mark();
  if (extends.is_scalar()) {
    ref.service = extends.value();
    return ref;
  }
  const Node* service = extends.is_mapping() ? extends.find("service") : nullptr;
  if (!service || !service->is_scalar() || service->value().empty())
    return Error("`extends` needs a `service` name").at(extends.mark().to_string());
  ref.service = service->value();
  if (const Node* other = extends.find("file"); other && other->is_scalar()) {
    if (starts_with(other->value(), "http://") || starts_with(other->value(), "https://") ||
        starts_with(other->value(), "oci://"))
      return Error("remote `extends.file` `" + other->value() + "` is not supported")
          .at(other->mark().to_string());
    ref.file = absolute_path(directory_of(file), other->value());
    ref.mark = other->mark();
    if (ref.file == file) ref.file.clear();
  }
  return ref;
}

Result<Node*> Resolver::services_of(const std::string& file, const Mark& mark) {
  auto it = documents_.find(file);
  if (it == documents_.end()) {
    auto loaded = load_(file);
    if (!loaded) return std::move(loaded).error().at(mark.to_string()).context("extends");
    it = documents_.emplace(file, std::move(loaded).value()).first;
  }
  Node* services = it->second.find("services");
  if (!services || !services->is_mapping())
    return Error("`" + file + "` defines no services").at(mark.to_string());
  return services;
}

Result<Node> Resolver::base_of(Node& services, const std::string& file, const Reference& ref) {
  Node* scope = &services;
  std::string scope_file = file;
  if (!ref.file.empty()) {
    PIER_TRY(scope, services_of(ref.file, ref.mark));
    scope_file = ref.file;
  }
  if (!scope->find(ref.service)) {
    std::vector<std::string> names;
    for (const auto& e : scope->entries()) names.push_back(e.key);
    Error err("extends unknown service `" + ref.service + "`" +
              (ref.file.empty() ? "" : " in `" + ref.file + "`"));
    if (auto near = closest_match(ref.service, names); !near.empty())
      err.hint("did you mean `" + near + "`?");
    return std::move(err.at(ref.mark.to_string()));
  }
  PIER_TRY(Node base, resolve(*scope, scope_file, ref.service));
  if (!ref.file.empty()) rebase_service_paths(base, directory_of(ref.file));
  return base;
}

Result<Node> Resolver::resolve(Node& services, const std::string& file, const std::string& name) {
  Node* service = services.find(name);
  const Node* extends = service && service->is_mapping() ? service->find("extends") : nullptr;
  if (!extends) return service ? *service : Node();
  std::string link = file + ":" + name;
  for (size_t i = 0; i < chain_.size(); ++i) {
    if (chain_[i] != link) continue;
    std::vector<std::string> cycle(chain_.begin() + i, chain_.end());
    cycle.push_back(link);
    return Error("`extends` cycle: " + join(cycle, " -> ")).at(extends->mark().to_string());
  }
  PIER_TRY(Reference ref, read_reference(*extends, file));
  chain_.push_back(link);
  auto base = base_of(services, file, ref);
  chain_.pop_back();
  if (!base) return std::move(base).error().context("service `" + name + "`");
  Node merged = std::move(base).value();
  strip_merge_tags(merged);
  // `services` may have moved while resolving other entries: look the service up again.
  Node over = *services.find(name);
  over.erase("extends");
  if (merged.is_null()) merged = Node::mapping(over.mark());
  PIER_CHECK(merge_service(merged, over));
  merged.set_mark(over.mark());
  *services.find(name) = merged;
  return merged;
}

}  // namespace

Status resolve_extends(Node& document, const std::string& file, const DocumentLoader& load) {
  Node* services = document.is_mapping() ? document.find("services") : nullptr;
  if (!services || !services->is_mapping()) return {};
  Resolver resolver(load);
  std::vector<std::string> names;
  for (const auto& e : services->entries()) {
    // A service without `extends` has nothing to resolve: skipping it here spares
    // resolve() copying it.
    if (e.value.is_mapping() && e.value.find("extends")) names.push_back(e.key);
  }
  for (const auto& name : names) {
    auto resolved = resolver.resolve(*services, file, name);
    if (!resolved) return std::move(resolved).error();
    (void)resolved;
  }
  return {};
}

}  // namespace pier::compose
