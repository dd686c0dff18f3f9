#include "image/archive/tree_extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include "image/limits.h"
#include "image/unpack/layer_writer.h"

namespace pier::image {
namespace {

struct ExtractReader {
  archive* a = archive_read_new();
  ~ExtractReader() { archive_read_free(a); }
};

}  // namespace

Result<std::vector<std::string>> extract_tar(int tar_fd, const std::string& what, UniqueFd destination,
                                             const std::string& where, const ExtractOptions& options) {
  ExtractReader reader;
  archive_read_support_format_tar(reader.a);
  archive_read_support_format_gnutar(reader.a);
  // Compressed input is accepted where libarchive has the filter built in, as Docker's
  // daemon decompresses what `docker cp -` sends; a plain tar needs none.
  archive_read_support_filter_gzip(reader.a);
  archive_read_support_filter_zstd(reader.a);
  if (archive_read_open_fd(reader.a, tar_fd, 1 << 16) != ARCHIVE_OK)
    return Error("read tar from " + what + ": " + archive_error_string(reader.a));
  LayerWriter writer(std::move(destination), limits::kMaxLayerBytes, LayerWriter::Whiteouts::as_names);
  std::vector<std::string> skipped;
  uint64_t members = 0;
  for (;;) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(reader.a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return Error("read tar from " + what + ": " + archive_error_string(reader.a));
    if (++members > limits::kMaxLayerEntries)
      return Error("refusing the tar from " + what + ": more than " + std::to_string(limits::kMaxLayerEntries) +
                   " members");
    const char* name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    mode_t type = archive_entry_filetype(entry);
    if (options.onto_host && (type == AE_IFCHR || type == AE_IFBLK)) {
      skipped.emplace_back(name);
      continue;
    }
    if (options.onto_host) archive_entry_set_perm(entry, archive_entry_perm(entry) & ~mode_t{S_ISUID | S_ISGID});
    if (options.owner) {
      archive_entry_set_uid(entry, options.owner->first);
      archive_entry_set_gid(entry, options.owner->second);
    }
    if (auto st = writer.apply(reader.a, entry); !st)
      return std::move(st).error().context("copy `" + std::string(name) + "` to " + where);
  }
  PIER_CHECK(writer.finish());
  return skipped;
}

}  // namespace pier::image
