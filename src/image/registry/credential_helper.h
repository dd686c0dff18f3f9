// Runs `docker-credential-<helper> get` as Docker does: the server URL on
// stdin, {"Username", "Secret"} JSON on stdout. This is the one program pier
// starts for a pull; it is the user's configured helper from $PATH.
#pragma once

#include <string>

#include "base/result.h"
#include "image/registry/auth.h"

namespace pier::image {

Result<Credentials> run_credential_helper(const std::string& helper, const std::string& server);

}  // namespace pier::image
