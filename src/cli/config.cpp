// `pier config`: the normalised project, as `docker compose config` prints it.
#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <set>
#include <vector>

#include "app/format/listing.h"
#include "base/atomic_file.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "compose/output.h"
#include "compose/variables.h"
#include "graph/from_project.h"
#include "image/limits.h"
#include "image/reference.h"
#include "image/registry/client.h"
#include "image/registry/registry_config.h"
#include "image/store/store.h"

namespace pier::cli {
namespace {

struct ConfigFlags {
  std::vector<std::string> services;
  std::string format = "yaml";
  std::string output;
  std::string hash;
  bool quiet = false;
  bool list_services = false;
  bool list_volumes = false;
  bool list_networks = false;
  bool list_models = false;
  bool list_profiles = false;
  bool list_images = false;
  bool list_variables = false;
  bool no_interpolate = false;
  bool no_normalize = false;
  bool no_consistency = false;
  bool no_path_resolution = false;
  bool no_env_resolution = false;
  bool resolve_image_digests = false;
  bool lock_image_digests = false;
  bool environment = false;
  bool format_given = false;  // --format named: `--variables` then prints yaml or json
};

std::string lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += item + "\n";
  return out;
}

// Only the named services and what they depend on are printed (as Docker Compose).
Status select_services(compose::Project& project, const std::vector<std::string>& targets) {
  if (targets.empty()) return {};
  PIER_TRY(graph::DependencyGraph deps, graph::from_project(project));
  std::set<std::string> keep = deps.with_dependencies(targets);
  for (auto& [name, service] : project.services)
    if (!keep.count(name)) service.disabled = true;
  return {};
}

std::vector<std::string> enabled_services(const compose::Project& project) {
  std::vector<std::string> out;
  for (const auto& [name, service] : project.services)
    if (!service.disabled) out.push_back(name);
  return out;
}

Result<std::string> service_hashes(const compose::Project& project, const std::string& spec) {
  std::vector<std::string> names;
  if (spec == "*") {
    names = enabled_services(project);
  } else {
    for (auto& n : split(spec, ','))
      if (!trim(n).empty()) names.emplace_back(trim(n));
  }
  std::string out;
  for (const auto& name : names) {
    auto it = project.services.find(name);
    if (it == project.services.end() || it->second.disabled)
      return Error("no such service: \"" + name + "\"");
    out += name + " " + compose::service_config_hash(project, name) + "\n";
  }
  return out;
}

// The listing flags (--services, --volumes, ...) print one name per line.
std::optional<std::string> listing(const ConfigFlags& f, const compose::Project& project) {
  if (f.list_services) return lines(enabled_services(project));
  if (f.list_volumes) {
    std::vector<std::string> names;
    for (const auto& [name, _] : project.volumes) names.push_back(name);
    return lines(names);
  }
  if (f.list_networks) {
    std::vector<std::string> names;
    for (const auto& [name, _] : project.networks) names.push_back(name);
    return lines(names);
  }
  if (f.list_models) {
    // The `model:` each entry pulls (compose-go prints Model, not the key), in file order.
    std::vector<std::string> models;
    if (project.models && project.models->is_object())
      for (const auto& [_, model] : project.models->items())
        if (model.is_object() && model.contains("model") && model["model"].is_string() &&
            !model["model"].get<std::string>().empty())
          models.push_back(model["model"].get<std::string>());
    return lines(models);
  }
  if (f.list_profiles) {
    std::set<std::string> profiles;
    for (const auto& [_, service] : project.services)
      profiles.insert(service.profiles.begin(), service.profiles.end());
    return lines({profiles.begin(), profiles.end()});
  }
  if (f.list_images) {
    std::vector<std::string> images;
    for (const auto& [name, service] : project.services)
      if (!service.disabled)
        images.push_back(service.image_or_default(project.name));
    return lines(images);
  }
  return std::nullopt;
}

std::string render(const compose::Json& doc, const std::string& format) {
  // Invalid UTF-8 from the environment is replaced rather than aborting the dump.
  if (format == "json") return doc.dump(2, ' ', false, compose::Json::error_handler_t::replace) + "\n";
  return compose::to_yaml(doc);
}

// `--variables --format yaml|json`: one entry per variable, keyed by its name, with
// compose-go's field names (lower-cased in YAML, as go-yaml writes them).
std::string variables_document(const std::vector<compose::Variable>& variables, const std::string& format) {
  bool yaml = format == "yaml";
  compose::Json doc = compose::Json::object();
  for (const auto& v : variables)
    doc[v.name] = {{yaml ? "name" : "Name", v.name},
                   {yaml ? "defaultvalue" : "DefaultValue", v.default_value},
                   {yaml ? "presencevalue" : "PresenceValue", v.alternate_value},
                   {yaml ? "required" : "Required", v.required}};
  return render(doc, format);
}

// NAME / REQUIRED / DEFAULT VALUE / ALTERNATE VALUE, in aligned columns as Docker
// Compose prints them; with --format, YAML, JSON or a Go template over each variable.
Result<std::string> variables_table(const GlobalOptions& globals, const ConfigFlags& f) {
  PIER_TRY(auto variables, compose::list_project_variables(to_load_options(globals)));
  if (f.format_given && (f.format == "yaml" || f.format == "json")) return variables_document(variables, f.format);
  if (f.format_given && f.format != "table") {
    std::vector<nlohmann::json> rows;
    for (const auto& v : variables)
      rows.push_back({{"Name", v.name}, {"DefaultValue", v.default_value}, {"PresenceValue", v.alternate_value},
                      {"Required", v.required}});
    static const app::format::Listing listing{{{"Name", "NAME"}, {"Required", "REQUIRED"},
                                               {"DefaultValue", "DEFAULT VALUE"}, {"PresenceValue", "ALTERNATE VALUE"}},
                                              "", 20, false};
    PIER_TRY(std::string text, app::format::render_listing(f.format, rows, listing));
    return text;
  }
  std::vector<std::array<std::string, 4>> rows = {
      {"NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"}};
  for (const auto& v : variables)
    rows.push_back({v.name, v.required ? "true" : "false", v.default_value, v.alternate_value});
  std::array<size_t, 4> width{};
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 3, ' ');
    }
    out += std::string(trim(line)) + "\n";
  }
  return out;
}

Result<std::string> render_tree(const GlobalOptions& globals, const ConfigFlags& f) {
  PIER_TRY(compose::ProjectTree tree, load_project_tree(globals, !f.no_interpolate));
  compose::Json doc = compose::node_to_json(tree.root);
  if (!doc.contains("name")) doc["name"] = tree.name;
  return render(doc, f.format);
}

// `--environment`: what interpolation saw (.env under the process environment, and
// COMPOSE_PROJECT_NAME), one KEY=VALUE a line, sorted, as Compose prints it.
Result<std::string> environment_lines(const GlobalOptions& globals) {
  PIER_TRY(compose::ProjectTree tree, load_project_tree(globals, true));
  std::string out;
  for (const auto& [key, value] : tree.environment) out += key + "=" + value + "\n";
  return out;
}

// The digest a registry serves for `ref`'s tag: the sha256 of the manifest (or index)
// it answers with, as `docker pull` reports it.
Result<std::string> registry_digest(const GlobalOptions& globals, const image::Reference& ref) {
  PIER_TRY(auto registries, image::RegistryConfig::load(state_root(globals)));
  image::RegistryClient client(ref, registries);
  PIER_CHECK(client.ping());
  PIER_TRY(auto manifest, client.get_manifest(ref.tag.empty() ? "latest" : ref.tag, image::limits::kMaxManifestBytes));
  return manifest.digest;
}

// `--resolve-image-digests`: each image pinned to its digest, as `name:tag@sha256:...`:
// the one pier's store holds for it (the registry's, where it was pulled), else the one
// its registry serves now, as Compose asks the registry.
Status resolve_image_digests(const GlobalOptions& globals, compose::Project& project) {
  PIER_TRY(auto store, image::Store::open(state_root(globals)));
  for (auto& [name, service] : project.services) {
    if (service.disabled || service.image.empty()) continue;
    PIER_TRY(image::Reference ref, image::parse_reference(service.image).context("service \"" + name + "\""));
    if (!ref.digest.empty()) continue;
    std::string digest;
    if (auto record = store.find(ref.str())) {
      digest = record->repo_digest.empty() ? record->manifest_digest : record->repo_digest;
    } else {
      auto served = registry_digest(globals, ref);
      if (!served)
        return std::move(served).error().context("service \"" + name + "\": resolving the digest of `" +
                                                 service.image + "` (not in pier's store)");
      digest = *served;
    }
    service.image = ref.str() + "@" + digest;
  }
  return {};
}

// `--lock-image-digests`: an override file that pins every service's image, as Compose
// writes it: only `services`, each with only its `image` (a service without one: `{}`).
compose::Json image_lock(const compose::Project& project) {
  compose::Json services = compose::Json::object();
  for (const auto& [name, service] : project.services) {
    if (service.disabled) continue;
    services[name] = compose::Json::object();
    if (!service.image.empty()) services[name]["image"] = service.image;
  }
  return {{"services", services}};
}

// The project `config` loaded is never freed: the process exits once it has printed,
// and freeing a large project node by node was a tenth of `config -q` of 500 services.
// Held from a static, so that leak checkers count it as reachable, not lost.
LoadedProject& keep_until_exit(LoadedProject loaded) {
  static std::vector<LoadedProject*> kept;
  kept.push_back(new LoadedProject(std::move(loaded)));
  return *kept.back();
}

Result<std::string> run_config(const GlobalOptions& globals, const ConfigFlags& f) {
  // -q validates: everything is loaded and checked, nothing is rendered.
  if (f.quiet && f.hash.empty()) {
    PIER_TRY(LoadedProject loaded, load_project(globals, f.services));
    keep_until_exit(std::move(loaded));
    return std::string();
  }
  if (f.list_variables) return variables_table(globals, f);
  if (f.environment) return environment_lines(globals);
  if (f.no_interpolate || f.no_normalize) return render_tree(globals, f);
  compose::NormalizeOptions options{!f.no_consistency, !f.no_path_resolution, !f.no_env_resolution};
  PIER_TRY(LoadedProject loaded, load_project(globals, f.services, options));
  compose::Project& project = keep_until_exit(std::move(loaded)).project;
  if (f.resolve_image_digests || f.lock_image_digests) PIER_CHECK(resolve_image_digests(globals, project));
  PIER_CHECK(select_services(project, f.services));
  if (!f.hash.empty()) return service_hashes(project, f.hash);
  if (auto names = listing(f, project)) return *names;
  if (f.lock_image_digests) return render(image_lock(project), f.format);
  return render(compose::to_json(project), f.format);
}

}  // namespace

void register_config(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto flags = std::make_shared<ConfigFlags>();
  auto* cmd = app.add_subcommand(
      "config", "Parse, resolve and print the Compose project in its canonical form");
  cmd->add_option("services", flags->services, "Only these services (and their dependencies)")
      ->type_name("SERVICE");
  cmd->add_option("--format", flags->format,
                  "Output format: yaml or json (with --variables also table or a Go template)");
  cmd->add_option("-o,--output", flags->output, "Write to this file instead of stdout")
      ->type_name("FILE");
  cmd->add_flag("-q,--quiet", flags->quiet, "Only validate the configuration, print nothing");
  cmd->add_flag("--services", flags->list_services, "Print the service names, one per line");
  cmd->add_flag("--volumes", flags->list_volumes, "Print the volume names, one per line");
  cmd->add_flag("--networks", flags->list_networks, "Print the network names, one per line");
  cmd->add_flag("--models", flags->list_models, "Print the model names, one per line");
  cmd->add_flag("--profiles", flags->list_profiles, "Print the profile names, one per line");
  cmd->add_flag("--images", flags->list_images, "Print the image names, one per line");
  cmd->add_flag("--variables", flags->list_variables,
                "Print the variables the files use, with their defaults");
  cmd->add_option("--hash", flags->hash,
                  "Print the configuration hash of these services (comma-separated, or \"*\")")
      ->type_name("SERVICES");
  cmd->add_flag("--no-interpolate", flags->no_interpolate,
                "Print the files merged but without interpolating variables");
  cmd->add_flag("--no-normalize", flags->no_normalize,
                "Print the files merged, without normalising to the canonical form");
  cmd->add_flag("--no-consistency", flags->no_consistency,
                "Don't check the project's consistency (undefined services, networks, volumes...)");
  cmd->add_flag("--no-path-resolution", flags->no_path_resolution, "Don't resolve file paths");
  cmd->add_flag("--no-env-resolution", flags->no_env_resolution,
                "Don't resolve service env files (env_file kept, bare keys left unset)");
  cmd->add_flag("--resolve-image-digests", flags->resolve_image_digests,
                "Pin image tags to digests (of the images in pier's store)");
  cmd->add_flag("--lock-image-digests", flags->lock_image_digests,
                "Print an override file pinning each service's image to its digest");
  cmd->add_flag("--environment", flags->environment, "Print the environment used for interpolation");
  cmd->callback([flags, cmd, &globals, &result] {
    flags->format_given = cmd->get_option("--format")->count() > 0;
    if (!flags->list_variables && flags->format != "yaml" && flags->format != "json") {
      result.exit_code = report(Error("--format `" + flags->format + "`: use yaml or json"));
      return;
    }
    if (flags->list_variables && flags->format_given) {
      if (auto st = app::format::check_format(flags->format); !st) {
        result.exit_code = report(st.error());
        return;
      }
    }
    auto text = run_config(globals, *flags);
    if (!text.ok()) {
      result.exit_code = report(text.error());
      return;
    }
    if (flags->quiet) return;
    if (!flags->output.empty()) {
      if (auto st = write_file_atomic(flags->output, *text); !st.ok()) {
        result.exit_code = report(st.error());
        return;
      }
      return;
    }
    std::fwrite(text->data(), 1, text->size(), stdout);
  });
}

}  // namespace pier::cli
