// `pier commit SERVICE [REPOSITORY[:TAG]]`: a new image in pier's store from the service
// container's changes, as `docker compose commit` makes it (app/commit.h); prints the
// new image's ID as `docker commit` does.
#include <cstdio>

#include "app/commit.h"
#include "app/service_containers.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"

namespace pier::cli {
namespace {

struct CommitFlags {
  app::CommitOptions options;
  int index = 0;
  std::string service;
};

Result<std::string> commit(const GlobalOptions& globals, const CommitFlags& f) {
  PIER_TRY(auto project, resolve_project(globals, {f.service}));
  if (project.loaded && !project.loaded->project.find_service(f.service))
    return Error("no such service: " + f.service);
  PIER_TRY(auto records, current_records(project.paths));
  // A stopped container keeps its writable layer: it can be committed too.
  app::ServiceSelector selector{f.service, f.index, false, false};
  PIER_TRY(auto record, app::select_container(records, selector));
  PIER_TRY(auto image, app::commit_container(state_root(globals), record, f.options)
                           .context("commit container " + record.name));
  return image.id;
}

}  // namespace

void register_commit(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("commit", "Create a new image from a service container's changes");
  auto f = std::make_shared<CommitFlags>();
  cmd->add_option("-a,--author", f->options.author, "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")");
  cmd->add_option("-c,--change", f->options.changes, "Apply Dockerfile instruction to the created image")
      ->allow_extra_args(false);
  cmd->add_option("--index", f->index, "index of the container if service has multiple replicas.")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-m,--message", f->options.message, "Commit message");
  cmd->add_flag("-p,--pause", f->options.pause, "Pause container during commit (default true; --pause=false)");
  cmd->add_option("service", f->service, "Service")->required();
  cmd->add_option("reference", f->options.reference, "REPOSITORY[:TAG]");
  cmd->footer("Usage: pier commit [OPTIONS] SERVICE [REPOSITORY[:TAG]]");
  cmd->callback([f, &globals, &result] {
    auto id = commit(globals, *f);
    if (!id) {
      result.exit_code = report(id.error());
      return;
    }
    std::printf("%s\n", id->c_str());
    result.exit_code = 0;
  });
}

}  // namespace pier::cli
