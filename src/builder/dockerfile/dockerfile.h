// A parsed Dockerfile: the syntax as written (stages of raw instructions), and the typed
// commands an instruction becomes once its variables are known. Parsing never
// substitutes `${VAR}`: which variables are in scope depends on the stage, the ARGs
// declared so far, the build args and the ENV set by earlier steps, which only the
// executor knows. It calls `expand` on each instruction when it reaches it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.h"

namespace pier::builder {

enum class InstructionKind {
  from, arg, env, run, copy, add, workdir, user, expose, volume, label,
  entrypoint, cmd, healthcheck, stopsignal, shell, onbuild, maintainer,
};
// "FROM", "RUN", ... as Docker prints them in history and errors.
const char* instruction_name(InstructionKind kind);

// `<<EOF` bodies attached to a RUN or COPY (BuildKit's heredoc syntax).
struct Heredoc {
  std::string name;     // the delimiter word, e.g. "EOF"
  // Body lines joined with '\n', final newline kept. In an Instruction: as written. In
  // RunCommand and CopyCommand: as the script or file gets it (leading tabs removed
  // for <<-; in COPY, variables substituted unless the delimiter was quoted).
  std::string content;
  bool expand = true;   // false when the delimiter was quoted (<<'EOF' / <<"EOF")
  bool strip_tabs = false;  // <<-EOF
};

// One instruction as written. `line` is where its keyword is (1-based); `text` is the
// whole logical line after continuations were joined and comments dropped.
struct Instruction {
  InstructionKind kind = InstructionKind::run;
  int line = 0;
  std::string text;  // "COPY --from=build /out /app" (keyword included)
  // `--name=value` / `--name` flags before the arguments, in order, unsubstituted
  // (value "" for a bare boolean flag such as `--link`). Checked against Docker's
  // list for the instruction when parsed.
  std::vector<std::pair<std::string, std::string>> flags;
  bool json_form = false;          // arguments were a JSON array
  // JSON form: the array. Otherwise as Docker's parser cuts them, unsubstituted:
  // COPY ADD VOLUME FROM EXPOSE: words split at whitespace; ARG: words (quotes kept);
  // ENV LABEL: key, value, key, value... (quotes kept; the legacy `ENV k v` gives one
  // pair); RUN CMD ENTRYPOINT SHELL USER WORKDIR STOPSIGNAL MAINTAINER ONBUILD: one
  // element, the text; HEALTHCHECK: the type word then the command (JSON or text).
  std::vector<std::string> args;
  std::string rest;                // everything after the flags, as written
  std::vector<Heredoc> heredocs;
};

struct Stage {
  int index = 0;
  std::string name;          // `AS name`, lower-cased; empty when unnamed
  Instruction from;          // its FROM (kind == from)
  std::vector<Instruction> instructions;  // after FROM, in order
};

struct Dockerfile {
  std::string path;                       // for errors: "Dockerfile:7"
  std::string syntax;                     // `# syntax=` as written (pier ignores the frontend)
  char escape = '\\';                     // `# escape=`
  std::vector<Instruction> global_args;   // ARGs before the first FROM
  std::vector<Stage> stages;
  // "Dockerfile:12: empty continuation line ...": what Docker warns about; the
  // executor prints them.
  std::vector<std::string> warnings;
  // The stage `target` names (case-insensitive), or the last one when empty.
  Result<int> stage_index(std::string_view target) const;
};

// Also checks every instruction as `expand` would (flags, arguments, values that do
// not come from variables), so such errors come before any step runs.
Result<Dockerfile> parse_dockerfile(std::string_view text, std::string path);

// Typed commands: what an instruction means once its variables are substituted.
struct FromCommand { std::string image; std::string name; std::string platform; };
struct ArgCommand { std::vector<std::pair<std::string, std::optional<std::string>>> args; };
struct EnvCommand { std::vector<std::pair<std::string, std::string>> vars; };
struct LabelCommand { std::vector<std::pair<std::string, std::string>> labels; };
struct RunCommand {
  // exec form: argv; shell form: one element, the command line (or the heredoc
  // script), to run with the stage's SHELL.
  std::vector<std::string> argv;
  bool shell_form = true;
  std::vector<Heredoc> heredocs;  // extra files (`RUN python3 <<EOF`), fed as Docker does
  // argv[0] is the body of a lone `RUN <<EOF`; Docker runs a body starting with "#!"
  // as an executable file instead of through the shell.
  bool heredoc_script = false;
  std::vector<std::string> mounts;  // --mount=... as written (pier refuses them with an error)
  std::string network;              // --network=none|host|default
};
struct CopyCommand {
  bool add = false;                  // ADD: auto-extract local tars, URLs
  std::vector<std::string> sources;  // context-relative globs, stage paths, or URLs
  std::string dest;                  // as written: relative to WORKDIR when not absolute
  std::string from;                  // --from: a stage name/index or an image reference
  std::string chown;                 // --chown=user:group
  std::optional<mode_t> chmod;       // --chmod=0755 (octal)
  bool link = false;                 // --link (pier copies into a fresh layer either way)
  std::vector<Heredoc> heredocs;     // COPY <<EOF /dest
  std::vector<std::string> exclude;  // --exclude=pattern
  bool parents = false;              // COPY --parents (keep the sources' directories)
  std::string checksum;              // ADD --checksum=sha256:... (verify a downloaded URL)
  bool keep_git_dir = false;         // ADD --keep-git-dir (git sources)
  std::optional<bool> unpack;        // ADD --unpack[=bool] (extract a remote archive too)
};
struct WorkdirCommand { std::string path; };
struct UserCommand { std::string user; };
struct ExposeCommand { std::vector<std::string> ports; };   // "80/tcp", "53/udp"; ranges expanded
struct VolumeCommand { std::vector<std::string> paths; };
// ENTRYPOINT / CMD: shell form is one element with shell_form set; the executor wraps
// it with the stage's SHELL as Docker does. An empty argv (no arguments, or `[]`)
// clears the setting.
struct ExecCommand { bool entrypoint = false; std::vector<std::string> argv; bool shell_form = false; };
// Durations and retries are nullopt when not given or 0 (the image's or the default).
struct HealthcheckCommand {
  bool none = false;
  std::vector<std::string> test;  // ["CMD", ...] or ["CMD-SHELL", "..."]
  std::optional<std::chrono::nanoseconds> interval, timeout, start_period, start_interval;
  std::optional<int> retries;
};
struct StopsignalCommand { std::string signal; };
struct ShellCommand { std::vector<std::string> argv; };
struct OnbuildCommand { std::string instruction; };  // the trigger text, stored in the image
struct MaintainerCommand { std::string name; };

using Command = std::variant<FromCommand, ArgCommand, EnvCommand, LabelCommand, RunCommand, CopyCommand,
                             WorkdirCommand, UserCommand, ExposeCommand, VolumeCommand, ExecCommand,
                             HealthcheckCommand, StopsignalCommand, ShellCommand, OnbuildCommand,
                             MaintainerCommand>;

// The variables in scope for an instruction; nullopt when unset.
using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Substitutes variables where Docker does (ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER
// VOLUME WORKDIR ARG, and ONBUILD never) and types the arguments. Errors carry
// "<path>:<line>: " and name the instruction: `Dockerfile:7: COPY requires at least two
// arguments`.
Result<Command> expand(const Dockerfile& file, const Instruction& instruction, const VariableLookup& lookup);

// Docker's word substitution on one string: $VAR, ${VAR}, ${VAR:-word}, ${VAR-word},
// ${VAR:+word}, ${VAR+word}, ${VAR:?msg}, escape character handling.
Result<std::string> substitute(std::string_view word, const VariableLookup& lookup, char escape = '\\');

}  // namespace pier::builder
