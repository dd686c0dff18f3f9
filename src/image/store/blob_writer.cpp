#include "image/store/blob_writer.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>

namespace pier::image {

Result<BlobWriter> BlobWriter::create(const std::string& tmp_dir, const std::string& blobs_dir) {
  BlobWriter w;
  std::string tmpl = tmp_dir + "/blob-XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return Error::system("create temp blob in", tmp_dir, errno);
  w.fd_ = UniqueFd(fd);
  w.tmp_path_ = tmpl;
  w.blobs_dir_ = blobs_dir;
  return w;
}

BlobWriter::~BlobWriter() {
  if (!committed_ && !tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

Status BlobWriter::write(const void* data, size_t size) {
  auto* p = static_cast<const char*>(data);
  size_t left = size;
  while (left > 0) {
    ssize_t n = ::write(fd_.get(), p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("write", tmp_path_, errno);
    p += n;
    left -= static_cast<size_t>(n);
  }
  hasher_.update(data, size);
  size_ += size;
  return {};
}

Status BlobWriter::reset() {
  if (::ftruncate(fd_.get(), 0) != 0 || ::lseek(fd_.get(), 0, SEEK_SET) != 0)
    return Error::system("truncate", tmp_path_, errno);
  hasher_ = Sha256();
  size_ = 0;
  return {};
}

Result<std::string> BlobWriter::commit(std::string_view expected, int64_t expected_size) {
  std::string actual = hasher_.finish();
  if (expected_size >= 0 && static_cast<uint64_t>(expected_size) != size_)
    return Error("blob " + std::string(expected) + " has " + std::to_string(size_) + " bytes, expected " +
                 std::to_string(expected_size));
  if (!expected.empty() && actual != expected)
    return Error("digest mismatch: expected " + std::string(expected) + ", got " + actual)
        .hint("the registry or archive sent corrupted data; nothing was stored");
  if (::fsync(fd_.get()) != 0) return Error::system("fsync", tmp_path_, errno);
  fd_.reset();
  std::string final_path = blobs_dir_ + "/" + actual.substr(7);
  if (::rename(tmp_path_.c_str(), final_path.c_str()) != 0) return Error::system("rename blob to", final_path, errno);
  committed_ = true;
  return actual;
}

}  // namespace pier::image
