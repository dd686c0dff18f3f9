#include "app/images/registry_login.h"

#include "image/reference.h"
#include "image/registry/auth.h"
#include "image/registry/client.h"

namespace pier::app::images {

using namespace pier::image;  // the commands speak the image library's types

Result<std::string> registry_of(const std::string& server) {
  std::string host = server;
  for (const char* scheme : {"https://", "http://"})
    if (host.starts_with(scheme)) host = host.substr(std::string(scheme).size());
  if (auto slash = host.find('/'); slash != std::string::npos) host = host.substr(0, slash);
  if (host.empty() || host == "index.docker.io" || host == "registry-1.docker.io") return std::string(kDefaultDomain);
  // The host must be one a reference can name: parse it as the domain of one.
  auto ref = parse_reference(host + "/pier-login");
  if (!ref || ref->domain != host)
    return Error("`" + server + "` is not a registry address").hint("give a host[:port] such as localhost:5000");
  return host;
}

Status login(const std::string& pier_root, const std::string& server, const std::string& username,
             const std::string& password) {
  PIER_TRY(std::string host, registry_of(server));
  if (username.empty()) return Error("login to " + host + ": a username is required").hint("pass -u USERNAME");
  if (password.empty()) return Error("login to " + host + ": a password is required").hint("pass --password-stdin");
  PIER_TRY(RegistryConfig registries, RegistryConfig::load(pier_root));
  Reference ref;
  ref.domain = host;
  ref.path = "library/pier-login";  // tokens for a login name no repository (client.h)
  ref.tag = std::string(kDefaultTag);
  RegistryClient client(ref, registries);
  client.max_attempts = 1;
  Credentials credentials{username, password};
  PIER_CHECK(client.check_login(credentials));
  return store_credentials(auths_key(host), credentials, registries.docker_config_path);
}

Result<bool> logout(const std::string& server) {
  PIER_TRY(std::string host, registry_of(server));
  return erase_credentials(auths_key(host));
}

}  // namespace pier::app::images
