#include "runtime/security/seccomp.h"

#include <linux/capability.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/scope_exit.h"
#include "base/unique_fd.h"
#include "runtime/security/seccomp_cache.h"
#include "runtime/security/seccomp_profile.h"

namespace pier::runtime {

namespace {

constexpr uint64_t kNamespaceCloneFlags = 0x7E020000;  // CLONE_NEW{NS,CGROUP,UTS,IPC,USER,PID,NET}
constexpr int kFirstNewerThanProfileCeiling = 512;

Status check(int rc, const char* what) {
  if (rc < 0) return Error::system("seccomp", what, -rc);
  return {};
}

bool allowed_group(const seccomp_profile::Group& g, CapMask caps) {
  return g.required_cap < 0 || (caps & cap_bit(g.required_cap));
}

Status add_groups(scmp_filter_ctx ctx, CapMask caps, int& highest) {
  for (size_t i = 0; i < seccomp_profile::kGroupCount; ++i) {
    const auto& g = seccomp_profile::kGroups[i];
    for (const char* const* n = g.names; *n; ++n) {
      int nr = seccomp_syscall_resolve_name(*n);
      if (nr == __NR_SCMP_ERROR || nr < 0) continue;  // not on this architecture
      highest = std::max(highest, nr);
      if (allowed_group(g, caps)) PIER_CHECK(check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0), *n));
    }
  }
  for (const char* const* n = seccomp_profile::kNeverAllowed; *n; ++n) {
    int nr = seccomp_syscall_resolve_name(*n);
    if (nr >= 0) highest = std::max(highest, nr);
  }
  return {};
}

constexpr uint64_t kLow32 = 0xffffffffull;

// Allows `nr` when the low 32 bits of argument `arg` fall in [first, last]. The kernel
// reads an `int` or `unsigned int` argument from the low half of the register, so a
// plain comparison of the whole register would let 0x1_00000026 through as 38. libseccomp
// compares 64 bits (its SCMP_A0_32 only truncates the datum), so the range goes in as
// aligned power-of-two blocks, each a masked equality on the low half.
Status allow_low32_range(scmp_filter_ctx ctx, int nr, unsigned arg, uint64_t first, uint64_t last,
                         const char* what) {
  while (first <= last) {
    uint64_t size = 1;
    while (size <= kLow32 && (first & (2 * size - 1)) == 0 && first + 2 * size - 1 <= last) size *= 2;
    scmp_arg_cmp cmp{arg, SCMP_CMP_MASKED_EQ, kLow32 & ~(size - 1), first};
    PIER_CHECK(check(seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp), what));
    first += size;
  }
  return {};
}

Status add_conditional(scmp_filter_ctx ctx, CapMask caps) {
  if (caps & cap_bit(CAP_SYS_ADMIN)) {
    PIER_CHECK(check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0), "clone"));
  } else {
    // The mask has no high bits, so only the low half is compared, as the kernel reads it.
    PIER_CHECK(check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                      SCMP_A0(SCMP_CMP_MASKED_EQ, kNamespaceCloneFlags, 0)),
                     "clone"));
    // clone3 hides its flags in memory: ENOSYS makes libc fall back to clone.
    PIER_CHECK(check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3"));
  }
  // socket(int family, ...): every family but AF_ALG (38) and AF_VSOCK (40).
  PIER_CHECK(allow_low32_range(ctx, SCMP_SYS(socket), 0, 0, 37, "socket"));
  PIER_CHECK(allow_low32_range(ctx, SCMP_SYS(socket), 0, 39, 39, "socket"));
  PIER_CHECK(allow_low32_range(ctx, SCMP_SYS(socket), 0, 41, kLow32, "socket"));
  // personality(unsigned int): the same five values whatever the register's high half.
  for (uint64_t persona : {0x0ull, 0x0008ull, 0x20000ull, 0x20008ull, 0xffffffffull})
    PIER_CHECK(allow_low32_range(ctx, SCMP_SYS(personality), 0, persona, persona, "personality"));
  return {};
}

// A binary search on the syscall number instead of one comparison per rule in a row.
// Installing a filter, the kernel runs it once for every syscall number of every
// architecture it names (to cache which are always allowed), under a lock with
// interrupts off: with Docker's ~350 rules in a row that was 5% of the CPU time of
// `up -d`. Every syscall of the container also runs the filter, now in ~9 comparisons.
Status sorted_by_syscall(scmp_filter_ctx ctx) {
  return check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), "binary tree attribute");
}

Result<SeccompProgram> export_program(scmp_filter_ctx ctx) {
  UniqueFd fd(::memfd_create("pier-seccomp", MFD_CLOEXEC));
  if (!fd) return Error::system("memfd_create", "seccomp", errno);
  PIER_CHECK(check(seccomp_export_bpf(ctx, fd.get()), "export"));
  off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0) return Error("seccomp: exported program is empty");
  SeccompProgram prog(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(fd.get(), prog.data(), static_cast<size_t>(size), 0) != size)
    return Error::system("read", "seccomp program", errno);
  return prog;
}

// Like Docker: 32-bit x86 and x32 programs get the same rules instead of being killed.
// They go through a second context merged in, because the ENOSYS rules above are native
// syscall numbers that have no meaning on the other architectures.
Status merge_compat_arches(scmp_filter_ctx native, CapMask caps) {
  scmp_filter_ctx compat = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!compat) return Error("seccomp: seccomp_init failed");
  ScopeExit release([&] {
    if (compat) seccomp_release(compat);
  });
  PIER_CHECK(check(seccomp_attr_set(compat, SCMP_FLTATR_CTL_NNP, 0), "nnp attribute"));
  PIER_CHECK(sorted_by_syscall(compat));  // merging needs the same attributes on both
  PIER_CHECK(check(seccomp_arch_remove(compat, SCMP_ARCH_NATIVE), "remove native arch"));
  PIER_CHECK(check(seccomp_arch_add(compat, SCMP_ARCH_X86), "add x86"));
  PIER_CHECK(check(seccomp_arch_add(compat, SCMP_ARCH_X32), "add x32"));
  int ignored = 0;
  PIER_CHECK(add_groups(compat, caps, ignored));
  PIER_CHECK(add_conditional(compat, caps));
  PIER_CHECK(check(seccomp_merge(native, compat), "merge x86/x32"));
  compat = nullptr;  // merged into `native`
  return {};
}

Result<SeccompProgram> compile(CapMask caps) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!ctx) return Error("seccomp: seccomp_init failed");
  ScopeExit release([&] { seccomp_release(ctx); });
  // The child sets no_new_privs itself when asked; libseccomp must not force it.
  PIER_CHECK(check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "nnp attribute"));
  PIER_CHECK(sorted_by_syscall(ctx));
  int highest = 0;
  PIER_CHECK(add_groups(ctx, caps, highest));
  PIER_CHECK(add_conditional(ctx, caps));
  for (int nr = highest + 1; nr < kFirstNewerThanProfileCeiling; ++nr)
    PIER_CHECK(check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0), "newer syscalls"));
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) PIER_CHECK(merge_compat_arches(ctx, caps));
  return export_program(ctx);
}

uint32_t to_action(SeccompAction a, int errno_ret) {
  switch (a) {
    case SeccompAction::allow: return SCMP_ACT_ALLOW;
    case SeccompAction::errno_: return SCMP_ACT_ERRNO(static_cast<uint16_t>(errno_ret));
    case SeccompAction::kill_process: return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::kill_thread: return SCMP_ACT_KILL_THREAD;
    case SeccompAction::trap: return SCMP_ACT_TRAP;
    case SeccompAction::log: return SCMP_ACT_LOG;
  }
  return SCMP_ACT_ERRNO(EPERM);
}

scmp_arg_cmp to_cmp(const SeccompArg& a) {
  static constexpr scmp_compare kOps[] = {SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ,
                                          SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ};
  return scmp_arg_cmp{a.index, kOps[static_cast<int>(a.op)], a.value, a.value_two};
}

Result<SeccompProgram> compile_custom(const SeccompProfile& profile) {
  scmp_filter_ctx ctx = seccomp_init(to_action(profile.default_action, profile.default_errno));
  if (!ctx) return Error("seccomp: seccomp_init failed");
  ScopeExit release([&] { seccomp_release(ctx); });
  PIER_CHECK(check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "nnp attribute"));
  PIER_CHECK(sorted_by_syscall(ctx));
  for (const auto& rule : profile.rules) {
    std::vector<scmp_arg_cmp> args;
    for (const auto& a : rule.args) args.push_back(to_cmp(a));
    uint32_t action = to_action(rule.action, rule.errno_ret);
    for (const auto& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;
      int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(args.size()), args.data());
      if (rc < 0) return Error::system("seccomp rule for", name, -rc).hint("check the rule's action and arguments");
    }
  }
  return export_program(ctx);
}

// The profile as text, every field in a fixed order and every name with its length: two
// profiles with the same text are the same profile.
std::string canonical_text(const SeccompProfile& profile) {
  std::string text = fmt::format("custom default {} {}\n", static_cast<int>(profile.default_action),
                                 profile.default_errno);
  for (const auto& rule : profile.rules) {
    text += fmt::format("rule {} {} {}", static_cast<int>(rule.action), rule.errno_ret, rule.names.size());
    for (const auto& name : rule.names) text += fmt::format(" {}:{}", name.size(), name);
    for (const auto& a : rule.args)
      text += fmt::format(" arg {} {} {} {}", a.index, static_cast<int>(a.op), a.value, a.value_two);
    text += "\n";
  }
  return text;
}

std::mutex g_cache_mutex;
std::string g_cache_dir;                                                      // guarded by g_cache_mutex
std::map<std::string, std::shared_ptr<const SeccompProgram>> g_memory_cache;  // guarded by g_cache_mutex

// One program per profile text and process: from memory, else from the disk cache, else
// compiled (and stored for the next process).
template <class Compile>
Result<std::shared_ptr<const SeccompProgram>> cached_program(const std::string& profile_text, Compile compile) {
  std::lock_guard lock(g_cache_mutex);
  if (auto it = g_memory_cache.find(profile_text); it != g_memory_cache.end()) return it->second;
  std::optional<std::string> key;
  if (!g_cache_dir.empty()) key = seccomp_cache::key_for(profile_text);
  std::optional<SeccompProgram> program;
  if (key) program = seccomp_cache::load(g_cache_dir, *key);
  if (!program) {
    PIER_TRY(program, compile());
    // A cache that cannot be written costs the next process a compile, nothing more.
    if (key) (void)seccomp_cache::store(g_cache_dir, *key, *program);
  }
  auto shared = std::make_shared<const SeccompProgram>(std::move(*program));
  g_memory_cache.emplace(profile_text, shared);
  return shared;
}

}  // namespace

void set_seccomp_cache_dir(std::string dir) {
  std::lock_guard lock(g_cache_mutex);
  g_cache_dir = std::move(dir);
}

Result<std::shared_ptr<const SeccompProgram>> custom_seccomp_program(const SeccompProfile& profile) {
  return cached_program(canonical_text(profile), [&] { return compile_custom(profile); });
}

Result<std::shared_ptr<const SeccompProgram>> default_seccomp_program(CapMask caps) {
  return cached_program(fmt::format("default caps {:x}\n", caps), [&] { return compile(caps); });
}

}  // namespace pier::runtime
