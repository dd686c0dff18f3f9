// Compiled seccomp programs kept on disk, so that a process compiles a profile only when
// no process before it did (libseccomp takes ~10 ms of CPU per program; a supervisor
// started for one `pier run` would pay it every time).
//
// An entry is a security boundary: the program it holds is what confines a container.
// So an entry is used only when everything about it checks out, and otherwise ignored
// (the caller compiles, and overwrites it):
//   - the directory is this user's own and no one else may write to it, and the entry is
//     a regular file of this user's, mode 0600, opened without following a link;
//   - the entry names the exact key it was compiled for, byte for byte: pier's build
//     (the GNU build ID of the running binary), libseccomp's version, the native
//     architecture and the whole profile. The file name is only a hash of the key, so a
//     hash collision is a miss, never another profile's program;
//   - its size, header and checksum (over key and program) are those of a whole entry
//     written by store(): a truncated or altered file is a miss.
// Entries are written whole (temp file, rename), 0600.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "runtime/security/seccomp.h"

namespace pier::runtime::seccomp_cache {

// The key of a program compiled from `profile` (a canonical text of the profile) by this
// binary and this libseccomp; nullopt when the binary has no build ID (then nothing is
// cached: another build could not be told apart).
std::optional<std::string> key_for(std::string_view profile);

// The program stored under `key` in `dir`, when a valid entry is there.
std::optional<SeccompProgram> load(const std::string& dir, const std::string& key);

// Stores `program` under `key`, creating `dir` (0700) when missing.
Status store(const std::string& dir, const std::string& key, const SeccompProgram& program);

// The entry's file name in its directory.
std::string file_name(const std::string& key);

}  // namespace pier::runtime::seccomp_cache
