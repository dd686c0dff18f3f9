// `pier login [SERVER]`: checks a username and password against a registry and stores
// them where Docker does, for pier's pulls and pushes (the work is in app/images).
#include <unistd.h>

#include <cstdio>

#include "app/images/registry_login.h"
#include "app/prompt.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "image/registry/auth.h"

namespace pier::cli {
namespace {

struct LoginFlags {
  std::string server, username, password;
  bool password_stdin = false;
};

Status run_login(const GlobalOptions& globals, LoginFlags f) {
  if (!f.password.empty() && f.password_stdin) return Error("--password and --password-stdin are mutually exclusive");
  if (f.password_stdin) {
    if (f.username.empty()) return Error("must provide --username with --password-stdin");
    f.password = app::read_all_stdin();
  } else if (!f.password.empty()) {
    std::fputs("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n", stderr);
  }
  bool terminal = ::isatty(STDIN_FILENO) == 1;
  if ((f.username.empty() || f.password.empty()) && !terminal)
    return Error("cannot perform an interactive login from a non TTY device")
        .hint("pass --username and --password-stdin");
  if (f.username.empty()) {
    auto answer = app::read_answer("Username: ");
    if (!answer || answer->empty()) return Error("login: a username is required");
    f.username = *answer;
  }
  if (f.password.empty()) {
    auto answer = app::read_answer("Password: ", false);
    if (!answer || answer->empty()) return Error("login: a password is required");
    f.password = *answer;
  }
  PIER_CHECK(app::images::login(state_root(globals), f.server, f.username, f.password));
  std::fprintf(stderr, "WARNING! Your password will be stored unencrypted in %s.\n",
               image::docker_config_path().c_str());
  std::puts("Login Succeeded");
  return {};
}

}  // namespace

void register_login(CLI::App& app, const GlobalOptions& globals, CommandResult& result) {
  auto* cmd = app.add_subcommand("login", "Log in to a registry (credentials in ~/.docker/config.json)");
  auto f = std::make_shared<LoginFlags>();
  cmd->add_option("-u,--username", f->username, "Username");
  cmd->add_option("-p,--password", f->password, "Password");
  cmd->add_flag("--password-stdin", f->password_stdin, "Take the password from stdin");
  cmd->add_option("server", f->server, "Registry host[:port] (default: Docker Hub)");
  cmd->callback([f, &globals, &result] {
    auto st = run_login(globals, *f);
    result.exit_code = st ? 0 : report(st.error());
  });
}

}  // namespace pier::cli
