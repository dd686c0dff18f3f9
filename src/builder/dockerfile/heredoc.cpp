#include "builder/dockerfile/heredoc.h"

#include "builder/dockerfile/lex.h"
#include "builder/dockerfile/lines.h"
#include "builder/dockerfile/words.h"

namespace pier::builder::detail {

namespace {

const VariableLookup kNoVariables;

}  // namespace

// `^(\d*)<<(-?)([^<]*)$` with a non-empty name part that the lexer reads as one word.
std::optional<Heredoc> parse_heredoc_word(std::string_view word) {
  size_t i = 0;
  while (i < word.size() && is_digit(word[i])) ++i;
  if (word.substr(i, 2) != "<<") return std::nullopt;
  i += 2;
  Heredoc out;
  if (i < word.size() && word[i] == '-') {
    out.strip_tabs = true;
    ++i;
  }
  std::string_view name = word.substr(i);
  if (name.empty() || name.find('<') != std::string_view::npos) return std::nullopt;
  LexOptions options;
  options.keep_unset = true;
  Lexer lexer(name, kNoVariables, options);
  auto words = lexer.words();
  if (!words || words->size() != 1) return std::nullopt;
  out.name = std::move(words->front());
  // Quotes anywhere in the delimiter (<<"EOF", <<'EOF', <<E"O"F) disable expansion.
  out.expand = !lexer.saw_quote();
  return out;
}

std::vector<Heredoc> find_heredocs(std::string_view line) {
  std::vector<Heredoc> out;
  if (line.find("<<") == std::string_view::npos) return out;  // the common case, cheaply
  LexOptions options;
  options.raw_quotes = options.raw_escapes = options.keep_unset = true;
  auto words = Lexer(line, kNoVariables, options).words();
  if (!words) return out;
  for (const auto& word : *words)
    if (auto heredoc = parse_heredoc_word(word)) out.push_back(std::move(*heredoc));
  return out;
}

Status read_heredoc_bodies(LineReader& reader, std::vector<Heredoc>& heredocs) {
  for (auto& heredoc : heredocs) {
    bool terminated = false;
    while (auto raw = reader.next()) {
      std::string_view candidate = without_cr(*raw);
      if (heredoc.strip_tabs) {
        while (!candidate.empty() && candidate[0] == '\t') candidate.remove_prefix(1);
      }
      if (candidate == heredoc.name) {
        terminated = true;
        break;
      }
      heredoc.content.append(*raw);
      heredoc.content += '\n';
    }
    if (!terminated)
      return Error("unterminated heredoc <<" + heredoc.name + ": no line `" + heredoc.name +
                   "` before the end of the file");
  }
  return {};
}

std::string heredoc_body(const Heredoc& heredoc) {
  if (!heredoc.strip_tabs) return heredoc.content;
  std::string out;
  out.reserve(heredoc.content.size());
  bool line_start = true;
  for (char c : heredoc.content) {
    if (line_start && c == '\t') continue;
    line_start = c == '\n';
    out += c;
  }
  return out;
}

}  // namespace pier::builder::detail
