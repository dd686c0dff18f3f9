// Registry credentials and challenges, as Docker handles them:
// `~/.docker/config.json` (or $DOCKER_CONFIG/config.json) with `auths`,
// `credHelpers` and `credsStore` (running docker-credential-<helper> get),
// and WWW-Authenticate challenges (Bearer realm/service/scope, Basic).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::image {

struct Credentials {
  std::string username;
  std::string password;       // or an identity token when username is "<token>"
  bool empty() const { return username.empty() && password.empty(); }
};

struct Challenge {
  std::string scheme;  // "bearer" or "basic" (lower case)
  std::map<std::string, std::string> params;  // realm, service, scope, ...
};

// Parses the first challenge of a WWW-Authenticate header value.
Result<Challenge> parse_challenge(std::string_view header);

// Looks `registry_host` up in the Docker config; no config means no credentials.
// `config_path` overrides the default location (tests).
Result<Credentials> find_credentials(const std::string& registry_host, const std::string& config_path = {});

// The key `docker login` files a registry's credentials under in `auths`: Docker
// Hub's legacy index URL, else the host[:port] as given.
std::string auths_key(const std::string& registry_host);
// `pier login`: `credentials` as `auths.<key>.auth` (base64 of user:password) of the
// Docker config, every other key of the file kept. The file is replaced atomically with
// mode 0600 (its directory made 0700 when missing): it holds a password.
Status store_credentials(const std::string& key, const Credentials& credentials, const std::string& config_path = {});
// `pier logout`: drops `auths.<key>`; false when there was none.
Result<bool> erase_credentials(const std::string& key, const std::string& config_path = {});
// $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
std::string docker_config_path();

std::string base64_decode(std::string_view in);
std::string base64_encode(std::string_view in);

}  // namespace pier::image
