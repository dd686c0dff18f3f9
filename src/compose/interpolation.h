// Variable interpolation in compose files and .env files: `$VAR`, `${VAR}`,
// `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`,
// `${VAR+alt}`, nested inside the default/alternate/message, and `$$` for a literal `$`.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "compose/diagnostics.h"
#include "compose/environment.h"
#include "compose/node.h"

namespace pier::compose {

// Returns the value of a variable, nullopt when it is unset.
using Lookup = std::function<std::optional<std::string>(const std::string& name)>;
// Called for each unset variable that has no default (it becomes "").
using OnMissing = std::function<void(const std::string& name)>;

// A Lookup over `env`, which must outlive it.
Lookup lookup_in(const Environment& env);

// Substitutes every variable in `text`. Defaults and alternates are evaluated only
// when used (`${A:-${B:?x}}` does not fail when A is set); nesting is capped at 32
// levels. Errors (bad syntax, `:?`/`?` on a missing variable) carry no location:
// callers add the node's mark.
Result<std::string> substitute(std::string_view text, const Lookup& lookup,
                               const OnMissing& on_missing = {});

// One variable reference as written, for `config --variables`.
struct VariableUse {
  enum class Kind { Plain, Default, Required, Alternate };
  std::string name;
  Kind kind = Kind::Plain;
  bool colon = false;   // `:-` / `:?` / `:+` (also applies when set but empty)
  std::string value;    // the default, error message or alternate, unsubstituted
};

// Every variable referenced in `text`, including those nested in defaults.
Result<std::vector<VariableUse>> find_variables(std::string_view text);

// Interpolates every scalar value of a document tree. Mapping keys are left as
// written: the spec says interpolation applies to values only and compose-go does
// the same (use the `KEY=VALUE` list form where a key must be interpolated).
// Unset variables become "" with one warning per variable per Interpolator, so
// one instance is shared by all the files of a project.
class Interpolator {
 public:
  explicit Interpolator(Environment env) : env_(std::move(env)) {}

  Status apply(Node& root);
  const Environment& environment() const { return env_; }
  // Moves out the warnings collected so far.
  Warnings take_warnings() { return std::exchange(warnings_, {}); }
  // Whether a value asked for `name` while it was unset (a default may have hidden it).
  bool looked_up_unset(const std::string& name) const { return unset_lookups_.count(name) > 0; }

 private:
  Status apply_scalar(Node& node);

  Environment env_;
  Warnings warnings_;
  std::set<std::string> warned_;
  std::set<std::string> unset_lookups_;
};

}  // namespace pier::compose
