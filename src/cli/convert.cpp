// `pier convert`: the project as Kubernetes manifests (convert/, docs/kubernetes.md).
#include <cstdio>
#include <memory>

#include "app/images/push_command.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "convert/convert.h"
#include "convert/render.h"

namespace pier::cli {
namespace {

struct ConvertFlags {
  std::string output;
  std::string format = "kubernetes";
  std::string namespace_name;
  std::string service_type = "ClusterIP";
  std::string storage_class;
  std::string push_registry;
  bool strict = false;
};

// --push: each build-only service's image goes to REGISTRY/<its name>, which the
// manifests then name. Progress goes to stderr: stdout carries the manifests.
Status push_build_images(const GlobalOptions& globals, const LoadedProject& loaded, const std::string& registry,
                         convert::Options& options) {
  std::vector<app::images::PushRequest> requests;
  for (const auto& [service, image] : convert::build_only_images(loaded.project)) {
    std::string target = registry + "/" + image;
    requests.push_back({image, target});
    options.pushed_images[service] = target;
  }
  return app::images::push(state_root(globals), requests, false, stderr).context("convert --push " + registry);
}

Status run_convert(const GlobalOptions& globals, const ConvertFlags& f) {
  if (f.format == "helm" && f.output.empty()) return Error("--format helm writes a chart directory: add -o DIR");
  PIER_TRY(LoadedProject loaded, load_project(globals, {}));
  convert::Options options;
  options.namespace_name = f.namespace_name;
  options.service_type = f.service_type;
  options.storage_class = f.storage_class;
  options.environment = &loaded.tree.environment;
  if (!f.push_registry.empty()) PIER_CHECK(push_build_images(globals, loaded, f.push_registry, options));
  PIER_TRY(convert::Manifests manifests, convert::convert_project(loaded.project, options));
  if (f.strict && !manifests.warnings.empty()) {
    for (const auto& w : manifests.warnings)
      std::fprintf(stderr, "error: %s%s%s\n", w.location.c_str(), w.location.empty() ? "" : ": ", w.message.c_str());
    return Error("--strict: " + std::to_string(manifests.warnings.size()) + " compose settings are not converted");
  }
  print_warnings(manifests.warnings);
  if (f.format == "helm") return convert::write_helm_chart(manifests, loaded.project.name, f.output);
  if (f.output.empty()) {
    std::string text = convert::to_yaml_stream(manifests);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return {};
  }
  return convert::write_kustomize(manifests, f.output);
}

}  // namespace

void register_convert(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto flags = std::make_shared<ConvertFlags>();
  auto* cmd = app.add_subcommand("convert", "Print the project as Kubernetes manifests");
  cmd->add_option("-o,--output", flags->output,
                  "Write one file per object and a kustomization.yaml into this directory")
      ->type_name("DIR");
  cmd->add_option("--format", flags->format, "kubernetes (manifests) or helm (a chart; needs -o)")
      ->check(CLI::IsMember({"kubernetes", "helm"}));
  cmd->add_option("--namespace", flags->namespace_name, "Namespace of every object (default: the project name)");
  cmd->add_option("--service-type", flags->service_type, "Service type for published ports")
      ->check(CLI::IsMember({"ClusterIP", "NodePort", "LoadBalancer"}));
  cmd->add_option("--storage-class", flags->storage_class, "StorageClass of the volume claims");
  cmd->add_option("--push", flags->push_registry,
                  "Push the images of services with `build:` and no `image:` to this registry and name them so")
      ->type_name("REGISTRY");
  cmd->add_flag("--strict", flags->strict, "Fail when a compose setting cannot be converted");
  cmd->callback([flags, &globals, &result] {
    if (auto st = run_convert(globals, *flags); !st.ok()) result.exit_code = report(st.error());
  });
}

}  // namespace pier::cli
