// libarchive, loaded the first time pier reads or writes an archive (layers, `image
// load`/`import`, build layers; see base/shared_library.h): each function here is
// libarchive's own, forwarding to the real one. Add a function here when image/ or
// builder/ starts calling it; the linker names any that is missing.
#include <archive.h>
#include <archive_entry.h>

#include <cstdarg>
#include <cstdio>

#include "base/shared_library.h"

namespace {
pier::SharedLibrary libarchive(PIER_LIBARCHIVE_SONAME, PIER_LIBARCHIVE_PACKAGE);
}  // namespace

extern "C" {

time_t archive_entry_atime(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_atime)(a);
}
int archive_entry_atime_is_set(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_atime_is_set)(a);
}
long archive_entry_atime_nsec(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_atime_nsec)(a);
}
mode_t archive_entry_filetype(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_filetype)(a);
}
void archive_entry_free(archive_entry* a) { PIER_FORWARD(libarchive, archive_entry_free)(a); }
la_int64_t archive_entry_gid(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_gid)(a);
}
const char* archive_entry_hardlink(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_hardlink)(a);
}
time_t archive_entry_mtime(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_mtime)(a);
}
long archive_entry_mtime_nsec(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_mtime_nsec)(a);
}
archive_entry* archive_entry_new() { return PIER_FORWARD(libarchive, archive_entry_new)(); }
const char* archive_entry_pathname(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_pathname)(a);
}
mode_t archive_entry_perm(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_perm)(a);
}
dev_t archive_entry_rdevmajor(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_rdevmajor)(a);
}
dev_t archive_entry_rdevminor(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_rdevminor)(a);
}
void archive_entry_set_filetype(archive_entry* a, unsigned int b) {
  PIER_FORWARD(libarchive, archive_entry_set_filetype)(a, b);
}
void archive_entry_set_gid(archive_entry* a, la_int64_t b) {
  PIER_FORWARD(libarchive, archive_entry_set_gid)(a, b);
}
void archive_entry_set_hardlink(archive_entry* a, const char* b) {
  PIER_FORWARD(libarchive, archive_entry_set_hardlink)(a, b);
}
void archive_entry_set_mtime(archive_entry* a, time_t b, long c) {
  PIER_FORWARD(libarchive, archive_entry_set_mtime)(a, b, c);
}
void archive_entry_set_pathname(archive_entry* a, const char* b) {
  PIER_FORWARD(libarchive, archive_entry_set_pathname)(a, b);
}
void archive_entry_set_perm(archive_entry* a, mode_t b) {
  PIER_FORWARD(libarchive, archive_entry_set_perm)(a, b);
}
void archive_entry_set_rdev(archive_entry* a, dev_t b) {
  PIER_FORWARD(libarchive, archive_entry_set_rdev)(a, b);
}
void archive_entry_set_size(archive_entry* a, la_int64_t b) {
  PIER_FORWARD(libarchive, archive_entry_set_size)(a, b);
}
void archive_entry_set_symlink(archive_entry* a, const char* b) {
  PIER_FORWARD(libarchive, archive_entry_set_symlink)(a, b);
}
void archive_entry_set_uid(archive_entry* a, la_int64_t b) {
  PIER_FORWARD(libarchive, archive_entry_set_uid)(a, b);
}
la_int64_t archive_entry_size(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_size)(a);
}
int archive_entry_sparse_count(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_sparse_count)(a);
}
const char* archive_entry_symlink(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_symlink)(a);
}
la_int64_t archive_entry_uid(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_uid)(a);
}
int archive_entry_xattr_next(archive_entry* a, const char** b, const void** c, size_t* d) {
  return PIER_FORWARD(libarchive, archive_entry_xattr_next)(a, b, c, d);
}
int archive_entry_xattr_reset(archive_entry* a) {
  return PIER_FORWARD(libarchive, archive_entry_xattr_reset)(a);
}
const char* archive_error_string(archive* a) {
  return PIER_FORWARD(libarchive, archive_error_string)(a);
}
la_ssize_t archive_read_data(archive* a, void* b, size_t c) {
  return PIER_FORWARD(libarchive, archive_read_data)(a, b, c);
}
int archive_read_data_block(archive* a, const void** b, size_t* c, la_int64_t* d) {
  return PIER_FORWARD(libarchive, archive_read_data_block)(a, b, c, d);
}
int archive_read_free(archive* a) { return PIER_FORWARD(libarchive, archive_read_free)(a); }
archive* archive_read_new() { return PIER_FORWARD(libarchive, archive_read_new)(); }
int archive_read_next_header(archive* a, archive_entry** b) {
  return PIER_FORWARD(libarchive, archive_read_next_header)(a, b);
}
int archive_read_open(archive* a, void* b, archive_open_callback* c, archive_read_callback* d, archive_close_callback* e) {
  return PIER_FORWARD(libarchive, archive_read_open)(a, b, c, d, e);
}
int archive_read_open_fd(archive* a, int b, size_t c) {
  return PIER_FORWARD(libarchive, archive_read_open_fd)(a, b, c);
}
int archive_read_open_filename(archive* a, const char* b, size_t c) {
  return PIER_FORWARD(libarchive, archive_read_open_filename)(a, b, c);
}
int archive_read_support_filter_all(archive* a) {
  return PIER_FORWARD(libarchive, archive_read_support_filter_all)(a);
}
int archive_read_support_filter_gzip(archive* a) {
  return PIER_FORWARD(libarchive, archive_read_support_filter_gzip)(a);
}
int archive_read_support_filter_zstd(archive* a) {
  return PIER_FORWARD(libarchive, archive_read_support_filter_zstd)(a);
}
int archive_read_support_format_gnutar(archive* a) {
  return PIER_FORWARD(libarchive, archive_read_support_format_gnutar)(a);
}
int archive_read_support_format_raw(archive* a) {
  return PIER_FORWARD(libarchive, archive_read_support_format_raw)(a);
}
int archive_read_support_format_tar(archive* a) {
  return PIER_FORWARD(libarchive, archive_read_support_format_tar)(a);
}
int archive_write_close(archive* a) { return PIER_FORWARD(libarchive, archive_write_close)(a); }
la_ssize_t archive_write_data(archive* a, const void* b, size_t c) {
  return PIER_FORWARD(libarchive, archive_write_data)(a, b, c);
}
int archive_write_free(archive* a) { return PIER_FORWARD(libarchive, archive_write_free)(a); }
int archive_write_header(archive* a, archive_entry* b) {
  return PIER_FORWARD(libarchive, archive_write_header)(a, b);
}
archive* archive_write_new() { return PIER_FORWARD(libarchive, archive_write_new)(); }
int archive_write_open2(archive* a, void* b, archive_open_callback* c, archive_write_callback* d, archive_close_callback* e, archive_free_callback* f) {
  return PIER_FORWARD(libarchive, archive_write_open2)(a, b, c, d, e, f);
}
int archive_write_set_bytes_per_block(archive* a, int b) {
  return PIER_FORWARD(libarchive, archive_write_set_bytes_per_block)(a, b);
}
int archive_write_set_format_pax_restricted(archive* a) {
  return PIER_FORWARD(libarchive, archive_write_set_format_pax_restricted)(a);
}

// Variadic with no va_list twin in libarchive: format here, pass the text on as "%s".
void archive_set_error(archive* a, int error, const char* format, ...) {
  char message[512];
  va_list ap;
  va_start(ap, format);
  std::vsnprintf(message, sizeof message, format, ap);
  va_end(ap);
  PIER_FORWARD(libarchive, archive_set_error)(a, error, "%s", message);
}

}  // extern "C"
