#include "runtime/security/seccomp_cache.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "base/atomic_file.h"
#include "base/hash.h"
#include "base/unique_fd.h"
#include "sys/build_id.h"

namespace pier::runtime::seccomp_cache {
namespace {

constexpr char kMagic[8] = {'P', 'I', 'E', 'R', 'B', 'P', 'F', '1'};
// The kernel takes at most BPF_MAXINSNS (4096) instructions per filter.
constexpr uint32_t kMaxInstructions = 4096;
constexpr uint32_t kMaxKey = 1 << 20;

struct Header {
  char magic[8];
  uint32_t key_size;
  uint32_t instructions;
  uint64_t checksum;  // fnv1a of the key followed by the program's bytes
};

uint64_t checksum(const std::string& key, const SeccompProgram& program) {
  std::string text = key;
  text.append(reinterpret_cast<const char*>(program.data()), program.size() * sizeof(sock_filter));
  return fnv1a(text);
}

// A directory only this user can change: else someone else could plant an entry.
UniqueFd open_private_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) return {};
  if (st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) return {};
  return fd;
}

}  // namespace

std::optional<std::string> key_for(std::string_view profile) {
  // The running binary's GNU build ID changes with any change to pier's code, the
  // default profile's tables included.
  const std::string& build_id = sys::own_build_id();
  if (build_id.empty()) return std::nullopt;
  const scmp_version* v = seccomp_version();
  return fmt::format("pier-seccomp 1\nbuild {}\nlibseccomp {}.{}.{}\narch {:x}\n{}", build_id, v->major,
                     v->minor, v->micro, seccomp_arch_native(), profile);
}

std::string file_name(const std::string& key) { return fmt::format("{:016x}.bpf", fnv1a(key)); }

std::optional<SeccompProgram> load(const std::string& dir, const std::string& key) {
  UniqueFd dir_fd = open_private_dir(dir);
  if (!dir_fd) return std::nullopt;
  UniqueFd fd(::openat(dir_fd.get(), file_name(key).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 07777) != 0600) return std::nullopt;
  Header h{};
  if (::pread(fd.get(), &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h)) return std::nullopt;
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 || h.key_size != key.size() || h.key_size > kMaxKey ||
      h.instructions == 0 || h.instructions > kMaxInstructions)
    return std::nullopt;
  const size_t program_bytes = size_t{h.instructions} * sizeof(sock_filter);
  if (static_cast<size_t>(st.st_size) != sizeof h + h.key_size + program_bytes) return std::nullopt;
  std::string stored_key(h.key_size, '\0');
  if (::pread(fd.get(), stored_key.data(), h.key_size, sizeof h) != static_cast<ssize_t>(h.key_size) ||
      stored_key != key)
    return std::nullopt;
  SeccompProgram program(h.instructions);
  if (::pread(fd.get(), program.data(), program_bytes, static_cast<off_t>(sizeof h + h.key_size)) !=
      static_cast<ssize_t>(program_bytes))
    return std::nullopt;
  if (checksum(key, program) != h.checksum) return std::nullopt;
  return program;
}

Status store(const std::string& dir, const std::string& key, const SeccompProgram& program) {
  if (program.empty() || program.size() > kMaxInstructions || key.size() > kMaxKey)
    return Error("seccomp cache: program or key out of bounds");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Error::system("create directory", dir, errno);
  if (!open_private_dir(dir)) return Error("seccomp cache: `" + dir + "` is not a directory of this user's alone");
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.key_size = static_cast<uint32_t>(key.size());
  h.instructions = static_cast<uint32_t>(program.size());
  h.checksum = checksum(key, program);
  std::string content(reinterpret_cast<const char*>(&h), sizeof h);
  content += key;
  content.append(reinterpret_cast<const char*>(program.data()), program.size() * sizeof(sock_filter));
  // The run directory a reboot empties: crash-safe is enough, and a torn entry is a miss.
  return write_file_atomic(dir + "/" + file_name(key), content, 0600, Durability::crash_safe);
}

}  // namespace pier::runtime::seccomp_cache
