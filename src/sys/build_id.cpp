#include "sys/build_id.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/strings.h"
#include "base/unique_fd.h"

namespace pier::sys {
namespace {

// A note segment larger than this is not a program's few notes: refused, not read.
constexpr size_t kMaxNotes = 64 * 1024;

size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

// The GNU build ID among the notes of one PT_NOTE segment, "" when there is none.
std::string build_id_in_notes(const unsigned char* notes, size_t size) {
  size_t off = 0;
  while (off + sizeof(ElfW(Nhdr)) <= size) {
    ElfW(Nhdr) note;
    std::memcpy(&note, notes + off, sizeof note);
    size_t name_at = off + sizeof note;
    size_t desc_at = name_at + align4(note.n_namesz);
    if (desc_at > size || note.n_descsz > size - desc_at) break;
    if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(notes + name_at, "GNU", 4) == 0)
      return hex_digits(notes + desc_at, note.n_descsz);
    off = desc_at + align4(note.n_descsz);
  }
  return "";
}

int main_program_notes(dl_phdr_info* info, size_t, void* out) {
  // The first object is the program itself; the rest are libraries.
  auto* id = static_cast<std::string*>(out);
  for (ElfW(Half) i = 0; i < info->dlpi_phnum && id->empty(); ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_NOTE) continue;
    *id = build_id_in_notes(reinterpret_cast<const unsigned char*>(info->dlpi_addr + segment.p_vaddr),
                            segment.p_memsz);
  }
  return 1;
}

Status read_at(int fd, void* buf, size_t size, off_t at, const std::string& path) {
  ssize_t n = ::pread(fd, buf, size, at);
  if (n < 0) return Error::system("read", path, errno);
  if (static_cast<size_t>(n) != size) return Error(path + ": not an ELF program (short read)");
  return {};
}

}  // namespace

const std::string& own_build_id() {
  static const std::string id = [] {
    std::string found;
    ::dl_iterate_phdr(main_program_notes, &found);
    return found;
  }();
  return id;
}

Result<std::string> build_id_of_file(const std::string& path) {
  // O_NONBLOCK: a FIFO planted at the path must not hang the caller.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) return Error::system("open", path, errno);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return Error::system("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Error(path + ": not a regular file");
  ElfW(Ehdr) header;
  PIER_CHECK(read_at(fd.get(), &header, sizeof header, 0, path));
  constexpr unsigned char kOwnClass = sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32;
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != kOwnClass ||
      header.e_phentsize != sizeof(ElfW(Phdr)) || header.e_phnum == 0 || header.e_phnum > 256)
    return Error(path + ": not an ELF program of this machine");
  std::vector<ElfW(Phdr)> segments(header.e_phnum);
  PIER_CHECK(read_at(fd.get(), segments.data(), segments.size() * sizeof(ElfW(Phdr)),
                     static_cast<off_t>(header.e_phoff), path));
  for (const auto& segment : segments) {
    if (segment.p_type != PT_NOTE) continue;
    if (segment.p_filesz > kMaxNotes) return Error(path + ": a note segment too large to be a program's");
    std::vector<unsigned char> notes(segment.p_filesz);
    PIER_CHECK(read_at(fd.get(), notes.data(), notes.size(), static_cast<off_t>(segment.p_offset), path));
    if (auto id = build_id_in_notes(notes.data(), notes.size()); !id.empty()) return id;
  }
  return std::string();
}

}  // namespace pier::sys
