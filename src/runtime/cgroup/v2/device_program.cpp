// cgroup v2 has no devices controller: access is decided by a BPF_PROG_TYPE_CGROUP_DEVICE
// program attached to the container's cgroup. pier emits it from the rule list: rules are
// checked last to first, the first match decides, no match denies.
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/unique_fd.h"
#include "runtime/cgroup/devices.h"

namespace pier::runtime {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}
bpf_insn load_ctx(uint8_t dst, int16_t off) { return insn(BPF_LDX | BPF_MEM | BPF_W, dst, 1, off, 0); }
bpf_insn alu_imm(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm); }
bpf_insn mov_reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn jne(uint8_t reg, int32_t imm, int16_t off) { return insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, off, imm); }
bpf_insn ret(int32_t value) { return insn(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, value); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

int access_bits(const std::string& access) {
  int bits = 0;
  for (char c : access) bits |= c == 'r' ? BPF_DEVCG_ACC_READ : c == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  return bits;
}

// One rule: a run of "if mismatch, skip to the next rule" checks, then return its verdict.
void emit_rule(std::vector<bpf_insn>& out, const DeviceRule& r) {
  std::vector<bpf_insn> block;
  std::vector<size_t> jumps;
  if (r.type != 'a') {
    jumps.push_back(block.size());
    block.push_back(jne(2, r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0));
  }
  int acc = access_bits(r.access);
  if (acc != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
    block.push_back(mov_reg(6, 3));
    block.push_back(alu_imm(BPF_AND, 6, ~acc));
    jumps.push_back(block.size());
    block.push_back(jne(6, 0, 0));
  }
  if (r.major >= 0) {
    jumps.push_back(block.size());
    block.push_back(jne(4, static_cast<int32_t>(r.major), 0));
  }
  if (r.minor >= 0) {
    jumps.push_back(block.size());
    block.push_back(jne(5, static_cast<int32_t>(r.minor), 0));
  }
  block.push_back(ret(r.allow ? 1 : 0));
  block.push_back(exit_insn());
  for (size_t j : jumps) block[j].off = static_cast<int16_t>(block.size() - j - 1);
  out.insert(out.end(), block.begin(), block.end());
}

}  // namespace

std::vector<bpf_insn> build_device_program(const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> prog = {
      load_ctx(2, 0),          // r2 = access_type
      mov_reg(3, 2),
      alu_imm(BPF_AND, 2, 0xffff),  // r2 = device type
      alu_imm(BPF_RSH, 3, 16),      // r3 = requested access
      load_ctx(4, 4),               // r4 = major
      load_ctx(5, 8),               // r5 = minor
  };
  bool catch_all = false;
  for (auto it = rules.rbegin(); it != rules.rend() && !catch_all; ++it) {
    emit_rule(prog, *it);
    // A rule matching everything ends the program: anything after it is unreachable,
    // which the verifier rejects.
    catch_all = it->type == 'a' && it->major < 0 && it->minor < 0 && access_bits(it->access) == 7;
  }
  if (!catch_all) {
    prog.push_back(ret(0));
    prog.push_back(exit_insn());
  }
  return prog;
}

Status attach_device_program(const std::string& dir, const std::vector<DeviceRule>& rules) {
  if (rules.empty()) return {};
  auto prog = build_device_program(rules);
  // Load without a verifier log (a log that fills its buffer fails the load with ENOSPC);
  // on failure, load again with a large log to explain why.
  auto load = [&](char* log, uint32_t log_size) {
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<uint64_t>(prog.data());
    attr.insn_cnt = static_cast<uint32_t>(prog.size());
    attr.license = reinterpret_cast<uint64_t>("Apache-2.0");
    attr.log_buf = reinterpret_cast<uint64_t>(log);
    attr.log_size = log_size;
    attr.log_level = log ? 1 : 0;
    return static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr));
  };
  UniqueFd prog_fd(load(nullptr, 0));
  if (!prog_fd) {
    int err = errno;
    std::vector<char> log(1 << 16);
    (void)load(log.data(), static_cast<uint32_t>(log.size()));
    return Error::system("load device program for", dir, err).hint(log.data());
  }
  UniqueFd cg(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!cg) return Error::system("open", dir, errno);
  bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(cg.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(prog_fd.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (::syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) != 0)
    return Error::system("attach device program to", dir, errno);
  return {};
}

}  // namespace pier::runtime
