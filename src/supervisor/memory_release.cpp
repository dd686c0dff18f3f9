#include "supervisor/memory_release.h"

#include <malloc.h>

namespace pier::supervisor {

void release_idle_memory() { ::malloc_trim(0); }

}  // namespace pier::supervisor
