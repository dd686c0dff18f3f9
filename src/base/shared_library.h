// A system library that pier loads the first time it calls into it, not at start-up.
//
// Every pier process starts through the dynamic loader, and most of its work there was
// for libraries that only pulls, image archives, builds, published ports and hashes use:
// libcurl with its TLS, LDAP and Kerberos chain, libarchive with libxml2 and ICU,
// libnftables, libcrypto. Each such library has one file of forwarding functions
// (image/lazy/libcurl.cpp, image/lazy/libarchive.cpp, net/lazy/libnftables.cpp,
// base/lazy/libcrypto.cpp) that define the library's own functions with its own
// signatures (so the compiler checks them against its header) and forward to the real
// ones through a SharedLibrary. The code that uses the library is written as if it were
// linked; the binary no longer names the library in DT_NEEDED.
#pragma once

#include <mutex>

namespace pier {

class SharedLibrary {
 public:
  // `soname`: what dlopen loads ("libcurl.so.4", the name the build linked against);
  // `package`: the Debian package that ships it, for the message when it is missing.
  SharedLibrary(const char* soname, const char* package) : soname_(soname), package_(package) {}
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  // The address of `name`, loading the library on first use (thread-safe). A missing
  // library or symbol is an installation that cannot work: like the dynamic loader at
  // start-up, the process ends (exit 127) with a message naming the library, the symbol
  // and the package to install.
  void* symbol(const char* name);

  // Typed: `library.function<decltype(::curl_easy_init)>("curl_easy_init")`.
  template <class Fn>
  Fn* function(const char* name) {
    return reinterpret_cast<Fn*>(symbol(name));
  }

 private:
  [[noreturn]] void fail(const char* what, const char* detail) const;

  const char* soname_;
  const char* package_;
  std::once_flag once_;
  void* handle_ = nullptr;
};

}  // namespace pier

// The body of a forwarding function: the real `name` from `library`, resolved once per
// process. Used only in the lazy/ files that stand in for a library.
#define PIER_FORWARD(library, name)                                         \
  ([]() {                                                                   \
    static auto* const real = (library).function<decltype(::name)>(#name); \
    return real;                                                            \
  }())
