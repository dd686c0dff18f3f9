#include "image/unpack/layer_unpacker.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <cerrno>

#include "image/unpack/layer_writer.h"
#include "image/unpack/tar_stream.h"

namespace pier::image {

Result<UnpackStats> unpack_layer(const std::string& blob, const std::string& dest, const UnpackLimits& limits) {
  UniqueFd root(::open(dest.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::system("open layer directory", dest, errno);
  PIER_TRY(auto stream, TarStream::open(blob, limits.max_bytes));
  LayerWriter writer(std::move(root), limits.max_bytes);
  UnpackStats stats;
  for (;;) {
    PIER_TRY(archive_entry * entry, stream->next());
    if (!entry) break;
    if (++stats.entries > limits.max_entries)
      return Error("layer `" + blob + "` has more than " + std::to_string(limits.max_entries) + " members");
    PIER_CHECK(writer.apply(stream->reader(), entry).context("unpacking `" + blob + "`"));
  }
  PIER_CHECK(writer.finish());
  PIER_TRY(stats.diff_id, stream->finish_diff_id());
  stats.bytes = stream->uncompressed_bytes();
  return stats;
}

}  // namespace pier::image
