#include "runtime/sysctls.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace pier::runtime {

namespace {

// System V IPC and POSIX message queue limits: scoped by the IPC namespace.
bool ipc_sysctl(const std::string& key) {
  return key == "kernel.sem" || starts_with(key, "kernel.msg") || starts_with(key, "kernel.shm") ||
         starts_with(key, "fs.mqueue.");
}

std::string shared_with(const NamespaceMode& mode) {
  return mode.kind == NamespaceMode::Kind::host ? "the host's" : "another container's";
}

}  // namespace

Status check_sysctl(const std::string& key, const std::string& value, const Namespaces& ns) {
  if (ipc_sysctl(key)) {
    if (!ns.ipc.owned())
      return Error(fmt::format("sysctl `{}` belongs to the IPC namespace, and this container uses {}", key,
                               shared_with(ns.ipc)))
          .hint("remove the sysctl, or set it on the container that owns the IPC namespace (`ipc: shareable`)");
  } else if (starts_with(key, "net.")) {
    if (!ns.net.owned())
      return Error(fmt::format("sysctl `{}` belongs to the network namespace, and this container uses {}", key,
                               shared_with(ns.net)))
          .hint("remove the sysctl, or set it on the container that owns the network namespace");
  } else {
    return Error(fmt::format("sysctl `{}` is not namespaced: it would change the host", key))
        .hint("only kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.* are allowed");
  }
  if (value.find_first_of("=+\n") != std::string::npos)
    return Error(fmt::format("sysctl `{}`: value `{}` contains a separator", key, value));
  return {};
}

}  // namespace pier::runtime
