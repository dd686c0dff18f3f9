// The on-disk seccomp cache is a security boundary: an entry that is not exactly what
// store() wrote for this key, in a place only this user controls, is a miss (the caller
// compiles the profile again), never a program that confines less.
#include <catch2/catch.hpp>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "base/hash.h"
#include "runtime/security/seccomp.h"
#include "runtime/security/seccomp_cache.h"

using namespace pier::runtime;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/pier-seccomp-cache-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_all(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  ::chmod(path.c_str(), 0600);
}

// What a hostile writer would put in: a program that allows every syscall.
SeccompProgram allow_all(size_t size) {
  return SeccompProgram(size, sock_filter{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW});
}

// An entry forged with store()'s own layout and a correct checksum.
std::string forged_entry(const std::string& key, const SeccompProgram& program) {
  std::string bytes(reinterpret_cast<const char*>(program.data()), program.size() * sizeof(sock_filter));
  struct {
    char magic[8] = {'P', 'I', 'E', 'R', 'B', 'P', 'F', '1'};
    uint32_t key_size, instructions;
    uint64_t checksum;
  } h;
  h.key_size = static_cast<uint32_t>(key.size());
  h.instructions = static_cast<uint32_t>(program.size());
  h.checksum = pier::fnv1a(key + bytes);
  return std::string(reinterpret_cast<const char*>(&h), sizeof h) + key + bytes;
}

}  // namespace

TEST_CASE("seccomp cache: a stored program loads back under its key only", "[runtime][seccomp]") {
  TempDir tmp;
  const std::string dir = tmp.path + "/cache";
  auto key = seccomp_cache::key_for("default caps a80425fb\n");
  REQUIRE(key);  // pier's binaries are linked with a build ID
  auto program = default_seccomp_program(default_caps());
  REQUIRE(program.ok());
  REQUIRE(seccomp_cache::store(dir, *key, **program).ok());
  struct stat st {};
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  const std::string entry = dir + "/" + seccomp_cache::file_name(*key);
  REQUIRE(::stat(entry.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  auto loaded = seccomp_cache::load(dir, *key);
  REQUIRE(loaded);
  REQUIRE(loaded->size() == (*program)->size());
  CHECK(std::memcmp(loaded->data(), (*program)->data(), loaded->size() * sizeof(sock_filter)) == 0);
  CHECK_FALSE(seccomp_cache::load(dir, *seccomp_cache::key_for("default caps 0\n")));
  // The key names the binary's build and libseccomp: another build never reads this entry.
  CHECK_THAT(*key, Catch::Contains("\nbuild ") && Catch::Contains("\nlibseccomp "));
}

TEST_CASE("seccomp cache: a corrupt or hostile entry is never loaded", "[runtime][seccomp]") {
  TempDir tmp;
  const std::string dir = tmp.path + "/cache";
  auto key = seccomp_cache::key_for("default caps a80425fb\n");
  REQUIRE(key);
  auto program = default_seccomp_program(default_caps());
  REQUIRE(program.ok());
  const SeccompProgram& real = **program;
  REQUIRE(seccomp_cache::store(dir, *key, real).ok());
  const std::string entry = dir + "/" + seccomp_cache::file_name(*key);
  const std::string good = read_all(entry);
  REQUIRE(seccomp_cache::load(dir, *key));

  SECTION("the program rewritten to allow everything, checksum left as it was") {
    std::string bad = good;
    auto hostile = allow_all(real.size());
    std::memcpy(bad.data() + bad.size() - real.size() * sizeof(sock_filter), hostile.data(),
                hostile.size() * sizeof(sock_filter));
    write_all(entry, bad);
    CHECK_FALSE(seccomp_cache::load(dir, *key));
  }
  SECTION("one flipped bit") {
    std::string bad = good;
    bad[bad.size() - 3] ^= 0x10;
    write_all(entry, bad);
    CHECK_FALSE(seccomp_cache::load(dir, *key));
  }
  SECTION("truncated, or grown") {
    write_all(entry, good.substr(0, good.size() - sizeof(sock_filter)));
    CHECK_FALSE(seccomp_cache::load(dir, *key));
    write_all(entry, good + std::string(sizeof(sock_filter), '\0'));
    CHECK_FALSE(seccomp_cache::load(dir, *key));
    write_all(entry, "");
    CHECK_FALSE(seccomp_cache::load(dir, *key));
  }
  SECTION("a whole entry of another profile under this key's name") {
    auto other_key = seccomp_cache::key_for("custom default 0 1\n");
    write_all(entry, forged_entry(*other_key, allow_all(4)));
    CHECK_FALSE(seccomp_cache::load(dir, *key));
  }
  SECTION("a well-formed entry that others could have written") {
    const std::string forged = forged_entry(*key, allow_all(4));
    write_all(entry, forged);
    REQUIRE(seccomp_cache::load(dir, *key));  // the layout is store()'s: only the place is wrong below
    ::chmod(entry.c_str(), 0644);
    CHECK_FALSE(seccomp_cache::load(dir, *key));
    ::chmod(entry.c_str(), 0600);
    ::chmod(dir.c_str(), 0770);
    CHECK_FALSE(seccomp_cache::load(dir, *key));
    ::chmod(dir.c_str(), 0700);
    // A link to an entry elsewhere is not followed.
    const std::string elsewhere = tmp.path + "/elsewhere.bpf";
    fs::rename(entry, elsewhere);
    fs::create_symlink(elsewhere, entry);
    CHECK_FALSE(seccomp_cache::load(dir, *key));
  }
  SECTION("a directory in the entry's place") {
    fs::remove(entry);
    fs::create_directory(entry);
    CHECK_FALSE(seccomp_cache::load(dir, *key));
  }
}

TEST_CASE("seccomp cache: a custom profile's key holds the whole profile", "[runtime][seccomp]") {
  SeccompProfile a;
  a.rules.push_back({{"read", "write"}, SeccompAction::allow, 1, {}});
  SeccompProfile b = a;
  b.rules[0].names = {"readwrite"};
  SeccompProfile c = a;
  c.rules[0].args.push_back({0, 5, 0, SeccompArg::Op::eq});
  auto pa = custom_seccomp_program(a), pb = custom_seccomp_program(b), pc = custom_seccomp_program(c);
  REQUIRE(pa.ok());
  REQUIRE(pb.ok());
  REQUIRE(pc.ok());
  CHECK(pa->get() != pb->get());
  CHECK(pa->get() != pc->get());
  CHECK(custom_seccomp_program(a)->get() == pa->get());  // the same profile: compiled once
}
