// Instructions, stages and the parse errors, each with file:line.
#include "helpers.h"

using namespace pier::builder;
using namespace pier::builder::test;

TEST_CASE("keywords are case-insensitive", "[dockerfile][parse]") {
  auto file = parse_ok("from scratch\nRun echo\ncOpY a b\n");
  CHECK(file.stages[0].from.kind == InstructionKind::from);
  CHECK(file.stages[0].instructions[0].kind == InstructionKind::run);
  CHECK(file.stages[0].instructions[1].kind == InstructionKind::copy);
  CHECK(std::string(instruction_name(InstructionKind::healthcheck)) == "HEALTHCHECK");
}

TEST_CASE("multi-stage: names, AS in any case, --platform, global ARGs", "[dockerfile][parse]") {
  auto file = parse_ok(
      "ARG BASE=alpine\nARG TAG\n"
      "FROM --platform=$BUILDPLATFORM ${BASE}:${TAG} AS Build\n"
      "RUN make\n"
      "FROM scratch as final\n"
      "COPY --from=build /out /\n"
      "FROM build\n");
  REQUIRE(file.global_args.size() == 2);
  CHECK(file.global_args[0].args == std::vector<std::string>{"BASE=alpine"});
  REQUIRE(file.stages.size() == 3);
  CHECK(file.stages[0].name == "build");
  CHECK(file.stages[0].index == 0);
  CHECK(file.stages[0].from.flags == std::vector<std::pair<std::string, std::string>>{{"platform", "$BUILDPLATFORM"}});
  CHECK(file.stages[1].name == "final");
  CHECK(file.stages[2].name.empty());
  CHECK(file.stages[0].instructions.size() == 1);
  CHECK(file.stage_index("").value() == 2);
  CHECK(file.stage_index("BUILD").value() == 0);
  CHECK(file.stage_index("final").value() == 1);
  auto missing = file.stage_index("test");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().to_string() ==
        "Dockerfile: target stage \"test\" could not be found (its stages are build, final)");
}

TEST_CASE("FROM errors", "[dockerfile][parse]") {
  CHECK(parse_error("") == "Dockerfile: the Dockerfile has no instructions");
  CHECK(parse_error("# only a comment\n\n") == "Dockerfile: the Dockerfile has no instructions");
  CHECK(parse_error("ARG A=1\n") ==
        "Dockerfile: no FROM instruction: a Dockerfile needs at least one stage (FROM <image>)");
  CHECK(parse_error("ARG A\nRUN true\nFROM scratch\n") ==
        "Dockerfile:2: RUN before the first FROM: only ARG may come before FROM");
  CHECK(parse_error("FROM a b\n") ==
        "Dockerfile:1: FROM requires either one or three arguments: FROM <image> [AS <name>]");
  CHECK(parse_error("FROM\n") ==
        "Dockerfile:1: FROM requires either one or three arguments: FROM <image> [AS <name>]");
  CHECK(parse_error("FROM a AS 1x\n") ==
        "Dockerfile:1: invalid name for build stage: \"1x\", name can't start with a number or contain symbols");
  CHECK(parse_error("FROM a AS x\nFROM b AS X\n") == "Dockerfile:2: duplicate stage name \"x\" (first at line 1)");
}

TEST_CASE("an unknown instruction, with a suggestion when close", "[dockerfile][parse]") {
  CHECK(parse_error("FROM scratch\nCOPPY a b\n") == "Dockerfile:2: unknown instruction: COPPY (did you mean COPY?)");
  CHECK(parse_error("FROM scratch\n\nworkdri /x\n") ==
        "Dockerfile:3: unknown instruction: WORKDRI (did you mean WORKDIR?)");
  CHECK(parse_error("FROM scratch\nFLY away\n") == "Dockerfile:2: unknown instruction: FLY");
}

TEST_CASE("JSON form: a valid array of strings, otherwise shell form", "[dockerfile][parse]") {
  auto file = parse_ok(
      "FROM scratch\n"
      "CMD [\"a\", \"b c\"]\n"
      "CMD [\"a\", \"b\"\n"          // not valid JSON: shell form, as Docker
      "CMD [\"a\"] trailing\n"
      "ENTRYPOINT  [ ]\n"
      "RUN [\"sh\", \"-c\", \"echo \\\"hi\\\"\"]\n");
  auto& ins = file.stages[0].instructions;
  CHECK(ins[0].json_form);
  CHECK(ins[0].args == std::vector<std::string>{"a", "b c"});
  CHECK_FALSE(ins[1].json_form);
  CHECK(ins[1].args == std::vector<std::string>{"[\"a\", \"b\""});
  CHECK_FALSE(ins[2].json_form);
  CHECK(ins[3].json_form);
  CHECK(ins[3].args.empty());
  CHECK(ins[4].args == std::vector<std::string>{"sh", "-c", "echo \"hi\""});
  CHECK(parse_error("FROM scratch\nCMD [\"a\", 1]\n") ==
        "Dockerfile:2: CMD: a JSON array (exec form) must hold only strings");
}

TEST_CASE("flags: Docker's list per instruction, values checked", "[dockerfile][parse]") {
  auto file = parse_ok("FROM scratch\nCOPY --from=build --chown=\"1:2\" --link a b\n");
  auto copy = first_instruction(file);
  CHECK(copy.flags == std::vector<std::pair<std::string, std::string>>{{"from", "build"}, {"chown", "1:2"}, {"link", ""}});
  CHECK(copy.args == std::vector<std::string>{"a", "b"});
  CHECK(copy.rest == "a b");

  CHECK(parse_error("FROM scratch\nCOPY --form=x a b\n") ==
        "Dockerfile:2: COPY: unknown flag `--form` (did you mean --from?)");
  CHECK(parse_error("FROM scratch\nADD --from=x a b\n") ==
        "Dockerfile:2: ADD: unknown flag `--from` (its flags are --chown, --chmod, --link, --exclude, --checksum, "
        "--keep-git-dir, --unpack)");
  CHECK(parse_error("FROM scratch\nWORKDIR --x /a\n") == "Dockerfile:2: WORKDIR takes no flags: `--x`");
  CHECK(parse_error("FROM scratch\nRUN --security=insecure true\n") ==
        "Dockerfile:2: RUN: unknown flag `--security` (its flags are --mount, --network)");
  CHECK(parse_error("FROM scratch\nCOPY --from a b\n") ==
        "Dockerfile:2: COPY: --from needs a value (--from=<value>)");
  CHECK(parse_error("FROM scratch\nCOPY --link=yes a b\n") ==
        "Dockerfile:2: COPY: --link expects true or false, not `yes`");
  CHECK(parse_error("FROM scratch\nCOPY --from=a --from=b a b\n") ==
        "Dockerfile:2: COPY: the flag --from is given twice");
  CHECK(parse_error("FROM scratch\nCOPY --chmod=abc a b\n") ==
        "Dockerfile:2: COPY --chmod=abc is not an octal mode (pier supports octal modes such as 0755 or 644)");
  // Repeatable flags, and `--` ending the flags.
  auto run = first_instruction(parse_ok("FROM scratch\nRUN --mount=type=cache,target=/a --mount=type=tmpfs,target=/b -- --x\n"));
  CHECK(run.flags.size() == 2);
  CHECK(run.rest == "--x");
}

TEST_CASE("argument counts", "[dockerfile][parse]") {
  CHECK(parse_error("FROM scratch\nCOPY onlyone\n") ==
        "Dockerfile:2: COPY requires at least two arguments: one or more sources and a destination");
  CHECK(parse_error("FROM scratch\nADD\n") ==
        "Dockerfile:2: ADD requires at least two arguments: one or more sources and a destination");
  CHECK(parse_error("FROM scratch\nWORKDIR\n") == "Dockerfile:2: WORKDIR requires exactly one argument");
  CHECK(parse_error("FROM scratch\nEXPOSE\n") == "Dockerfile:2: EXPOSE requires at least one argument");
  CHECK(parse_error("FROM scratch\nVOLUME\n") == "Dockerfile:2: VOLUME requires at least one argument");
  CHECK(parse_error("FROM scratch\nENV\n") == "Dockerfile:2: ENV requires at least one argument");
  CHECK(parse_error("FROM scratch\nARG\n") == "Dockerfile:2: ARG requires at least one argument");
  CHECK(parse_error("FROM scratch\nSHELL /bin/bash -c\n") ==
        "Dockerfile:2: SHELL requires the arguments in JSON form (write SHELL [\"/bin/bash\", \"-c\"])");
  CHECK(parse_error("FROM scratch\nMAINTAINER\n") == "Dockerfile:2: MAINTAINER requires exactly one argument");
  CHECK(parse_error("FROM scratch\nONBUILD\n") == "Dockerfile:2: ONBUILD requires at least one argument");
}

TEST_CASE("ENV, LABEL and ARG syntax errors", "[dockerfile][parse]") {
  CHECK(parse_error("FROM scratch\nENV FOO\n") == "Dockerfile:2: ENV `FOO` has no value (write ENV FOO=value)");
  CHECK(parse_error("FROM scratch\nENV A=1 B\n") ==
        "Dockerfile:2: ENV: `B` has no `=`; each pair must be of the form name=value");
  CHECK(parse_error("FROM scratch\nLABEL =x\n") == "Dockerfile:2: LABEL names can not be blank");
  CHECK(parse_error("FROM scratch\nARG =x\n") == "Dockerfile:2: ARG names can not be blank: `=x`");
  CHECK(parse_error("FROM scratch\nENV A=${B\n") == "Dockerfile:2: ENV `${B`: syntax error: missing '}'");
  CHECK(parse_error("FROM scratch\nENV A=\"open\n") ==
        "Dockerfile:2: ENV `\"open`: unexpected end of statement while looking for matching double-quote");
}

TEST_CASE("ONBUILD: the trigger is checked, kept as written", "[dockerfile][parse]") {
  auto file = parse_ok("FROM scratch\nONBUILD RUN echo $HOME\nONBUILD copy --chown=1 . /app\n");
  auto on = expand(file, file.stages[0].instructions[0], no_vars());
  REQUIRE(on.ok());
  CHECK(std::get<OnbuildCommand>(*on).instruction == "RUN echo $HOME");
  CHECK(parse_error("FROM scratch\nONBUILD ONBUILD RUN x\n") ==
        "Dockerfile:2: ONBUILD ONBUILD is not allowed (triggers cannot chain)");
  CHECK(parse_error("FROM scratch\nONBUILD FROM x\n") == "Dockerfile:2: FROM is not allowed as an ONBUILD trigger");
  CHECK(parse_error("FROM scratch\nONBUILD MAINTAINER x\n") ==
        "Dockerfile:2: MAINTAINER is not allowed as an ONBUILD trigger");
  CHECK(parse_error("FROM scratch\nONBUILD RUNN x\n") ==
        "Dockerfile:2: ONBUILD: unknown instruction: RUNN (did you mean RUN?)");
  CHECK(parse_error("FROM scratch\nONBUILD COPY a\n") ==
        "Dockerfile:2: ONBUILD: COPY requires at least two arguments: one or more sources and a destination");
}

TEST_CASE("MAINTAINER and the text of an instruction", "[dockerfile][parse]") {
  auto file = parse_ok("FROM scratch\n  MAINTAINER  Jane Doe <jane@example.com>  \n");
  auto ins = first_instruction(file);
  CHECK(ins.text == "MAINTAINER  Jane Doe <jane@example.com>");
  auto m = expand(file, ins, no_vars());
  REQUIRE(m.ok());
  CHECK(std::get<MaintainerCommand>(*m).name == "Jane Doe <jane@example.com>");
}

TEST_CASE("a mistake that depends on a variable waits for expand", "[dockerfile][parse]") {
  // --chmod=$MODE cannot be checked before MODE is known; parsing accepts it.
  auto file = parse_ok("FROM scratch\nARG MODE\nCOPY --chmod=$MODE a b\n");
  auto bad = expand(file, file.stages[0].instructions[1], vars({{"MODE", "rwx"}}));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().to_string() ==
        "Dockerfile:3: COPY --chmod=rwx is not an octal mode (pier supports octal modes such as 0755 or 644)");
  auto good = expand(file, file.stages[0].instructions[1], vars({{"MODE", "0640"}}));
  REQUIRE(good.ok());
  CHECK(std::get<CopyCommand>(*good).chmod == 0640);
}
