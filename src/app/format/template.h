// The Go text/template subset that `--format` accepts in Docker Compose, over JSON
// values: `{{.Name}}`, `{{.A.B}}`, `{{json .}}`, pipelines (`{{.Name | upper}}`),
// `{{if}}`/`{{with}}`/`{{range}}` with `{{else}}`, `{{- trim -}}`, comments, and the
// functions docker/cli adds (json, upper, lower, title, split, join, pad, truncate) plus
// Go's len, index, print, println, not, and, or, eq, ne.
//
// The template is the user's; the values are not (image labels, commands): a value is
// printed, never parsed as template text, and a control character in it comes out as a
// Go escape (`\x1b`, `\t`, `\n`), so a label cannot drive the terminal or split a table
// row. `json` escapes as JSON does and replaces invalid UTF-8 instead of failing.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace pier::app::format {

class Template {
 public:
  struct Node;

  // A syntax error names the column and what was expected there.
  static Result<Template> parse(std::string_view text);
  // Executes the template with `dot` as `.` (and `$`). Errors name the field or the
  // function that failed, as Go's "can't evaluate field X" does.
  Result<std::string> render(const nlohmann::json& dot) const;

  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;
  ~Template();

 private:
  Template();
  std::unique_ptr<Node> root_;
};

// Go's fmt `%v` of a JSON value: strings as they are, `[a b]` for arrays, `map[k:v]`
// for objects, `<no value>` for null.
std::string go_value_text(const nlohmann::json& value);

// JSON as docker/cli's `json` function writes it: compact, HTML characters left alone,
// invalid UTF-8 replaced (a hostile label must not make the output fail).
std::string json_text(const nlohmann::json& value);

}  // namespace pier::app::format
