#include "image/registry/credential_helper.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "base/unique_fd.h"
#include "image/json_util.h"

extern char** environ;

namespace pier::image {
namespace {

struct Pipes {
  UniqueFd in_read, in_write, out_read, out_write;
};

Result<Pipes> make_pipes() {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return Error::system("pipe", "", errno);
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return Error::system("pipe", "", errno);
  }
  return Pipes{UniqueFd(in[0]), UniqueFd(in[1]), UniqueFd(out[0]), UniqueFd(out[1])};
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || out.size() > (1 << 20)) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

Result<Credentials> run_credential_helper(const std::string& helper, const std::string& server) {
  std::string program = "docker-credential-" + helper;
  PIER_TRY(Pipes p, make_pipes());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, p.in_read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, p.out_write.get(), 1);
  char* argv[] = {program.data(), const_cast<char*>("get"), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Error::system("run credential helper", program, rc).hint("install it or fix credHelpers/credsStore");
  p.in_read.reset();
  p.out_write.reset();
  std::string input = server + "\n";
  (void)!::write(p.in_write.get(), input.data(), input.size());
  p.in_write.reset();
  std::string output = read_all(p.out_read.get());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // Helpers answer "credentials not found in native keychain" with exit 1: anonymous.
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return Credentials{};
  auto j = nlohmann::json::parse(output, nullptr, false);
  if (!j.is_object()) return Error("credential helper `" + program + "` printed no JSON");
  Credentials c;
  c.username = json_string(j, "Username");
  c.password = json_string(j, "Secret");
  return c;
}

}  // namespace pier::image
