// COPY and ADD: the layer is written straight from the sources (no container): the
// context's files, another stage's or image's files (read through its layers), or
// heredocs, or for ADD downloaded URLs; ADD also unpacks local tar archives (remote
// ones only with --unpack, as Docker).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/context/context.h"
#include "builder/dockerfile/dockerfile.h"
#include "builder/executor/layer_tar.h"
#include "builder/executor/remote_source.h"
#include "image/layer_view.h"

namespace pier::builder::detail {

struct CopySpec {
  const CopyCommand* command = nullptr;
  std::string where;            // "Dockerfile:7: COPY" for errors
  std::string dest;             // absolute, cleaned, with a trailing '/' when written so
  const image::LayerView* dest_view = nullptr;  // the stage being built
  std::optional<std::pair<uid_t, gid_t>> owner;  // --chown
  // Exactly one source kind:
  const BuildContext* context = nullptr;
  std::vector<std::vector<ContextEntry>> context_entries;  // per source, resolved
  const image::LayerView* from = nullptr;  // --from stage or image
  // ADD <url> sources, downloaded (besides local ones from the context, if any).
  std::vector<RemoteFile> remote;
};

// Sources in a stage (or image) named by --from, with a `*?[` glob in the last
// component: the matching absolute paths, sorted. An error names the source.
Result<std::vector<std::string>> resolve_view_sources(const image::LayerView& view,
                                                      const std::vector<std::string>& sources, const std::string& where);

Status write_copy_layer(LayerTar& tar, const CopySpec& spec);

}  // namespace pier::builder::detail
