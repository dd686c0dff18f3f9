#include "image/archive/archive_members.h"

#include <archive.h>
#include <archive_entry.h>

#include "base/path.h"
#include "base/strings.h"
#include "image/limits.h"
#include "image/unpack/in_root.h"

namespace pier::image {
namespace {

constexpr int kMaxSymlinkHops = 8;

struct ArchiveReader {
  archive* a = archive_read_new();
  ~ArchiveReader() { archive_read_free(a); }
};

// The member's header size is checked before a byte is stored, and every data
// block is checked against it as it is written: a blob never grows past what
// the header admitted. Image archives have no sparse members (docker save and
// skopeo write none); one here would need its holes filled in, so it is refused.
Status copy_member_to_blob(archive* a, archive_entry* e, const Store& store, const std::string& name,
                           const std::string& expected, std::string& digest) {
  la_int64_t declared = archive_entry_size(e);
  if (archive_entry_sparse_count(e) > 0) return Error("refusing archive member `" + name + "`: it is a sparse file");
  if (declared < 0 || static_cast<uint64_t>(declared) > limits::kMaxLayerBytes)
    return Error("refusing archive member `" + name + "`: its header gives " + std::to_string(declared) +
                 " bytes, more than " + limits::byte_count(limits::kMaxLayerBytes) + ", pier's limit for a layer");
  const auto size_limit = static_cast<uint64_t>(declared);
  PIER_TRY(BlobWriter blob, store.new_blob());
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  for (;;) {
    int rc = archive_read_data_block(a, &block, &size, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) return Error("read archive member `" + name + "`: " + archive_error_string(a));
    if (static_cast<uint64_t>(offset) != blob.size() || size > size_limit - blob.size())
      return Error("refusing archive member `" + name + "`: its data does not match its header's size");
    PIER_CHECK(blob.write(block, size));
  }
  PIER_TRY(digest, blob.commit(expected, declared));
  return {};
}

Result<std::string> read_small_member(archive* a, const std::string& name, int64_t size, uint64_t& json_bytes) {
  if (size < 0 || static_cast<uint64_t>(size) > limits::kMaxArchiveJsonMemberBytes)
    return Error("archive member `" + name + "` is " + std::to_string(size) + " bytes, more than " +
                 limits::byte_count(limits::kMaxArchiveJsonMemberBytes) + ", pier's limit for a JSON document");
  json_bytes += static_cast<uint64_t>(size);
  if (json_bytes > limits::kMaxArchiveJsonBytes)
    return Error("archive's JSON members add up to more than " + limits::byte_count(limits::kMaxArchiveJsonBytes) +
                 ", pier's limit for an archive");
  std::string out(static_cast<size_t>(size), '\0');
  la_ssize_t n = archive_read_data(a, out.data(), out.size());
  if (n != static_cast<la_ssize_t>(size)) return Error("read archive member `" + name + "`: short read");
  return out;
}

std::string resolve_relative(const std::string& member, const std::string& target) {
  auto slash = member.rfind('/');
  std::string joined = target.starts_with("/") ? target
                                               : (slash == std::string::npos ? "" : member.substr(0, slash + 1)) + target;
  return clean_rooted_path(joined).substr(1);  // ".." stops at the archive's top
}

Status take_member(archive* a, archive_entry* e, const Store& store, ArchiveMembers& out, uint64_t& json_bytes) {
  PIER_TRY(auto parts, clean_member_path(archive_entry_pathname(e) ? archive_entry_pathname(e) : ""));
  std::string name = join(parts, "/");
  if (archive_entry_filetype(e) == AE_IFLNK) {
    out.symlinks[name] = resolve_relative(name, archive_entry_symlink(e));
    return {};
  }
  if (archive_entry_filetype(e) != AE_IFREG) return {};
  if (name.starts_with("blobs/sha256/")) {
    std::string digest;
    PIER_CHECK(copy_member_to_blob(a, e, store, name, "sha256:" + name.substr(13), digest));
    out.blobs[name] = digest;
  } else if (ends_with(name, ".json") || name == "oci-layout" || name == "repositories") {
    PIER_TRY(out.json_files[name], read_small_member(a, name, archive_entry_size(e), json_bytes));
  } else if (ends_with(name, ".tar") || ends_with(name, ".tar.gz")) {
    std::string digest;
    PIER_CHECK(copy_member_to_blob(a, e, store, name, {}, digest));
    out.blobs[name] = digest;
  }
  return {};
}

}  // namespace

Result<std::string> ArchiveMembers::digest_of(const std::string& member) const {
  std::string name = member;
  for (int hop = 0; hop <= kMaxSymlinkHops; ++hop) {
    if (auto it = blobs.find(name); it != blobs.end()) return it->second;
    auto link = symlinks.find(name);
    if (link == symlinks.end()) break;
    name = link->second;
  }
  return Error("archive has no member `" + member + "`");
}

Result<std::string> ArchiveMembers::text_of(const Store& store, const std::string& member) const {
  if (auto it = json_files.find(member); it != json_files.end()) return it->second;
  PIER_TRY(std::string digest, digest_of(member));
  return store.read_blob(digest, limits::kMaxArchiveJsonMemberBytes);
}

Result<ArchiveMembers> read_archive_members(const Store& store, const std::string& path) {
  ArchiveReader r;
  if (archive_read_support_filter_gzip(r.a) != ARCHIVE_OK || archive_read_support_filter_zstd(r.a) != ARCHIVE_OK)
    return Error("libarchive lacks built-in gzip/zstd support");
  archive_read_support_format_tar(r.a);
  if (archive_read_open_filename(r.a, path.c_str(), 1 << 20) != ARCHIVE_OK)
    return Error("open archive `" + path + "`: " + archive_error_string(r.a));
  ArchiveMembers out;
  uint64_t json_bytes = 0;  // held in memory, bounded in total
  for (;;) {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(r.a, &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      return Error("read archive `" + path + "`: " + archive_error_string(r.a));
    PIER_CHECK(take_member(r.a, e, store, out, json_bytes));
  }
  return out;
}

}  // namespace pier::image
