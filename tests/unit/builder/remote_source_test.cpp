// ADD <url> helpers: the file name Docker gives a URL, git URL detection, and the
// Last-Modified date forms. The download itself is tested end to end in
// tests/e2e/test_build.py against a loopback HTTP server.
#include <catch2/catch.hpp>

#include "builder/executor/remote_source.h"

using namespace pier::builder::detail;

TEST_CASE("a URL source is named after its path's last component") {
  CHECK(url_file_name("https://example.com/a/b/tool.tar.gz") == "tool.tar.gz");
  CHECK(url_file_name("http://example.com/dir/file.txt?version=2#frag") == "file.txt");
  CHECK(url_file_name("http://example.com/dir/") == "dir");
  CHECK(url_file_name("http://example.com/my%20file") == "my file");
  CHECK(url_file_name("http://example.com") == "index");
  CHECK(url_file_name("http://example.com/") == "index");
  CHECK(url_file_name("http://example.com/a%2Fb") == "index");  // a decoded '/' is no name
}

TEST_CASE("git sources are told apart from plain downloads") {
  CHECK(is_git_url("git@github.com:moby/moby.git"));
  CHECK(is_git_url("git://example.com/repo"));
  CHECK(is_git_url("https://github.com/moby/moby.git"));
  CHECK(is_git_url("https://github.com/moby/moby.git#v1.0"));
  CHECK_FALSE(is_git_url("https://example.com/file.txt"));
  CHECK_FALSE(is_git_url("https://example.com/file.txt?x=.git"));
  CHECK(is_http_url("http://x/y"));
  CHECK(is_http_url("https://x/y"));
  CHECK_FALSE(is_http_url("ftp://x/y"));
  CHECK_FALSE(is_http_url("./http:/x"));
}

TEST_CASE("Last-Modified dates in the three HTTP forms") {
  CHECK(parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT") == 1700000000);
  CHECK(parse_http_date("Tuesday, 14-Nov-23 22:13:20 GMT") == 1700000000);
  CHECK(parse_http_date("Tue Nov 14 22:13:20 2023") == 1700000000);
  CHECK_FALSE(parse_http_date(""));
  CHECK_FALSE(parse_http_date("yesterday"));
}
