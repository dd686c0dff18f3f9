// `.env` files, read as Docker Compose (compose-go's dotenv parser) reads them:
//   KEY=VALUE, export KEY=VALUE, KEY: VALUE (yaml style), `# comments`,
//   'single quotes' (literal, \' allowed), "double quotes" (\n \r \t \" \\ \$ escapes
//   and ${VAR} expansion), multi-line quoted values, unquoted values trimmed and cut
//   at ` #`, with ${VAR} expansion, and a bare KEY that copies the variable from the
//   lookup environment (and is left out when unset there).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "compose/environment.h"
#include "compose/interpolation.h"

namespace pier::compose {

// Parses dotenv text. Expansion and bare keys consult `lookup` first, then the keys
// defined earlier in the same text. Errors name `file`:line.
Result<Environment> parse_dotenv(std::string_view text, const std::string& file,
                                 const Lookup& lookup);

// Reads and parses a file; a missing file is an error.
Result<Environment> read_dotenv_file(const std::string& path, const Lookup& lookup);

}  // namespace pier::compose
