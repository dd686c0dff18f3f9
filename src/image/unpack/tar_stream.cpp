#include "image/unpack/tar_stream.h"

#include <archive.h>
#include <archive_entry.h>

#include "image/limits.h"

namespace pier::image {
namespace {

// ARCHIVE_WARN from a support_filter call means libarchive would run an
// external program (e.g. `zstd -d`); pier never runs helpers to decompress.
Status require_builtin(int rc, archive* a, const char* what) {
  if (rc == ARCHIVE_OK) return {};
  return Error(std::string("libarchive has no built-in ") + what + " support: " +
               (archive_error_string(a) ? archive_error_string(a) : "unknown"));
}

}  // namespace

TarStream::~TarStream() {
  if (inner_) archive_read_free(inner_);
  if (outer_) archive_read_free(outer_);
}

long TarStream::read_callback(archive*, void* self_ptr, const void** buffer) {
  auto* self = static_cast<TarStream*>(self_ptr);
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  int rc = archive_read_data_block(self->outer_, &block, &size, &offset);
  if (rc == ARCHIVE_EOF) return 0;
  if (rc != ARCHIVE_OK) {
    self->error_ = archive_error_string(self->outer_) ? archive_error_string(self->outer_) : "read error";
    archive_set_error(self->inner_, EIO, "%s", self->error_.c_str());
    return -1;
  }
  // Checked before the block is handed on: a decompression bomb stops here,
  // whether its bytes are file data, headers or padding after the end marker.
  if (size > self->max_bytes_ - self->bytes_) {
    self->error_ =
        "it decompresses to more than " + limits::byte_count(self->max_bytes_) + ", pier's limit for a layer";
    archive_set_error(self->inner_, EFBIG, "%s", self->error_.c_str());
    return -1;
  }
  self->hasher_.update(block, size);
  self->bytes_ += size;
  *buffer = block;
  return static_cast<long>(size);
}

Result<std::unique_ptr<TarStream>> TarStream::open(const std::string& path, uint64_t max_bytes) {
  std::unique_ptr<TarStream> s(new TarStream());
  s->path_ = path;
  s->max_bytes_ = max_bytes;
  s->outer_ = archive_read_new();
  PIER_CHECK(require_builtin(archive_read_support_filter_gzip(s->outer_), s->outer_, "gzip"));
  PIER_CHECK(require_builtin(archive_read_support_filter_zstd(s->outer_), s->outer_, "zstd"));
  archive_read_support_format_raw(s->outer_);
  if (archive_read_open_filename(s->outer_, path.c_str(), 1 << 20) != ARCHIVE_OK)
    return Error("open layer `" + path + "`: " + archive_error_string(s->outer_));
  archive_entry* raw = nullptr;
  int rc = archive_read_next_header(s->outer_, &raw);
  if (rc == ARCHIVE_EOF) return Error("layer `" + path + "` is empty");
  if (rc != ARCHIVE_OK) return Error("read layer `" + path + "`: " + archive_error_string(s->outer_));
  s->inner_ = archive_read_new();
  archive_read_support_format_tar(s->inner_);
  archive_read_support_format_gnutar(s->inner_);
  if (archive_read_open(s->inner_, s.get(), nullptr, &TarStream::read_callback, nullptr) != ARCHIVE_OK)
    return Error("read tar in `" + path + "`: " + archive_error_string(s->inner_));
  return s;
}

Result<archive_entry*> TarStream::next() {
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(inner_, &entry);
  if (rc == ARCHIVE_EOF) return static_cast<archive_entry*>(nullptr);
  if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN) return entry;
  return Error("read tar member in `" + path_ + "`: " + archive_error_string(inner_));
}

Result<std::string> TarStream::finish_diff_id() {
  // The tar reader stops at the end-of-archive blocks; hash the rest (padding).
  const void* buffer = nullptr;
  for (;;) {
    long n = read_callback(inner_, this, &buffer);
    if (n < 0) return Error("read layer `" + path_ + "`: " + error_);
    if (n == 0) break;
  }
  return hasher_.finish();
}

}  // namespace pier::image
