// COPY and ADD: sources (paths, globs, URLs for ADD, heredocs), the destination and
// the flags, each substituted as Docker does (--from, --chown, --chmod, --exclude and
// --checksum too).
#include "builder/dockerfile/expander.h"
#include "builder/dockerfile/heredoc.h"
#include "builder/dockerfile/values.h"

namespace pier::builder::detail {

namespace {

// A `<<EOF` source: its body, tabs stripped for <<-, variables substituted unless the
// delimiter was quoted.
Result<Heredoc> heredoc_source(const Expander& ex, const Heredoc& word) {
  for (const auto& written : ex.instruction().heredocs) {
    if (written.name != word.name) continue;
    Heredoc out = written;
    out.content = heredoc_body(written);
    if (out.expand) {
      PIER_TRY(out.content, ex.body(out.content));
    }
    return out;
  }
  return ex.error("has no body for the heredoc <<" + word.name);
}

Status expand_sources(const Expander& ex, CopyCommand& out) {
  const Instruction& ins = ex.instruction();
  for (size_t i = 0; i + 1 < ins.args.size(); ++i) {
    const std::string& raw = ins.args[i];
    if (auto heredoc = ins.json_form ? std::nullopt : parse_heredoc_word(raw)) {
      PIER_TRY(Heredoc body, heredoc_source(ex, *heredoc));
      out.heredocs.push_back(std::move(body));
      continue;
    }
    PIER_TRY(std::string source, ex.word(raw));
    if (source.empty() && ex.settled(raw)) return ex.error("source `" + raw + "` is empty after substitution");
    out.sources.push_back(std::move(source));
  }
  return {};
}

Status expand_chmod(const Expander& ex, CopyCommand& out) {
  auto raw = ex.flag("chmod");
  if (!raw) return {};
  PIER_TRY(std::string chmod, ex.word(*raw));
  if (!ex.settled(*raw)) return {};
  out.chmod = parse_octal_mode(chmod);
  if (!out.chmod)
    return ex.error("--chmod=" + chmod + " is not an octal mode").hint("pier supports octal modes such as 0755 or 644");
  return {};
}

Status expand_flags(const Expander& ex, CopyCommand& out) {
  if (auto from = ex.flag("from")) {
    PIER_TRY(out.from, ex.word(*from));
  }
  if (auto chown = ex.flag("chown")) {
    PIER_TRY(out.chown, ex.word(*chown));
  }
  PIER_CHECK(expand_chmod(ex, out));
  out.link = ex.flag_bool("link").value_or(false);
  out.parents = ex.flag_bool("parents").value_or(false);
  out.keep_git_dir = ex.flag_bool("keep-git-dir").value_or(false);
  out.unpack = ex.flag_bool("unpack");
  if (auto checksum = ex.flag("checksum")) {
    PIER_TRY(out.checksum, ex.word(*checksum));
  }
  for (const auto& raw : ex.flag_values("exclude")) {
    PIER_TRY(std::string pattern, ex.word(raw));
    out.exclude.push_back(std::move(pattern));
  }
  return {};
}

}  // namespace

Result<Command> expand_copy(const Expander& ex) {
  const Instruction& ins = ex.instruction();
  if (ins.args.size() < 2) return ex.error("requires at least two arguments: one or more sources and a destination");
  CopyCommand out;
  out.add = ins.kind == InstructionKind::add;
  const std::string& dest = ins.args.back();
  if (!ins.json_form && parse_heredoc_word(dest)) return ex.error("cannot take a heredoc as its destination");
  PIER_CHECK(expand_sources(ex, out));
  PIER_TRY(out.dest, ex.word(dest));
  if (out.dest.empty() && ex.settled(dest)) return ex.error("destination `" + dest + "` is empty after substitution");
  PIER_CHECK(expand_flags(ex, out));
  return Command(std::move(out));
}

}  // namespace pier::builder::detail
