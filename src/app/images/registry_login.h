// `pier login` and `pier logout`: credentials kept where Docker keeps them
// (`auths` of ~/.docker/config.json, or $DOCKER_CONFIG/config.json), which pier's
// registry client reads for pull and push (image/registry/auth.h).
#pragma once

#include <string>

#include "base/result.h"

namespace pier::app::images {

// "localhost:5000", "https://localhost:5000/v2/", "" (Docker Hub) -> the registry's
// host[:port] ("docker.io" for Docker Hub). An error names what is not a host.
Result<std::string> registry_of(const std::string& server);

// Checks `username`/`password` against the registry (GET /v2/, with the token server
// when it has one), then stores them; nothing is stored when the registry refuses.
Status login(const std::string& pier_root, const std::string& server, const std::string& username,
             const std::string& password);

// Removes the stored credentials of `server`; false when there were none.
Result<bool> logout(const std::string& server);

}  // namespace pier::app::images
