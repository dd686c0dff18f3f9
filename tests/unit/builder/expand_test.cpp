// expand(): per instruction, what is substituted and how arguments become commands.
#include "helpers.h"

#include "builder/dockerfile/values.h"

using namespace pier::builder;
using namespace pier::builder::test;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("ENV: key=value pairs with quotes, and the legacy `ENV key value`", "[dockerfile][expand]") {
  auto v = vars({{"HOME", "/root"}});
  CHECK(expand_line<EnvCommand>("ENV A=1 B=\"two words\" C='$HOME' D=$HOME E=\\$HOME", v).vars ==
        Pairs{{"A", "1"}, {"B", "two words"}, {"C", "$HOME"}, {"D", "/root"}, {"E", "$HOME"}});
  CHECK(expand_line<EnvCommand>("ENV FLASK_APP hello.py").vars == Pairs{{"FLASK_APP", "hello.py"}});
  CHECK(expand_line<EnvCommand>("ENV MSG  hello   big world").vars == Pairs{{"MSG", "hello   big world"}});
  CHECK(expand_line<EnvCommand>("ENV PATH=\"$HOME/bin:$PATH\"", vars({{"HOME", "/h"}, {"PATH", "/bin"}})).vars ==
        Pairs{{"PATH", "/h/bin:/bin"}});
  CHECK(expand_line<EnvCommand>("ENV EMPTY=").vars == Pairs{{"EMPTY", ""}});
  CHECK(expand_error("ENV X=\"${Y:?set Y}\"") == "Dockerfile:2: ENV `\"${Y:?set Y}\"`: Y: set Y");
  CHECK(expand_error("ENV X=${Y:?}") == "Dockerfile:2: ENV `${Y:?}`: Y: is not allowed to be unset");
}

TEST_CASE("LABEL: quoted keys and values", "[dockerfile][expand]") {
  CHECK(expand_line<LabelCommand>("LABEL \"com.example.vendor\"=\"ACME Inc\" version=1.0 desc=\"a \\\"b\\\"\"").labels ==
        Pairs{{"com.example.vendor", "ACME Inc"}, {"version", "1.0"}, {"desc", "a \"b\""}});
  CHECK(expand_line<LabelCommand>("LABEL maintainer me@example.com").labels == Pairs{{"maintainer", "me@example.com"}});
}

TEST_CASE("ARG: names with and without defaults", "[dockerfile][expand]") {
  auto arg = expand_line<ArgCommand>("ARG A B=2 C=\"x y\" D=$B", vars({{"B", "bee"}}));
  REQUIRE(arg.args.size() == 4);
  CHECK(arg.args[0] == std::pair<std::string, std::optional<std::string>>{"A", std::nullopt});
  CHECK(arg.args[1].second == "2");
  CHECK(arg.args[2].second == "x y");
  CHECK(arg.args[3].second == "bee");
  CHECK(expand_line<ArgCommand>("ARG E=").args[0].second == "");
}

TEST_CASE("FROM: image and platform substituted, the stage name not", "[dockerfile][expand]") {
  auto file = parse_ok("ARG V=3.19\nFROM --platform=$P alpine:${V} AS Base\n");
  auto from = std::get<FromCommand>(expand(file, file.stages[0].from, vars({{"V", "3.20"}, {"P", "linux/amd64"}})).value());
  CHECK(from.image == "alpine:3.20");
  CHECK(from.platform == "linux/amd64");
  CHECK(from.name == "base");
  auto empty = expand(file, file.stages[0].from, vars({{"V", ""}}));
  CHECK(empty.ok());  // "alpine:" is for the image reference parser to refuse
  auto blank = parse_ok("ARG IMG\nFROM $IMG\n");
  auto err = expand(blank, blank.stages[0].from, no_vars());
  REQUIRE_FALSE(err.ok());
  CHECK(err.error().to_string() == "Dockerfile:2: FROM base image `$IMG` is empty after substitution");
}

TEST_CASE("RUN, CMD, ENTRYPOINT and SHELL are not substituted", "[dockerfile][expand]") {
  auto v = vars({{"X", "no"}});
  auto run = expand_line<RunCommand>("RUN echo $X && echo \"${X}\"", v);
  CHECK(run.shell_form);
  CHECK(run.argv == std::vector<std::string>{"echo $X && echo \"${X}\""});
  auto exec = expand_line<RunCommand>("RUN [\"echo\", \"$X\"]", v);
  CHECK_FALSE(exec.shell_form);
  CHECK(exec.argv == std::vector<std::string>{"echo", "$X"});
  auto cmd = expand_line<ExecCommand>("CMD java -jar /app.jar $X", v);
  CHECK_FALSE(cmd.entrypoint);
  CHECK(cmd.shell_form);
  CHECK(cmd.argv == std::vector<std::string>{"java -jar /app.jar $X"});
  auto ep = expand_line<ExecCommand>("ENTRYPOINT [\"python3\"]");
  CHECK(ep.entrypoint);
  CHECK_FALSE(ep.shell_form);
  CHECK(expand_line<ExecCommand>("ENTRYPOINT []").argv.empty());
  CHECK(expand_line<ShellCommand>("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]").argv.size() == 4);
}

TEST_CASE("RUN --mount and --network are kept as written", "[dockerfile][expand]") {
  auto run = expand_line<RunCommand>(
      "RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=tok --network=none pip install x");
  CHECK(run.mounts == std::vector<std::string>{"type=cache,target=/root/.cache/pip", "type=secret,id=tok"});
  CHECK(run.network == "none");
  CHECK(run.argv == std::vector<std::string>{"pip install x"});
  CHECK(parse_error("FROM scratch\nRUN --network=bridge true\n") ==
        "Dockerfile:2: RUN --network=bridge is not a network mode (use none, host or default)");
}

TEST_CASE("COPY and ADD: sources, destination and flags", "[dockerfile][expand]") {
  auto v = vars({{"DEP", "/w/target"}, {"U", "app"}, {"STAGE", "build"}});
  auto c = expand_line<CopyCommand>("COPY --from=$STAGE --chown=$U:$U --chmod=0644 --link ${DEP}/app.jar *.txt /app/", v);
  CHECK_FALSE(c.add);
  CHECK(c.from == "build");
  CHECK(c.chown == "app:app");
  CHECK(c.chmod == 0644);
  CHECK(c.link);
  CHECK(c.sources == std::vector<std::string>{"/w/target/app.jar", "*.txt"});
  CHECK(c.dest == "/app/");
  auto json = expand_line<CopyCommand>("COPY [\"a b.txt\", \"$U\", \"/dest dir/\"]", v);
  CHECK(json.sources == std::vector<std::string>{"a b.txt", "app"});
  CHECK(json.dest == "/dest dir/");
  auto ex = expand_line<CopyCommand>("COPY --exclude=*.md --exclude=$U --parents . /src");
  CHECK(ex.exclude == std::vector<std::string>{"*.md", ""});
  CHECK(ex.parents);
  auto add = expand_line<CopyCommand>("ADD --checksum=sha256:abc --keep-git-dir=true --unpack=false x.tar /x");
  CHECK(add.add);
  CHECK(add.checksum == "sha256:abc");
  CHECK(add.keep_git_dir);
  CHECK(add.unpack == false);
  CHECK(expand_line<CopyCommand>("ADD a /b").unpack == std::nullopt);
  CHECK(expand_line<CopyCommand>("COPY --link=false a /b").link == false);
  CHECK(expand_line<CopyCommand>("COPY --chmod=4755 a /b").chmod == 04755);
  CHECK(parse_error("FROM scratch\nCOPY --chmod=8 a b\n") ==
        "Dockerfile:2: COPY --chmod=8 is not an octal mode (pier supports octal modes such as 0755 or 644)");
  CHECK(parse_error("FROM scratch\nCOPY --chmod=17777 a b\n") ==
        "Dockerfile:2: COPY --chmod=17777 is not an octal mode (pier supports octal modes such as 0755 or 644)");
  CHECK(parse_error("FROM scratch\nCOPY \"a b\" /x\n") ==
        "Dockerfile:2: COPY `\"a`: unexpected end of statement while looking for matching double-quote");
  CHECK(expand_error("COPY $NOPE /x") == "Dockerfile:2: COPY source `$NOPE` is empty after substitution");
}

TEST_CASE("WORKDIR, USER, VOLUME, STOPSIGNAL are substituted", "[dockerfile][expand]") {
  auto v = vars({{"D", "/srv"}, {"U", "nobody"}, {"S", "SIGQUIT"}});
  CHECK(expand_line<WorkdirCommand>("WORKDIR $D/my app", v).path == "/srv/my app");
  CHECK(expand_line<UserCommand>("USER ${U}:${U}", v).user == "nobody:nobody");
  CHECK(expand_line<VolumeCommand>("VOLUME /data $D", v).paths == std::vector<std::string>{"/data", "/srv"});
  CHECK(expand_line<VolumeCommand>("VOLUME [\"/a\", \"$D\"]", v).paths == std::vector<std::string>{"/a", "/srv"});
  CHECK(expand_line<StopsignalCommand>("STOPSIGNAL $S", v).signal == "SIGQUIT");
  CHECK(expand_line<StopsignalCommand>("STOPSIGNAL 9").signal == "9");
  CHECK(expand_line<StopsignalCommand>("STOPSIGNAL term").signal == "term");
  CHECK(expand_line<StopsignalCommand>("STOPSIGNAL SIGRTMIN+3").signal == "SIGRTMIN+3");
  CHECK(parse_error("FROM scratch\nSTOPSIGNAL SIGFOO\n") ==
        "Dockerfile:2: STOPSIGNAL `SIGFOO` is not a signal (use a name such as SIGTERM or SIGQUIT, or a number)");
  CHECK(parse_error("FROM scratch\nVOLUME [\"\"]\n") == "Dockerfile:2: VOLUME paths can not be empty");
}

TEST_CASE("EXPOSE: ports, protocols, ranges, variables", "[dockerfile][expand]") {
  CHECK(expand_line<ExposeCommand>("EXPOSE 80 53/UDP 8000-8002/tcp 80/tcp").ports ==
        std::vector<std::string>{"80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp"});
  CHECK(expand_line<ExposeCommand>("EXPOSE $PORTS 9229", vars({{"PORTS", "3000 3001/sctp"}})).ports ==
        std::vector<std::string>{"3000/tcp", "3001/sctp", "9229/tcp"});
  CHECK(expand_line<ExposeCommand>("EXPOSE $UNSET 9229").ports == std::vector<std::string>{"9229/tcp"});
  CHECK(expand_line<ExposeCommand>("EXPOSE 8080:80").ports == std::vector<std::string>{"80/tcp"});
  CHECK(parse_error("FROM scratch\nEXPOSE 80/icmp\n") ==
        "Dockerfile:2: EXPOSE `80/icmp`: the protocol `icmp` is not tcp, udp or sctp (write 80, 80/udp or 8000-8010)");
  CHECK(parse_error("FROM scratch\nEXPOSE http\n") ==
        "Dockerfile:2: EXPOSE `http`: not a port number or range (0-65535) (write 80, 80/udp or 8000-8010)");
  CHECK(parse_error("FROM scratch\nEXPOSE 90-80\n") ==
        "Dockerfile:2: EXPOSE `90-80`: the range ends before it starts (write 80, 80/udp or 8000-8010)");
  CHECK(parse_error("FROM scratch\nEXPOSE 70000\n") ==
        "Dockerfile:2: EXPOSE `70000`: not a port number or range (0-65535) (write 80, 80/udp or 8000-8010)");
}

TEST_CASE("HEALTHCHECK: CMD forms, flags as Go durations, NONE", "[dockerfile][expand]") {
  auto h = expand_line<HealthcheckCommand>(
      "HEALTHCHECK --interval=1m30s --timeout=1.5s --start-period=0 --start-interval=250ms --retries=5 CMD node check.js");
  CHECK_FALSE(h.none);
  CHECK(h.test == std::vector<std::string>{"CMD-SHELL", "node check.js"});
  CHECK(h.interval == seconds(90));
  CHECK(h.timeout == milliseconds(1500));
  CHECK(h.start_period == std::nullopt);
  CHECK(h.start_interval == milliseconds(250));
  CHECK(h.retries == 5);
  auto json = expand_line<HealthcheckCommand>("HEALTHCHECK cmd [\"curl\", \"-f\", \"http://localhost/\"]");
  CHECK(json.test == std::vector<std::string>{"CMD", "curl", "-f", "http://localhost/"});
  CHECK(json.interval == std::nullopt);
  CHECK(expand_line<HealthcheckCommand>("HEALTHCHECK NONE").none);
  CHECK(expand_line<HealthcheckCommand>("HEALTHCHECK --interval=1h2m3.5s CMD true").interval ==
        std::chrono::hours(1) + std::chrono::minutes(2) + milliseconds(3500));
  CHECK(parse_error("FROM scratch\nHEALTHCHECK --timeout=10us CMD true\n") ==
        "Dockerfile:2: HEALTHCHECK --timeout=10us cannot be less than 1ms");
  CHECK(parse_error("FROM scratch\nHEALTHCHECK --interval=30 CMD true\n") ==
        "Dockerfile:2: HEALTHCHECK --interval: invalid duration `30`: missing unit "
        "(use a number with a unit: 30s, 1m30s, 500ms, 1h)");
  CHECK(parse_error("FROM scratch\nHEALTHCHECK --interval=5x CMD true\n") ==
        "Dockerfile:2: HEALTHCHECK --interval: invalid duration `5x`: unknown unit `x` "
        "(use a number with a unit: 30s, 1m30s, 500ms, 1h)");
  CHECK(parse_error("FROM scratch\nHEALTHCHECK --retries=-1 CMD true\n") ==
        "Dockerfile:2: HEALTHCHECK --retries cannot be negative (-1)");
  CHECK(parse_error("FROM scratch\nHEALTHCHECK --retries=three CMD true\n") ==
        "Dockerfile:2: HEALTHCHECK --retries=three is not a number");
  CHECK(parse_error("FROM scratch\nHEALTHCHECK NONE x\n") == "Dockerfile:2: HEALTHCHECK NONE takes no arguments");
  CHECK(parse_error("FROM scratch\nHEALTHCHECK CMD\n") == "Dockerfile:2: HEALTHCHECK CMD needs a command");
  CHECK(parse_error("FROM scratch\nHEALTHCHECK RUN x\n") ==
        "Dockerfile:2: HEALTHCHECK type `RUN` is unknown (use CMD or NONE)");
  CHECK(parse_error("FROM scratch\nHEALTHCHECK --intervall=1s CMD x\n") ==
        "Dockerfile:2: HEALTHCHECK: unknown flag `--intervall` (did you mean --interval?)");
}

TEST_CASE("Go durations", "[dockerfile][expand]") {
  using pier::builder::detail::parse_go_duration;
  using std::chrono::nanoseconds;
  CHECK(parse_go_duration("0").value() == nanoseconds(0));
  CHECK(parse_go_duration("300ms").value() == milliseconds(300));
  CHECK(parse_go_duration("-1.5h").value() == -std::chrono::minutes(90));
  CHECK(parse_go_duration("1\xC2\xB5s").value() == nanoseconds(1000));
  CHECK(parse_go_duration(".5s").value() == milliseconds(500));
  CHECK(parse_go_duration("2h45m0.5s").value() == std::chrono::hours(2) + std::chrono::minutes(45) + milliseconds(500));
  CHECK(parse_go_duration("2562047h47m16.854775807s").value() == nanoseconds(INT64_MAX));
  CHECK_FALSE(parse_go_duration("2562047h47m16.854775808s").ok());
  CHECK_FALSE(parse_go_duration("").ok());
  CHECK_FALSE(parse_go_duration(".s").ok());
  CHECK_FALSE(parse_go_duration("1").ok());
  CHECK_FALSE(parse_go_duration("1s 2s").ok());
}
