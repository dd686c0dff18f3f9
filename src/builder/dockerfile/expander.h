// What `expand` needs while it types one instruction: substitution with the file's
// escape character, the instruction's flags, and errors located at its line. The
// parser runs the same code in a dry mode (every variable set to a placeholder), so
// mistakes that do not depend on variables are reported before a build starts; in
// that mode the checks of values that came from a variable are skipped (`settled`).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "builder/dockerfile/dockerfile.h"

namespace pier::builder::detail {

class Expander {
 public:
  Expander(const Dockerfile& file, const Instruction& instruction, const VariableLookup& lookup, bool dry)
      : file_(file), instruction_(instruction), lookup_(lookup), dry_(dry) {}

  const Instruction& instruction() const { return instruction_; }
  const char* name() const { return instruction_name(instruction_.kind); }

  // Docker's ProcessWord / ProcessWords with the file's escape character.
  Result<std::string> word(std::string_view raw) const;
  Result<std::vector<std::string>> words(std::string_view raw) const;
  // A heredoc body: variables substituted, quotes left alone, `\` escaping (BuildKit's
  // raw expansion of COPY <<EOF bodies).
  Result<std::string> body(std::string_view raw) const;
  // False in the dry run for text that contains a `$`: its value is not known yet.
  bool settled(std::string_view raw) const { return !dry_ || raw.find('$') == std::string_view::npos; }

  // "<path>:<line>: <NAME> <message>" (message starts with what follows the name).
  Error error(std::string_view message) const;
  // Adds "<path>:<line>" to an error.
  Error locate(Error error) const;

  // The value of a string flag (the last one given), or nullopt.
  std::optional<std::string> flag(std::string_view name) const;
  std::vector<std::string> flag_values(std::string_view name) const;
  std::optional<bool> flag_bool(std::string_view name) const;

 private:
  const Dockerfile& file_;
  const Instruction& instruction_;
  const VariableLookup& lookup_;
  bool dry_;
};

// The dry run's variables: every name is set, to a placeholder.
const VariableLookup& dry_lookup();

// expand() with an explicit mode; the parser calls it with dry = true.
Result<Command> expand_instruction(const Dockerfile& file, const Instruction& instruction,
                                   const VariableLookup& lookup, bool dry);

// Parts of expand_instruction, one file each.
Result<Command> expand_copy(const Expander& ex);
Result<Command> expand_run(const Expander& ex);
Result<Command> expand_healthcheck(const Expander& ex);
Result<Command> expand_expose(const Expander& ex);

}  // namespace pier::builder::detail
