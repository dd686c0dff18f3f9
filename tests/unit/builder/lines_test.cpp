// Logical lines: continuations, comments, blank lines, directives, BOM and CRLF.
#include "helpers.h"

using namespace pier::builder;
using namespace pier::builder::test;

TEST_CASE("a line ending in the escape character continues on the next", "[dockerfile][lines]") {
  auto file = parse_ok("FROM scratch\nRUN echo a \\\n  b \\\n  c\nUSER x\n");
  auto run = file.stages[0].instructions[0];
  CHECK(run.line == 2);
  CHECK(run.text == "RUN echo a   b   c");
  CHECK(run.args == std::vector<std::string>{"echo a   b   c"});
  CHECK(file.stages[0].instructions[1].line == 5);
}

TEST_CASE("trailing blanks after the continuation character are allowed", "[dockerfile][lines]") {
  auto file = parse_ok("FROM scratch\nRUN a \\ \t\n b\n");
  CHECK(first_instruction(file).rest == "a  b");
}

TEST_CASE("an escaped escape character at the end does not continue", "[dockerfile][lines]") {
  auto file = parse_ok("FROM scratch\nRUN echo \\\\\nUSER x\n");
  CHECK(first_instruction(file).rest == "echo \\\\");
  CHECK(file.stages[0].instructions.size() == 2);
}

TEST_CASE("comments are whole lines, also inside a continuation", "[dockerfile][lines]") {
  auto file = parse_ok("# top\nFROM scratch\n   # indented comment\nRUN a \\\n# inside\n   # inside too\n  b\n"
                       "RUN echo # not a comment\n");
  auto& ins = file.stages[0].instructions;
  REQUIRE(ins.size() == 2);
  CHECK(ins[0].rest == "a   b");
  CHECK(ins[1].rest == "echo # not a comment");
}

TEST_CASE("blank lines inside a continuation are skipped with a warning", "[dockerfile][lines]") {
  auto file = parse_ok("FROM scratch\nRUN a \\\n\n   \n b\n");
  CHECK(first_instruction(file).rest == "a  b");
  REQUIRE(file.warnings.size() == 2);
  CHECK(file.warnings[0] == "Dockerfile:3: empty continuation line (Docker warns that these will become errors)");
}

TEST_CASE("a continuation at the end of the file", "[dockerfile][lines]") {
  SECTION("with arguments: kept, with a warning") {
    auto file = parse_ok("FROM scratch\nRUN echo hi \\\n");
    CHECK(first_instruction(file).rest == "echo hi");
    REQUIRE(file.warnings.size() == 1);
    CHECK(file.warnings[0] ==
          "Dockerfile:2: the instruction ends with a line continuation at the end of the file");
  }
  SECTION("empty: an error that says why") {
    CHECK(parse_error("FROM scratch\nRUN \\\n\n") ==
          "Dockerfile:2: RUN requires at least one argument (the file ends inside a line continuation)");
  }
}

TEST_CASE("the escape directive changes the continuation and escape character", "[dockerfile][lines]") {
  auto file = parse_ok("# escape=`\nFROM scratch\nRUN dir c:\\ `\n  /w\nENV P=c:\\x\\y\n");
  CHECK(file.escape == '`');
  CHECK(first_instruction(file).rest == "dir c:\\   /w");
  auto env = expand(file, file.stages[0].instructions[1], no_vars());
  REQUIRE(env.ok());
  CHECK(std::get<EnvCommand>(*env).vars[0].second == "c:\\x\\y");
}

TEST_CASE("directives: only at the very top, once each, escape \\ or `", "[dockerfile][lines]") {
  SECTION("syntax is recorded, case-insensitive keys, spaces around =") {
    auto file = parse_ok("# Syntax = docker/dockerfile:1.4\n#escape=\\\nFROM scratch\n");
    CHECK(file.syntax == "docker/dockerfile:1.4");
    CHECK(file.escape == '\\');
  }
  SECTION("after a comment or blank line, a directive is a plain comment") {
    CHECK(parse_ok("# hello\n# escape=`\nFROM scratch\n").escape == '\\');
    CHECK(parse_ok("\n# escape=`\nFROM scratch\n").escape == '\\');
    CHECK(parse_ok("FROM scratch\n# escape=`\n").escape == '\\');
    CHECK(parse_ok("# unknown=1\n# escape=`\nFROM scratch\n").escape == '\\');
  }
  SECTION("repeated") {
    CHECK(parse_error("# escape=`\n# escape=`\nFROM scratch\n") ==
          "Dockerfile:2: only one `escape` parser directive can be used");
  }
  SECTION("an invalid escape character") {
    CHECK(parse_error("# escape=x\nFROM scratch\n") ==
          "Dockerfile:1: invalid escape character `x` in the escape directive (use \\ or `)");
  }
}

TEST_CASE("a byte order mark and CRLF line endings are accepted", "[dockerfile][lines]") {
  auto file = parse_ok("\xEF\xBB\xBF# escape=`\r\nFROM scratch\r\nRUN a `\r\n b\r\n");
  CHECK(file.escape == '`');
  CHECK(first_instruction(file).rest == "a  b");
}
