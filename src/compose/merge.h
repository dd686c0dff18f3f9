// Merging compose documents: the `-f` files in order, and a service over the one it
// `extends`. Rules (13-merge.md and Docker Compose v2):
//   - mappings merge recursively, scalars override;
//   - `command`, `entrypoint`, `healthcheck.test` are replaced, not appended;
//   - `environment`, `labels`, `annotations`, `extra_hosts`, `sysctls`, `storage_opt`,
//     `build.args|labels|extra_hosts|additional_contexts`, `deploy.labels`,
//     `logging.options`, and `labels` of networks/volumes/secrets/configs merge as maps
//     keyed by name. When both sides are present the result is always a MAPPING
//     (`KEY=VAL` list items become `KEY: VAL`, a bare `KEY` becomes `KEY: null`,
//     `host:ip`/`host=ip` extra_hosts become `host: ip`); a side alone keeps its form;
//   - `volumes`, `secrets`, `configs`, `devices` and `blkio_config.device_*` merge by
//     target: a later entry with the same target replaces the earlier one in place;
//   - `ports`, `expose`, `dns`, `cap_add`, `env_file`, `profiles`, ... append unique;
//   - `depends_on` and `networks`: two lists append unique, otherwise both become
//     maps (`- db` -> `db: {condition: service_started}` / `net: null`) and merge;
//   - a `build: path` string merged with a mapping becomes `{context: path}`;
//   - `logging` with a different `driver` is replaced whole (options belong to a driver);
//   - `networks.<name>.aliases` and `link_local_ips` append unique;
//   - any other sequence is appended;
//   - a value tagged `!reset` removes the key, `!override` replaces without merging.
// Results contain no `!reset` nodes and no `!override` tags.
#pragma once

#include "base/result.h"
#include "compose/node.h"

namespace pier::compose {

// Merges a whole document (top level of a compose file) over `base`.
Status merge_documents(Node& base, const Node& over);

// Merges one service definition over `base` (used by `extends` and merge_documents).
Status merge_service(Node& base, const Node& over);

// Drops `!reset` nodes and `!override` tags from a tree that is not merged over
// anything (the first file, a service brought in by `extends`).
void strip_merge_tags(Node& node);

// Structural equality, ignoring marks and tags.
bool same_node(const Node& a, const Node& b);

}  // namespace pier::compose
