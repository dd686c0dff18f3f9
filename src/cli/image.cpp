// `pier image ls|pull|push|load|import|inspect|rm|prune` and `pier pull REF...`:
// flags only; each calls one function of app/images/.
#include <cstdio>
#include <functional>

#include "app/images/commands.h"
#include "app/images/pull_command.h"
#include "app/images/push_command.h"
#include "cli/commands.h"

namespace pier::cli {
namespace {

int finish(const Status& status) {
  if (status.ok()) return 0;
  std::fprintf(stderr, "error: %s\n", status.error().to_string().c_str());
  return 1;
}

void add_ls(CLI::App& image, const GlobalOptions& globals, CommandResult& result) {
  auto* ls = image.add_subcommand("ls", "List images in the local store")->alias("list");
  auto options = std::make_shared<app::images::ListOptions>();
  auto format = std::make_shared<std::string>();
  ls->add_flag("-q,--quiet", options->quiet, "Only show image IDs");
  ls->add_flag("--no-trunc", options->no_trunc, "Don't truncate output");
  ls->add_option("--format", *format, "Output format: table or json")->check(CLI::IsMember({"table", "json"}));
  ls->callback([&globals, &result, options, format] {
    options->json = *format == "json";
    result.exit_code = finish(app::images::image_ls(state_root(globals), *options, stdout));
  });
}

void add_load(CLI::App& image, const GlobalOptions& globals, CommandResult& result) {
  auto* load = image.add_subcommand("load", "Load images from a docker save or OCI archive");
  auto input = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  load->add_option("-i,--input", *input, "Archive to read (tar, tar.gz, tar.zst)")->required();
  load->add_flag("-q,--quiet", *quiet, "Suppress the load output");
  load->callback([&globals, &result, input, quiet] {
    result.exit_code = finish(app::images::image_load(state_root(globals), *input, *quiet, stdout));
  });
}

void add_import(CLI::App& image, const GlobalOptions& globals, CommandResult& result) {
  auto* imp = image.add_subcommand("import", "Create a one-layer image from a rootfs tarball");
  auto command = std::make_shared<app::images::ImportCommand>();
  imp->add_option("file", command->tarball, "Rootfs tarball (tar, tar.gz, tar.zst)")->required();
  imp->add_option("name", command->name, "Image name, e.g. busybox:latest");
  imp->add_option("-c,--change", command->changes, "Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, WORKDIR, ...)")
      ->allow_extra_args(false);
  imp->add_option("-m,--message", command->message, "Commit message for the image history");
  imp->add_option("--platform", command->platform, "Platform of the image, e.g. linux/amd64");
  imp->callback([&globals, &result, command] {
    result.exit_code = finish(app::images::image_import(state_root(globals), *command, stdout));
  });
}

// Runs `command` with the images in use, or reports why the records could not be read.
int with_uses(const std::string& root,
              const std::function<Status(const std::vector<app::images::ImageUse>&)>& command) {
  auto uses = app::images::images_in_use(root);
  if (!uses) return finish(std::move(uses).error().context("reading container records"));
  return finish(command(*uses));
}

void add_rm(CLI::App& image, const GlobalOptions& globals, CommandResult& result) {
  auto* rm = image.add_subcommand("rm", "Remove images")->alias("rmi");
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  rm->add_option("images", *names, "Image names or IDs")->required();
  rm->add_flag("-f,--force", *force, "Untag an image a stopped container uses (its layers stay until it is removed)");
  rm->callback([&globals, &result, names, force] {
    std::string root = state_root(globals);
    result.exit_code = with_uses(root, [&](const auto& uses) {
      return app::images::image_rm(root, *names, *force, uses, stdout);
    });
  });
}

void add_prune(CLI::App& image, const GlobalOptions& globals, CommandResult& result) {
  auto* prune = image.add_subcommand("prune", "Remove unused images' data (-a: unused tagged images too)");
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);  // accepted as docker's; pier never prompts
  prune->add_flag("-a,--all", *all, "Remove every image no container uses, not only dangling data");
  prune->add_flag("-f,--force", *force, "Do not prompt for confirmation (pier never prompts)");
  prune->callback([&globals, &result, all, force] {
    std::string root = state_root(globals);
    result.exit_code = with_uses(root, [&](const auto& uses) {
      return app::images::image_prune(root, *all, uses, stdout);
    });
  });
}

void add_names_command(CLI::App& image, const char* name, const char* help, const GlobalOptions& globals,
                       CommandResult& result,
                       Status (*run)(const std::string&, const std::vector<std::string>&, std::FILE*)) {
  auto* sub = image.add_subcommand(name, help);
  auto names = std::make_shared<std::vector<std::string>>();
  sub->add_option("images", *names, "Image names or IDs")->required();
  sub->callback([&globals, &result, names, run] { result.exit_code = finish(run(state_root(globals), *names, stdout)); });
}

void add_pull_flags(CLI::App& sub, app::images::PullCommand& command) {
  sub.add_option("images", command.references, "Image references")->required();
  sub.add_flag("-q,--quiet", command.quiet, "Pull without printing progress");
  sub.add_option("--platform", command.platform, "Platform to pull, e.g. linux/arm64");
  sub.add_flag("--ignore-pull-failures", command.ignore_failures, "Pull what it can and ignore failures");
}

void add_push(CLI::App& image, const GlobalOptions& globals, CommandResult& result) {
  auto* push = image.add_subcommand("push", "Push an image of the store to its registry, or to TARGET");
  auto request = std::make_shared<app::images::PushRequest>();
  auto quiet = std::make_shared<bool>(false);
  push->add_option("image", request->source, "Image name or ID")->required();
  push->add_option("target", request->target, "Reference to push it as (default: the image's name)");
  push->add_flag("-q,--quiet", *quiet, "Push without printing progress");
  push->callback([&globals, &result, request, quiet] {
    result.exit_code = finish(app::images::push(state_root(globals), {*request}, *quiet, stdout));
  });
}

}  // namespace

void register_image(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* image = app.add_subcommand("image", "Manage images in pier's local store");
  image->require_subcommand(1);
  add_ls(*image, globals, result);
  add_load(*image, globals, result);
  add_import(*image, globals, result);
  add_names_command(*image, "inspect", "Show an image's configuration as JSON", globals, result,
                    app::images::image_inspect);
  add_rm(*image, globals, result);
  add_prune(*image, globals, result);
  add_push(*image, globals, result);
  auto* pull = image->add_subcommand("pull", "Pull images from their registries");
  auto command = std::make_shared<app::images::PullCommand>();
  add_pull_flags(*pull, *command);
  pull->callback([&globals, &result, command] {
    result.exit_code = finish(app::images::pull(state_root(globals), *command, stdout));
  });
}

}  // namespace pier::cli
