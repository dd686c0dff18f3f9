// How a listing command prints its rows for `--format`, as Docker Compose does:
//   table (or pretty, or nothing)  the command's default columns
//   table TEMPLATE                 a header line, then one line per row, tab-aligned
//   json                           one JSON document (ls, images) or one per line (ps)
//   TEMPLATE                       one line per row, e.g. '{{.Name}}' or '{{json .}}'
// `\t` and `\n` typed literally in the format are a tab and a newline (docker/cli's
// rule). Each row is the JSON object that `--format json` prints, so a template sees
// exactly the fields that JSON has.
//
// For a new command: describe its fields once in a `Listing`, build one JSON object per
// row, and call `print_listing`; call `check_format` before doing any work so a typo in
// a template fails before, not after, the command acts.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace pier::app::format {

struct Field {
  std::string name;    // the JSON key: "Name", "RunningFor"
  std::string header;  // its table header: "NAME", "CREATED"
};

struct Listing {
  std::vector<Field> fields;  // every key a row has; a field left out gets NAME-style
  std::string table;          // the default table, e.g. "table {{.Name}}\t{{.Status}}"
  // Go tabwriter's minimum cell width, padding included: 10 where Compose prints with
  // docker/cli's formatter (ps, stats), 20 for Compose's own tables (ls, images).
  size_t min_width = 10;
  // `--format json`: one array for the whole listing (ls, images) or one object per
  // line (ps, stats).
  bool json_array = false;
};

// Parses the format once: an unknown field is found when the rows are printed, a
// syntax error here.
Status check_format(std::string_view format);

Status print_listing(std::string_view format, const std::vector<nlohmann::json>& rows, const Listing& listing,
                     FILE* out);
// The same text, returned.
Result<std::string> render_listing(std::string_view format, const std::vector<nlohmann::json>& rows,
                                   const Listing& listing);

// Lines whose cells end in a tab, aligned as Go's text/tabwriter aligns them with the
// given minimum width (padding included) and padding; the last cell of a line is not
// padded.
std::string tab_align(const std::string& text, size_t min_width, size_t padding = 3);

}  // namespace pier::app::format
