// One logical line to an Instruction, as Docker's parser cuts it: the keyword (any
// case), the `--flags` before the arguments (checked against the instruction's list),
// then the arguments in the instruction's own form (JSON array, words, key=value
// pairs...). Nothing is substituted here, and arguments are only checked for syntax:
// `expand` checks their meaning.
#pragma once

#include <optional>
#include <string_view>

#include "base/result.h"
#include "builder/dockerfile/dockerfile.h"

namespace pier::builder::detail {

struct ParsedLine {
  Instruction instruction;
  bool takes_heredocs = false;  // RUN, COPY, ADD (or ONBUILD of one) in shell form
};

// Errors carry no location; the caller adds "<path>:<line>".
Result<ParsedLine> parse_instruction(std::string_view line, char escape);

std::optional<InstructionKind> instruction_kind(std::string_view keyword);

}  // namespace pier::builder::detail

namespace pier::builder::detail {

// The stage name of a FROM (`FROM image AS name`), lower-cased; "" without AS.
Result<std::string> from_stage_name(const Instruction& from);

}  // namespace pier::builder::detail
