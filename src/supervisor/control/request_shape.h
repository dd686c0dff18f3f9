// The types of a control request's fields, checked once where the request comes in:
// the handlers read them with nlohmann's typed getters, which throw on a wrong type,
// and a request the CLI would never send (any local root process can reach the
// socket) must get an error, not stop the supervisor halfway through a handler.
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace pier::supervisor::control {

// Every field a handler reads has the type it expects (an absent one is fine: the
// handlers default it). The error names the op and the field.
Status check_request_shape(const nlohmann::json& request);

}  // namespace pier::supervisor::control
