#include <catch2/catch.hpp>
#include <linux/capability.h>

#include "plan/seccomp_json.h"

using namespace pier;
using namespace pier::plan;
using runtime::SeccompAction;
using runtime::SeccompArg;

namespace {

SeccompTarget amd64(runtime::CapMask caps = runtime::default_caps()) {
  SeccompTarget t;
  t.caps = caps;
  t.arch_names = {"amd64", "x86_64"};
  t.kernel_major = 6;
  t.kernel_minor = 1;
  return t;
}

std::string error_of(const std::string& json) {
  auto p = parse_seccomp_profile(json, amd64());
  return p ? "<no error>" : p.error().to_string();
}

}  // namespace

TEST_CASE("seccomp json: actions, errno and argument conditions", "[plan][seccomp]") {
  auto p = parse_seccomp_profile(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"name": "ptrace", "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"},
                {"index": 1, "value": 7, "op": "SCMP_CMP_GE"}]},
      {"names": ["reboot"], "action": "SCMP_ACT_KILL"},
      {"names": ["kexec_load"], "action": "SCMP_ACT_KILL_PROCESS"},
      {"names": ["acct"], "action": "SCMP_ACT_LOG"},
      {"names": ["swapon"], "action": "SCMP_ACT_TRAP"}
    ]})", amd64());
  REQUIRE(p);
  CHECK(p->default_action == SeccompAction::errno_);
  CHECK(p->default_errno == 1);
  REQUIRE(p->rules.size() == 7);
  CHECK(p->rules[0].action == SeccompAction::allow);
  CHECK(p->rules[1].names == std::vector<std::string>{"ptrace"});
  CHECK(p->rules[1].errno_ret == 13);
  REQUIRE(p->rules[2].args.size() == 2);
  CHECK(p->rules[2].args[0].op == SeccompArg::Op::masked_eq);
  CHECK(p->rules[2].args[0].value == 0x7E020000u);
  CHECK(p->rules[2].args[0].value_two == 0);
  CHECK(p->rules[2].args[1].index == 1);
  CHECK(p->rules[2].args[1].op == SeccompArg::Op::ge);
  CHECK(p->rules[3].action == SeccompAction::kill_thread);
  CHECK(p->rules[4].action == SeccompAction::kill_process);
  CHECK(p->rules[5].action == SeccompAction::log);
  CHECK(p->rules[6].action == SeccompAction::trap);
}

TEST_CASE("seccomp json: includes and excludes decide per container", "[plan][seccomp]") {
  const std::string json = R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["a"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["b"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["c"], "action": "SCMP_ACT_ERRNO", "includes": {"arches": ["arm64"]}},
    {"names": ["d"], "action": "SCMP_ACT_ERRNO", "includes": {"arches": ["amd64", "x32"]}},
    {"names": ["e"], "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "4.8"}},
    {"names": ["f"], "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "6.2"}},
    {"names": ["g"], "action": "SCMP_ACT_ERRNO", "excludes": {"arches": ["amd64"]}}
  ]})";
  auto names = [](const runtime::SeccompProfile& p) {
    std::string out;
    for (const auto& r : p.rules) out += r.names[0];
    return out;
  };
  CHECK(names(parse_seccomp_profile(json, amd64()).value()) == "bde");
  CHECK(names(parse_seccomp_profile(json, amd64(runtime::default_caps() | runtime::cap_bit(CAP_SYS_ADMIN))).value()) ==
        "ade");
}

TEST_CASE("seccomp json: errors name the rule", "[plan][seccomp]") {
  CHECK(error_of("[]") == "not a JSON object");
  CHECK(error_of("{") == "not a JSON object");
  CHECK(error_of(R"({"syscalls": []})") == "`defaultAction` is missing");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_TRACE"}]})") ==
        "syscalls[0]: action `SCMP_ACT_TRACE` is not supported (pier has no tracer or seccomp agent)");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ALLOW",
                     "args": [{"index": 9, "value": 1, "op": "SCMP_CMP_EQ"}]}]})") ==
        "syscalls[0]: argument index 9 is out of range 0..5");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ALLOW",
                     "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]})") ==
        "syscalls[0]: unknown argument operator `SCMP_CMP_LIKE`");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "x", "names": ["y"], "action": "SCMP_ACT_ALLOW"}]})") ==
        "syscalls[0]: use either `name` or `names`, not both");
  CHECK_THAT(error_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "x", "action": "SCMP_ACT_ALLOW"}]})"),
             Catch::StartsWith("syscalls[0]: `names`: "));
}
