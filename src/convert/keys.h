// The service keys that have no Kubernetes equivalent, each with the reason, as one
// table (docs/kubernetes.md shows the same table to users). Keys converted in part
// (volumes, deploy, networks, ...) warn about the part they drop where they convert.
#pragma once

#include "compose/model.h"
#include "convert/context.h"

namespace pier::convert {

// One warning per key of `service` listed as not converted, at the key's file:line.
void warn_unconverted_keys(Context& ctx, const compose::Service& service);
// The same for the top-level networks and volumes (driver options, IPAM, ...).
void warn_unconverted_top_level(Context& ctx);

}  // namespace pier::convert
