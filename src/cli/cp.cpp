// `pier cp SERVICE:SRC DEST|-` and `pier cp SRC|- SERVICE:DEST`: files between a
// service's running container and the host, as `docker compose cp` copies them
// (app/copy.h). Into a service without --index, every running replica gets the copy.
#include "app/copy.h"
#include "app/service_containers.h"
#include "cli/commands.h"
#include "cli/supervisor_link.h"

namespace pier::cli {
namespace {

struct CpFlags {
  bool all = false;
  bool archive = false;
  bool follow_link = false;
  int index = 0;
  std::string source, dest;
};

// `web:/etc` names a service's path; `/a:b`, `./a:b` and `a` are host paths, as docker
// cp splits its arguments.
struct CpPath {
  std::string service;  // empty: the host (or `-`)
  std::string path;
};

CpPath split(const std::string& arg) {
  if (arg.starts_with('/') || arg.starts_with('.')) return {"", arg};
  auto colon = arg.find(':');
  if (colon == std::string::npos) return {"", arg};
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

Status copy(const GlobalOptions& globals, const CpFlags& f) {
  CpPath from = split(f.source), to = split(f.dest);
  if (!from.service.empty() && !to.service.empty())
    return Error("copying between services is not supported").hint("copy to the host, then from it");
  if (from.service.empty() && to.service.empty())
    return Error("one of SRC and DEST must name a service path: SERVICE:PATH");
  const std::string& service = from.service.empty() ? to.service : from.service;
  PIER_TRY(auto project, resolve_project(globals, {service}));
  if (project.loaded && !project.loaded->project.find_service(service)) return Error("no such service: " + service);
  PIER_TRY(auto records, current_records(project.paths));
  // Stopped containers too, as Compose lists them for cp (`docker cp` reaches them).
  app::ServiceSelector selector{service, f.index, f.all, false};
  app::CopyOptions options{f.archive, f.follow_link};
  if (!from.service.empty()) {
    PIER_TRY(auto record, app::select_container(records, selector));
    return app::copy_from_container(project.paths.root, record, from.path, to.path, options)
        .context("copy " + f.source + " from container " + record.name);
  }
  PIER_TRY(auto targets, app::select_containers(records, selector));
  for (const auto& record : targets)
    PIER_CHECK(app::copy_to_container(project.paths.root, from.path, record, to.path, options)
                   .context("copy " + f.source + " to " + record.name + ":" + to.path));
  return {};
}

}  // namespace

void register_cp(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("cp", "Copy files/folders between a service container and the local filesystem");
  cmd->footer("Usage: pier cp [OPTIONS] SERVICE:SRC_PATH DEST_PATH|-\n"
              "       pier cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH\n"
              "A DEST_PATH of - writes a tar to stdout; a SRC_PATH of - extracts a tar from stdin into a directory.");
  auto f = std::make_shared<CpFlags>();
  cmd->add_flag("--all", f->all, "Include containers created by the run command");
  cmd->add_flag("-a,--archive", f->archive, "Archive mode (copy all uid/gid information)");
  cmd->add_flag("-L,--follow-link", f->follow_link, "Always follow symbol link in SRC_PATH");
  cmd->add_option("--index", f->index, "Index of the container if service has multiple replicas")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("source", f->source, "SERVICE:SRC_PATH, a host path, or - (a tar on stdin)")->required();
  cmd->add_option("dest", f->dest, "SERVICE:DEST_PATH, a host path, or - (a tar on stdout)")->required();
  cmd->callback([f, &globals, &result] {
    auto st = copy(globals, *f);
    result.exit_code = st ? 0 : report(st.error());
  });
}

}  // namespace pier::cli
