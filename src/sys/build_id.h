// The GNU build ID (NT_GNU_BUILD_ID) the linker writes into each program: a hash of the
// linked output, so two copies of one build share it and any rebuild that changes code
// changes it. The CLI compares it with its supervisor's to find a supervisor left
// running by another pier build (an upgrade, a rebuild) and hand the project over.
#pragma once

#include <string>

#include "base/result.h"

namespace pier::sys {

// This process's program, read from its mapped notes (no file access): lowercase hex,
// "" when the program was linked without one.
const std::string& own_build_id();

// The build ID of the ELF program at `path`, read from its note segments: "" when it has
// none; an error when it cannot be opened or is not an ELF file of this machine's class.
Result<std::string> build_id_of_file(const std::string& path);

}  // namespace pier::sys
