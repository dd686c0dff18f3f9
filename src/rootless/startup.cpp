#include "rootless/startup.h"

#include <unistd.h>

#include <cstdio>

#include "base/dirs.h"
#include "rootless/join.h"
#include "rootless/private_dir.h"
#include "sys/user_namespace.h"

namespace pier::rootless {
namespace {

Status make_run_dir(const Locations& where) {
  if (!where.run_in_tmp) return make_dirs(where.run, 0700);
  PIER_TRY(bool created, ensure_private_dir(where.run));
  if (created)
    std::fprintf(stderr,
                 "warning: XDG_RUNTIME_DIR is not set: pier keeps its run state in `%s`, which a reboot "
                 "does not empty (log in through a session that sets XDG_RUNTIME_DIR, see docs/rootless.md)\n",
                 where.run.c_str());
  return {};
}

}  // namespace

Result<std::optional<Locations>> start_rootless() {
  // A user's pier joins its namespace below; sys::rootless() is asked only when the
  // answer can no longer change (it is read once per process).
  bool outside = ::geteuid() != 0;
  if (!outside && !sys::rootless()) return std::optional<Locations>();
  PIER_TRY(Locations where, user_locations());
  PIER_CHECK(make_run_dir(where).context("rootless pier"));
  PIER_CHECK(make_dirs(where.data, 0700).context("rootless pier: pier's data directory"));
  if (outside) PIER_CHECK(join_user_namespaces(where.run).context("rootless pier"));
  return std::optional<Locations>(std::move(where));
}

}  // namespace pier::rootless
