// Kubernetes names and values made from Compose ones (convert/names.h).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "convert/names.h"

using namespace pier::convert;

TEST_CASE("dns_label makes a DNS-1035 label of any compose name", "[convert]") {
  CHECK(dns_label("web") == "web");
  CHECK(dns_label("My_App.1") == "my-app-1");
  CHECK(dns_label("__db__") == "db");
  // A Service name must start with a letter.
  CHECK(dns_label("1st") == "s-1st");
  CHECK(dns_label("___") == "s");
  std::string longest = dns_label(std::string(70, 'a') + "-b");
  CHECK(longest.size() == 63);
  // Cut at 63, a trailing '-' is dropped too.
  CHECK(dns_label(std::string(62, 'a') + "-b") == std::string(62, 'a'));
}

TEST_CASE("valid_label follows Kubernetes label syntax", "[convert]") {
  CHECK(valid_label("tier", "frontend"));
  CHECK(valid_label("com.example.team", "payments"));
  CHECK(valid_label("example.com/owner", ""));
  CHECK_FALSE(valid_label("com.example.description", "The payments API"));
  CHECK_FALSE(valid_label("Example.com/owner", "alice"));
  CHECK_FALSE(valid_label("a/b/c", "x"));
  CHECK_FALSE(valid_label("tier", std::string(64, 'a')));
}

TEST_CASE("quantities, seconds and numbers", "[convert]") {
  CHECK(bytes_quantity(268435456) == "256Mi");
  CHECK(bytes_quantity(int64_t(2) << 30) == "2Gi");
  CHECK(bytes_quantity(1000) == "1000");
  CHECK(cpu_quantity(0.5) == "500m");
  CHECK(cpu_quantity(2) == "2");
  CHECK(seconds(1'500'000'000) == 2);
  CHECK(seconds(0) == 1);
  CHECK(seconds(0, 0) == 0);
  CHECK(parse_number("30080") == 30080);
  CHECK_FALSE(parse_number("99999999999999999999999"));
  CHECK_FALSE(parse_number("12a"));
  CHECK_FALSE(parse_number(""));
}

TEST_CASE("base64 pads as RFC 4648 says", "[convert]") {
  CHECK(base64("") == "");
  CHECK(base64("a") == "YQ==");
  CHECK(base64("ab") == "YWI=");
  CHECK(base64("abc") == "YWJj");
  CHECK(base64(std::string("\xff\x00\x10", 3)) == "/wAQ");
}

TEST_CASE("is_text tells ConfigMap data from binaryData", "[convert]") {
  CHECK(is_text("key=value\n"));
  CHECK(is_text("caf\xc3\xa9"));
  CHECK_FALSE(is_text(std::string("a\0b", 3)));
  CHECK_FALSE(is_text("\xff\xfe"));
}

TEST_CASE("read_small_file reads regular files only, and never blocks", "[convert]") {
  char dir_template[] = "/tmp/pier-convert-XXXXXX";
  std::string dir = ::mkdtemp(dir_template);
  std::string file = dir + "/conf", fifo = dir + "/fifo";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fputs("key=value\n", f);
    std::fclose(f);
  }
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(read_small_file(file, 100) == "key=value\n");
  CHECK_FALSE(read_small_file(file, 5));  // over the limit
  // A FIFO with no writer: opening it for reading would wait forever.
  CHECK_FALSE(read_small_file(fifo, 100));
  CHECK_FALSE(read_small_file(dir, 100));
  CHECK_FALSE(read_small_file(dir + "/missing", 100));
  ::unlink(file.c_str());
  ::unlink(fifo.c_str());
  ::rmdir(dir.c_str());
}
