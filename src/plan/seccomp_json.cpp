#include "plan/seccomp_json.h"

#include <sys/utsname.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace pier::plan {

namespace {

using Json = nlohmann::json;
using runtime::SeccompAction;
using runtime::SeccompArg;

Result<SeccompAction> parse_action(const std::string& name) {
  if (name == "SCMP_ACT_ALLOW") return SeccompAction::allow;
  if (name == "SCMP_ACT_ERRNO") return SeccompAction::errno_;
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SeccompAction::kill_thread;
  if (name == "SCMP_ACT_KILL_PROCESS") return SeccompAction::kill_process;
  if (name == "SCMP_ACT_TRAP") return SeccompAction::trap;
  if (name == "SCMP_ACT_LOG") return SeccompAction::log;
  if (name == "SCMP_ACT_TRACE" || name == "SCMP_ACT_NOTIFY")
    return Error(fmt::format("action `{}` is not supported", name)).hint("pier has no tracer or seccomp agent");
  return Error(fmt::format("unknown action `{}`", name));
}

Result<SeccompArg::Op> parse_op(const std::string& name) {
  static const std::pair<const char*, SeccompArg::Op> kOps[] = {
      {"SCMP_CMP_NE", SeccompArg::Op::ne}, {"SCMP_CMP_LT", SeccompArg::Op::lt},
      {"SCMP_CMP_LE", SeccompArg::Op::le}, {"SCMP_CMP_EQ", SeccompArg::Op::eq},
      {"SCMP_CMP_GE", SeccompArg::Op::ge}, {"SCMP_CMP_GT", SeccompArg::Op::gt},
      {"SCMP_CMP_MASKED_EQ", SeccompArg::Op::masked_eq}};
  for (const auto& [n, op] : kOps)
    if (name == n) return op;
  return Error(fmt::format("unknown argument operator `{}`", name));
}

// nlohmann's own messages are fine ("type must be string, but is number"); this adds
// which field was wrong.
template <class T>
Result<T> field(const Json& obj, const char* key, T fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const Json::exception& e) {
    return Error(fmt::format("`{}`: {}", key, e.what()));
  }
}

bool has_cap(runtime::CapMask caps, const std::string& name) {
  std::string want = to_lower(name);
  if (!starts_with(want, "cap_")) want = "cap_" + want;
  for (const auto& have : runtime::cap_names(caps))
    if (have == want) return true;
  return false;
}

bool kernel_at_least(const SeccompTarget& t, const std::string& version) {
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) < 1) return false;
  return t.kernel_major > major || (t.kernel_major == major && t.kernel_minor >= minor);
}

bool is_native(const SeccompTarget& t, const std::vector<std::string>& arches) {
  for (const auto& a : arches)
    for (const auto& n : t.arch_names)
      if (a == n) return true;
  return false;
}

// Docker's rule: an `excludes` match or an unmet `includes` drops the rule; every
// listed include capability is needed.
Result<bool> applies(const Json& rule, const SeccompTarget& t) {
  if (auto ex = rule.find("excludes"); ex != rule.end() && ex->is_object()) {
    PIER_TRY(auto arches, field<std::vector<std::string>>(*ex, "arches", {}));
    PIER_TRY(auto caps, field<std::vector<std::string>>(*ex, "caps", {}));
    PIER_TRY(auto min_kernel, field<std::string>(*ex, "minKernel", ""));
    if (is_native(t, arches)) return false;
    for (const auto& c : caps)
      if (has_cap(t.caps, c)) return false;
    if (!min_kernel.empty() && kernel_at_least(t, min_kernel)) return false;
  }
  if (auto in = rule.find("includes"); in != rule.end() && in->is_object()) {
    PIER_TRY(auto arches, field<std::vector<std::string>>(*in, "arches", {}));
    PIER_TRY(auto caps, field<std::vector<std::string>>(*in, "caps", {}));
    PIER_TRY(auto min_kernel, field<std::string>(*in, "minKernel", ""));
    if (!arches.empty() && !is_native(t, arches)) return false;
    for (const auto& c : caps)
      if (!has_cap(t.caps, c)) return false;
    if (!min_kernel.empty() && !kernel_at_least(t, min_kernel)) return false;
  }
  return true;
}

Result<SeccompArg> parse_arg(const Json& a) {
  if (!a.is_object()) return Error("an argument must be an object");
  SeccompArg arg;
  PIER_TRY(arg.index, field<unsigned>(a, "index", 0));
  if (arg.index > 5) return Error(fmt::format("argument index {} is out of range 0..5", arg.index));
  PIER_TRY(arg.value, field<uint64_t>(a, "value", 0));
  PIER_TRY(arg.value_two, field<uint64_t>(a, "valueTwo", 0));
  PIER_TRY(std::string op, field<std::string>(a, "op", ""));
  PIER_TRY(arg.op, parse_op(op));
  return arg;
}

Result<runtime::SeccompRule> parse_rule(const Json& r) {
  if (!r.is_object()) return Error("a syscall rule must be an object");
  runtime::SeccompRule rule;
  PIER_TRY(rule.names, field<std::vector<std::string>>(r, "names", {}));
  PIER_TRY(std::string name, field<std::string>(r, "name", ""));
  if (!name.empty()) {
    if (!rule.names.empty()) return Error("use either `name` or `names`, not both");
    rule.names.push_back(name);
  }
  if (rule.names.empty()) return Error("the rule names no syscall");
  PIER_TRY(std::string action, field<std::string>(r, "action", ""));
  PIER_TRY(rule.action, parse_action(action));
  PIER_TRY(rule.errno_ret, field<int>(r, "errnoRet", 1));
  if (auto args = r.find("args"); args != r.end() && !args->is_null()) {
    if (!args->is_array()) return Error("`args` must be a list");
    for (const auto& a : *args) {
      PIER_TRY(SeccompArg arg, parse_arg(a));
      rule.args.push_back(arg);
    }
  }
  return rule;
}

}  // namespace

SeccompTarget host_seccomp_target(runtime::CapMask caps) {
  SeccompTarget t;
  t.caps = caps;
  utsname u{};
  if (::uname(&u) == 0) {
    std::sscanf(u.release, "%d.%d", &t.kernel_major, &t.kernel_minor);
    std::string m = u.machine;
    // Profiles name architectures as Go does (moby's default.json: amd64, arm64, ...).
    if (m == "x86_64") t.arch_names = {"amd64", "x86_64"};
    else if (m == "aarch64") t.arch_names = {"arm64", "aarch64"};
    else if (m == "i686" || m == "i386") t.arch_names = {"386", "x86"};
    else t.arch_names = {m};
  }
  return t;
}

Result<runtime::SeccompProfile> parse_seccomp_profile(std::string_view text, const SeccompTarget& target) {
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error("not a JSON object");
  runtime::SeccompProfile profile;
  PIER_TRY(std::string action, field<std::string>(doc, "defaultAction", ""));
  if (action.empty()) return Error("`defaultAction` is missing");
  auto parsed = parse_action(action);
  if (!parsed) return std::move(parsed).error().context("defaultAction");
  profile.default_action = *parsed;
  PIER_TRY(profile.default_errno, field<int>(doc, "defaultErrnoRet", 1));
  auto rules = doc.find("syscalls");
  if (rules == doc.end() || rules->is_null()) return profile;
  if (!rules->is_array()) return Error("`syscalls` must be a list");
  for (size_t i = 0; i < rules->size(); ++i) {
    const Json& r = (*rules)[i];
    auto rule = parse_rule(r);
    if (!rule) return std::move(rule).error().context(fmt::format("syscalls[{}]", i));
    auto use = applies(r, target);
    if (!use) return std::move(use).error().context(fmt::format("syscalls[{}]", i));
    if (*use) profile.rules.push_back(std::move(*rule));
  }
  return profile;
}

}  // namespace pier::plan
