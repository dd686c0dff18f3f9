#include "base/shared_library.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace pier {

void* SharedLibrary::symbol(const char* name) {
  std::call_once(once_, [this] {
    // RTLD_NOW: a library whose own dependencies are broken fails here, at one place,
    // not at some later call. RTLD_LOCAL: its symbols stay out of the global scope.
    handle_ = ::dlopen(soname_, RTLD_NOW | RTLD_LOCAL);
    if (!handle_) fail("cannot load it", ::dlerror());
  });
  ::dlerror();
  void* address = ::dlsym(handle_, name);
  if (!address) fail("it lacks a function pier calls", ::dlerror());
  return address;
}

void SharedLibrary::fail(const char* what, const char* detail) const {
  // The process may be a multi-threaded supervisor: no logging machinery, one write.
  std::fprintf(stderr, "pier: %s: %s: %s (install the Debian package `%s`)\n", soname_, what,
               detail ? detail : "unknown error", package_);
  std::fflush(stderr);
  std::_Exit(127);
}

}  // namespace pier
