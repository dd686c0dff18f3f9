// IgnoreMatcher: moby/patternmatcher's ignorefile.ReadAll (comments, `!`, cleaning,
// the leading '/'), then its MatchesOrParentMatches and fsutil's walk pruning.
#include "base/path.h"
#include "base/strings.h"
#include "builder/context/context.h"
#include "builder/context/glob.h"

namespace pier::builder {

namespace {

// The pattern without a trailing "/**" or "/*" (fsutil's patternWithoutTrailingGlob).
std::string_view without_trailing_glob(std::string_view pattern) {
  if (ends_with(pattern, "/**")) pattern.remove_suffix(3);
  else if (ends_with(pattern, "/*")) pattern.remove_suffix(2);
  return pattern;
}

// One line as ReadAll leaves it: "" for comments and blank lines, else the cleaned
// pattern, with its '!' kept in front.
std::string read_line(std::string_view line) {
  if (!line.empty() && line[0] == '#') return {};
  std::string_view p = trim(line);
  if (p.empty()) return {};
  bool invert = p[0] == '!';
  if (invert) p = trim(p.substr(1));
  std::string out;
  if (!p.empty()) {
    out = clean_path(p);
    if (out.size() > 1 && out[0] == '/') out.erase(0, 1);
  }
  return invert ? "!" + out : out;
}

}  // namespace

Result<IgnoreMatcher> IgnoreMatcher::parse(std::string_view text, std::string source_name) {
  IgnoreMatcher out;
  if (starts_with(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  int number = 0;
  for (std::string_view line : split(text, '\n')) {
    ++number;
    if (ends_with(line, "\r")) line.remove_suffix(1);
    std::string pattern = read_line(line);
    if (pattern.empty()) continue;
    auto where = [&] { return source_name + ":" + std::to_string(number); };
    bool exclusion = pattern[0] == '!';
    if (exclusion) {
      if (pattern.size() == 1) return Error("illegal exclusion pattern: \"!\"").at(where());
      pattern.erase(0, 1);
    }
    Status valid = detail::check_glob(pattern);
    if (!valid) return Error("`" + pattern + "`: " + valid.error().message()).at(where());
    if (exclusion) {
      out.has_exceptions_ = true;
      if (without_trailing_glob(pattern).find_first_of("*[]?^\\") != std::string_view::npos)
        out.exceptions_are_paths_ = false;
    }
    out.patterns_.push_back(detail::IgnorePattern::compile(std::move(pattern), exclusion));
  }
  return out;
}

// The last pattern that matches decides; an inclusion is only tried on a path not yet
// ignored, an exception only on one that is.
bool IgnoreMatcher::ignored(std::string_view rel) const {
  if (rel.empty() || rel == ".") return false;
  bool matched = false;
  for (const auto& pattern : patterns_) {
    if (pattern.exclusion() != matched) continue;
    if (pattern.matches_path_or_parent(rel)) matched = !pattern.exclusion();
  }
  return matched;
}

bool IgnoreMatcher::may_include_below(std::string_view dir) const {
  if (!has_exceptions_) return false;
  if (!exceptions_are_paths_) return true;
  std::string prefix = std::string(dir) + "/";
  for (const auto& pattern : patterns_) {
    if (!pattern.exclusion()) continue;
    if (starts_with(std::string(without_trailing_glob(pattern.text())) + "/", prefix)) return true;
  }
  return false;
}

}  // namespace pier::builder
