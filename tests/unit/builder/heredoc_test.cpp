// Heredocs on RUN, COPY, ADD and ONBUILD, as BuildKit reads them.
#include "helpers.h"

using namespace pier::builder;
using namespace pier::builder::test;

TEST_CASE("RUN <<EOF: the body is the script", "[dockerfile][heredoc]") {
  auto file = parse_ok("FROM scratch\nRUN <<EOF\napk update\napk add git\nEOF\nUSER x\n");
  auto run = first_instruction(file);
  REQUIRE(run.heredocs.size() == 1);
  CHECK(run.heredocs[0].name == "EOF");
  CHECK(run.heredocs[0].content == "apk update\napk add git\n");
  CHECK(run.heredocs[0].expand);
  CHECK(file.stages[0].instructions.size() == 2);
  CHECK(file.stages[0].instructions[1].line == 6);
  auto cmd = std::get<RunCommand>(expand(file, run, no_vars()).value());
  CHECK(cmd.shell_form);
  CHECK(cmd.heredoc_script);
  CHECK(cmd.argv == std::vector<std::string>{"apk update\napk add git\n"});
}

TEST_CASE("RUN with a heredoc and a command: the shell gets both back", "[dockerfile][heredoc]") {
  auto cmd = expand_line<RunCommand>("RUN <<EOT bash\n    set -ex\n    echo hi\nEOT");
  CHECK_FALSE(cmd.heredoc_script);
  CHECK(cmd.argv == std::vector<std::string>{"<<EOT bash\n    set -ex\n    echo hi\nEOT"});
  REQUIRE(cmd.heredocs.size() == 1);
  CHECK(cmd.heredocs[0].content == "    set -ex\n    echo hi\n");
}

TEST_CASE("several heredocs on one line, in order", "[dockerfile][heredoc]") {
  auto cmd = expand_line<RunCommand>("RUN cat <<A > /a && cat <<B > /b\none\nA\ntwo\nB");
  REQUIRE(cmd.heredocs.size() == 2);
  CHECK(cmd.heredocs[0].content == "one\n");
  CHECK(cmd.heredocs[1].content == "two\n");
  CHECK(cmd.argv[0] == "cat <<A > /a && cat <<B > /b\none\nA\ntwo\nB");
}

TEST_CASE("<<-EOF strips leading tabs; quoted delimiters do not expand", "[dockerfile][heredoc]") {
  auto file = parse_ok("FROM scratch\nRUN <<-EOF\n\techo a\n\t\tb\n\tEOF\nCOPY <<'X' <<\"Y\" /d/\n$A\nX\n$B\nY\n");
  auto run = first_instruction(file);
  CHECK(run.heredocs[0].strip_tabs);
  CHECK(run.heredocs[0].content == "\techo a\n\t\tb\n");  // as written in the Instruction
  auto cmd = std::get<RunCommand>(expand(file, run, no_vars()).value());
  CHECK(cmd.argv[0] == "echo a\nb\n");
  auto copy = file.stages[0].instructions[1];
  REQUIRE(copy.heredocs.size() == 2);
  CHECK_FALSE(copy.heredocs[0].expand);
  CHECK_FALSE(copy.heredocs[1].expand);
  auto c = std::get<CopyCommand>(expand(file, copy, vars({{"A", "1"}})).value());
  CHECK(c.heredocs[0].content == "$A\n");
}

TEST_CASE("COPY <<EOF /dest: a file whose body is substituted", "[dockerfile][heredoc]") {
  auto c = expand_line<CopyCommand>("COPY --chmod=755 <<EOF /usr/bin/hello\n#!/bin/sh\necho \"$GREETING\" \\$HOME\nEOF",
                                    vars({{"GREETING", "hi there"}}));
  CHECK(c.sources.empty());
  CHECK(c.dest == "/usr/bin/hello");
  CHECK(c.chmod == 0755);
  REQUIRE(c.heredocs.size() == 1);
  CHECK(c.heredocs[0].name == "EOF");
  // Quotes stay (bodies are not word-processed); `\$` escapes the dollar.
  CHECK(c.heredocs[0].content == "#!/bin/sh\necho \"hi there\" $HOME\n");
}

TEST_CASE("COPY mixes files and heredocs; a heredoc cannot be the destination", "[dockerfile][heredoc]") {
  auto c = expand_line<CopyCommand>("COPY a.txt <<EOF b.txt /d/\nbody\nEOF");
  CHECK(c.sources == std::vector<std::string>{"a.txt", "b.txt"});
  CHECK(c.heredocs.size() == 1);
  CHECK(parse_error("FROM scratch\nCOPY a <<EOF\nx\nEOF\n") ==
        "Dockerfile:2: COPY cannot take a heredoc as its destination");
}

TEST_CASE("an unterminated heredoc is an error at its instruction", "[dockerfile][heredoc]") {
  CHECK(parse_error("FROM scratch\nRUN <<EOF\necho\nEOF2\n") ==
        "Dockerfile:2: RUN: unterminated heredoc <<EOF: no line `EOF` before the end of the file");
}

TEST_CASE("no heredocs in the JSON form, nor on other instructions", "[dockerfile][heredoc]") {
  auto file = parse_ok("FROM scratch\nRUN [\"cat\", \"<<EOF\"]\nENV A=<<EOF\nCMD cat <<EOF\n");
  for (const auto& ins : file.stages[0].instructions) CHECK(ins.heredocs.empty());
  // `cat<<EOF` is not a heredoc word for BuildKit either (the word must start with <<).
  auto run = first_instruction(parse_ok("FROM scratch\nRUN cat<<EOF\n"));
  CHECK(run.heredocs.empty());
}

TEST_CASE("ONBUILD RUN <<EOF keeps the body in the trigger", "[dockerfile][heredoc]") {
  auto file = parse_ok("FROM scratch\nONBUILD RUN <<EOF\necho built\nEOF\n");
  auto on = std::get<OnbuildCommand>(expand(file, first_instruction(file), no_vars()).value());
  CHECK(on.instruction == "RUN <<EOF\necho built\nEOF");
}

TEST_CASE("heredoc bodies are copied as written: comments, continuations, CRLF", "[dockerfile][heredoc]") {
  auto run = first_instruction(parse_ok("FROM scratch\nRUN <<EOF\n# not a comment \\\n\ntrailing\r\nEOF\r\n"));
  CHECK(run.heredocs[0].content == "# not a comment \\\n\ntrailing\r\n");
}
