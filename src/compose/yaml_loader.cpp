#include "compose/yaml_loader.h"

#include <yaml.h>

#include <algorithm>
#include <deque>
#include <iterator>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "base/atomic_file.h"
#include "base/strings.h"
#include "compose/yaml_errors.h"
#include "compose/yaml_positions.h"

namespace pier::compose {
namespace {

using FileName = std::shared_ptr<const std::string>;

// A libyaml parser over one text and the event it produced last. libyaml's event API
// hands out one event at a time and builds no tree of its own, so the Builder below
// reads the text straight into Node.
class EventReader {
 public:
  explicit EventReader(std::string_view text) {
    ready_ = yaml_parser_initialize(&parser_) != 0;
    if (ready_)
      yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                   text.size());
  }
  ~EventReader() {
    if (has_event_) yaml_event_delete(&event_);
    if (ready_) yaml_parser_delete(&parser_);
  }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  // Moves to the next event; false on a syntax error (or no memory), see parser().
  bool next() {
    if (has_event_) yaml_event_delete(&event_);
    has_event_ = ready_ && yaml_parser_parse(&parser_, &event_) != 0;
    return has_event_;
  }
  const yaml_event_t& event() const { return event_; }
  const yaml_parser_t& parser() const { return parser_; }

 private:
  yaml_parser_t parser_{};
  yaml_event_t event_{};
  bool ready_ = false;
  bool has_event_ = false;
};

std::string text_of(const void* s) {
  return s ? std::string(static_cast<const char*>(s)) : std::string();
}

// yaml-cpp, which read compose files before, read these plain scalars as null.
bool is_null_word(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// A plain `<<` key is a YAML merge key; a quoted "<<" is an ordinary key.
bool is_merge_key(const Node& key) {
  return key.is_scalar() && key.value() == "<<" && !key.quoted();
}

Error merge_error(const Mark& mark) {
  return Error("the value of a `<<` merge key must be a mapping or a sequence of mappings")
      .at(mark.to_string());
}

// `<<: *a` or `<<: [*a, *b]`: the mappings whose entries the key merges, in order.
Status add_merge_sources(Node value, const Mark& key_mark, std::vector<Node>& sources) {
  if (value.is_mapping()) {
    sources.push_back(std::move(value));
    return {};
  }
  if (!value.is_sequence() || value.items().empty()) return merge_error(key_mark);
  for (auto& item : value.items()) {
    if (!item.is_mapping()) return merge_error(item.mark());
    sources.push_back(std::move(item));
  }
  return {};
}

// libyaml (0.2.5) wants a blank after a tag even where a flow indicator ends the node,
// so `{a: !reset}` and `[!reset]` are syntax errors to it, though YAML and Compose
// allow them. Each such place gets a space and the text is parsed again; marks still
// point into the text as written. Bounded: a hostile file cannot make it parse
// more than this many times.
constexpr size_t kMaxTagSpaces = 64;

// The keys of one mapping, for duplicates: a scan of the entries while the mapping is
// small (most are), a hash set once it is large (`services:` of a big project).
class KeySet {
 public:
  explicit KeySet(const std::vector<Node::Entry>& entries) : entries_(entries) {}

  // False when `key` is already there; else remembers it (the caller adds the entry).
  bool insert(const std::string& key) {
    if (set_.empty() && entries_.size() < kScanned) {
      return std::none_of(entries_.begin(), entries_.end(),
                          [&](const Node::Entry& e) { return e.key == key; });
    }
    if (set_.empty()) {
      for (const auto& e : entries_) set_.insert(e.key);
    }
    return set_.insert(key).second;
  }

 private:
  static constexpr size_t kScanned = 16;
  const std::vector<Node::Entry>& entries_;
  std::unordered_set<std::string> set_;
};

// A mapping key as written: most are plain or quoted scalars without anchor or tag,
// read straight from the event; others are built as nodes.
struct Key {
  std::string text;
  Mark mark;
  bool merge = false;  // a plain `<<`
};

// An anchored node as it was built, and what an alias to it costs: the nodes it
// expands to and how many levels it adds below the alias.
struct Anchor {
  Node node;
  size_t nodes = 0;
  int height = 0;
};

// One pass over the event stream of one text. An alias copies its anchor's Node, so
// the tree holds every expansion; `nodes_` counts what that costs (the copies kept for
// anchors included) so an alias bomb stops at the budget.
class Builder {
 public:
  Builder(std::string_view text, std::vector<size_t> inserted, FileName file,
          const YamlLimits& limits)
      : text_(text), reader_(text), positions_(text, std::move(inserted)), file_(std::move(file)),
        limits_(limits) {}

  Result<std::vector<Node>> documents();

  // After documents() failed: where libyaml stopped at a flow indicator right after a
  // tag (`{a: !reset}`), the offset of that indicator in the text.
  std::optional<size_t> tag_before_flow_indicator() const;

 private:
  Status advance();
  Status finish_document(Error error);
  Result<Node> node(int depth);
  Node scalar(const Mark& mark) const;
  Result<Node> sequence(const Mark& mark, int depth);
  Result<Node> mapping(const Mark& mark, int depth);
  Result<Node> alias(const Mark& mark, int depth);
  Result<Key> key(int depth);
  Status count_nodes(const Mark& mark, size_t count);
  Status check_depth(const Mark& mark, int depth);
  Error syntax_error() const;
  Mark empty_node_mark(const yaml_mark_t& at) const;

  template <class T>
  static std::vector<T>& scratch(std::deque<std::vector<T>>& levels, int depth) {
    if (levels.size() <= static_cast<size_t>(depth)) levels.resize(static_cast<size_t>(depth) + 1);
    std::vector<T>& level = levels[static_cast<size_t>(depth)];
    level.clear();
    return level;
  }
  Mark mark_at(const yaml_mark_t& m) const;
  Mark mark_of(const TextPosition& p) const { return Mark{file_, p.line, p.column}; }

  std::string_view text_;  // for explain_yaml_error: what the lines above an error say
  EventReader reader_;
  YamlPositions positions_;
  FileName file_;
  const YamlLimits& limits_;
  std::unordered_map<std::string, Anchor> anchors_;
  // Per nesting level, the entries or items of the collection being read there, reused
  // from one collection to the next: each collection's own vector is then allocated
  // once, at its final size, instead of growing (and moving its nodes) as it is read.
  // A deque, so a deeper level's growth leaves the shallower levels where they are.
  std::deque<std::vector<Node::Entry>> entry_scratch_;
  std::deque<std::vector<Node>> item_scratch_;
  size_t nodes_ = 0;
  int deepest_ = 0;       // the deepest level built so far, for Anchor::height
  bool limited_ = false;  // the error is a limit's: stop at once, parse no further
  // The collection being built: its first column, and whether it is a sequence.
  struct Enclosing {
    int column = 0;
    bool sequence = false;
  } enclosing_;
};

YamlMark yaml_mark(const yaml_mark_t& m) { return YamlMark{m.index, m.line, m.column}; }

Mark Builder::mark_at(const yaml_mark_t& m) const {
  return mark_of(positions_.at(yaml_mark(m)));
}

Error Builder::syntax_error() const {
  const yaml_parser_t& p = reader_.parser();
  if (p.error == YAML_MEMORY_ERROR)
    return Error("invalid YAML: out of memory while parsing").at(*file_);
  bool reader = p.error == YAML_READER_ERROR;
  TextPosition where = reader ? positions_.at_offset(p.problem_offset)
                              : positions_.at(yaml_mark(p.problem_mark));
  Error error("invalid YAML: " + text_of(p.problem));
  error.at(mark_of(where).to_string());
  if (tag_before_flow_indicator()) {  // met only past kMaxTagSpaces
    error.hint("put a space between a tag and the `,`, `]` or `}` after it; pier does that "
               "itself for the first " + std::to_string(kMaxTagSpaces) + " in a file");
  } else if (Error explained = explain_yaml_error(text_, text_of(p.problem), mark_of(where), 0);
             !reader && explained.message() != error.message()) {
    // A tab indenting a line, or a line matching no indentation open above it: said
    // in those words, at that line, rather than where the parser gave up.
    return explained;
  } else if (!reader && positions_.byte_at(yaml_mark(p.problem_mark)) == '\t') {
    error.hint("YAML indents with spaces; a tab cannot start a token or indent a line");
  } else if (p.context) {
    TextPosition from = positions_.at(yaml_mark(p.context_mark));
    error.hint(std::string(p.context) + " at line " + std::to_string(from.line) + ", column " +
               std::to_string(from.column));
  }
  return error;
}

std::optional<size_t> Builder::tag_before_flow_indicator() const {
  const yaml_parser_t& p = reader_.parser();
  if (p.error != YAML_SCANNER_ERROR || !p.context || std::string_view(p.context) != "while scanning a tag")
    return std::nullopt;
  char c = positions_.byte_at(yaml_mark(p.problem_mark));
  if (c != ',' && c != ']' && c != '}') return std::nullopt;
  return positions_.byte_offset(yaml_mark(p.problem_mark));
}

Status Builder::advance() {
  if (!reader_.next()) return syntax_error();
  return {};
}

// A parser that reads the whole document before looking at it (yaml-cpp did) reports a
// syntax error anywhere in it before a duplicate key or a bad merge, so after such an
// error this reads on to the end of the document. Not after a limit's error (the rest
// may be hostile), nor after a syntax error (libyaml has nothing more to give).
Status Builder::finish_document(Error error) {
  if (limited_ || reader_.parser().error != YAML_NO_ERROR) return error;
  while (reader_.event().type != YAML_DOCUMENT_END_EVENT &&
         reader_.event().type != YAML_STREAM_END_EVENT && reader_.event().type != YAML_NO_EVENT) {
    PIER_CHECK(advance());
  }
  return error;
}

Status Builder::check_depth(const Mark& mark, int depth) {
  deepest_ = std::max(deepest_, depth);
  if (depth <= limits_.max_depth) return {};
  limited_ = true;
  return Error("document is nested more than " + std::to_string(limits_.max_depth) +
               " levels deep").at(mark.to_string());
}

Status Builder::count_nodes(const Mark& mark, size_t count) {
  if (count <= limits_.max_nodes && nodes_ + count <= limits_.max_nodes) {
    nodes_ += count;
    return {};
  }
  limited_ = true;
  return Error("document expands to more than " + std::to_string(limits_.max_nodes) +
               " nodes (too many aliases?)").at(mark.to_string())
      .hint("a YAML alias copies its anchor; nested aliases multiply");
}

// Builds the node whose first event is current; leaves its last event current.
Result<Node> Builder::node(int depth) {
  const yaml_event_t& e = reader_.event();
  Mark mark = mark_at(e.start_mark);
  if (e.type == YAML_ALIAS_EVENT) return alias(mark, depth);

  const yaml_char_t* anchor = nullptr;
  const yaml_char_t* tag = nullptr;
  if (e.type == YAML_SCALAR_EVENT) {
    anchor = e.data.scalar.anchor;
    tag = e.data.scalar.tag;
  } else if (e.type == YAML_SEQUENCE_START_EVENT) {
    anchor = e.data.sequence_start.anchor;
    tag = e.data.sequence_start.tag;
  } else if (e.type == YAML_MAPPING_START_EVENT) {
    anchor = e.data.mapping_start.anchor;
    tag = e.data.mapping_start.tag;
  } else {
    return Error("invalid YAML: unexpected parser event").at(mark.to_string());
  }
  std::string anchor_name = text_of(anchor);
  std::string tag_text = text_of(tag);
  size_t nodes_before = nodes_;
  int deepest_before = std::exchange(deepest_, depth);
  PIER_CHECK(check_depth(mark, depth));
  PIER_CHECK(count_nodes(mark, 1));

  Node out;
  if (e.type == YAML_SCALAR_EVENT) {
    out = scalar(mark);
  } else if (e.type == YAML_SEQUENCE_START_EVENT) {
    PIER_TRY(out, sequence(mark, depth));
  } else {
    PIER_TRY(out, mapping(mark, depth));
  }
  // "!" is the tag of a non-plain scalar without one of its own: `quoted`, not a tag.
  if (!tag_text.empty() && tag_text != "!") out.set_tag(std::move(tag_text));
  if (!anchor_name.empty()) {
    Anchor a{out, nodes_ - nodes_before, deepest_ - depth};
    PIER_CHECK(count_nodes(mark, a.nodes));  // the copy kept for aliases
    anchors_[anchor_name] = std::move(a);
  }
  deepest_ = std::max(deepest_, deepest_before);
  return out;
}

Node Builder::scalar(const Mark& mark) const {
  const yaml_event_t& e = reader_.event();
  const auto& s = e.data.scalar;
  std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
  bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
  if (plain && !s.tag && is_null_word(value)) {
    bool nothing_written = value.empty() && !s.anchor && e.start_mark.index == e.end_mark.index;
    return Node::null(nothing_written ? empty_node_mark(e.start_mark) : mark);
  }
  bool quoted = s.tag ? text_of(s.tag) == "!" : !plain;
  return Node::scalar(std::string(value), mark, quoted);
}

// Nothing written at all ("a:" then the next key): yaml-cpp, whose marks pier's errors
// kept, placed the node where the token after it starts. At the end of a text without
// a final line break that token is the end of the enclosing block if the last line is
// indented less than the block (less than or as much, for a sequence), else yaml-cpp's
// end of the line, column 1.
Mark Builder::empty_node_mark(const yaml_mark_t& at) const {
  auto [p, at_end] = positions_.next_token(yaml_mark(at));
  if (p.column > 1 && at_end) {
    bool inside = enclosing_.sequence ? p.column <= enclosing_.column
                                      : p.column < enclosing_.column;
    if (!inside) p.column = 1;
  }
  return mark_of(p);
}

Result<Node> Builder::sequence(const Mark& mark, int depth) {
  Node out = Node::sequence(mark);
  std::vector<Node>& items = scratch(item_scratch_, depth);
  Enclosing outer = std::exchange(enclosing_, Enclosing{mark.column, true});
  while (true) {
    PIER_CHECK(advance());
    if (reader_.event().type == YAML_SEQUENCE_END_EVENT) break;
    PIER_TRY(Node item, node(depth + 1));
    items.push_back(std::move(item));
  }
  enclosing_ = outer;
  out.items().assign(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
  items.clear();
  return out;
}

Result<Node> Builder::alias(const Mark& mark, int depth) {
  std::string name = text_of(reader_.event().data.alias.anchor);
  auto it = anchors_.find(name);
  if (it == anchors_.end())
    return Error("invalid YAML: the referenced anchor is not defined: " + name).at(mark.to_string());
  const Anchor& a = it->second;
  PIER_CHECK(check_depth(mark, depth + a.height));
  PIER_CHECK(count_nodes(mark, a.nodes));
  return a.node;  // with the anchor's own marks: the alias is that node
}

Result<Key> Builder::key(int depth) {
  const yaml_event_t& e = reader_.event();
  Mark mark = mark_at(e.start_mark);
  if (e.type == YAML_SCALAR_EVENT && e.data.scalar.length > 0 && !e.data.scalar.anchor &&
      !e.data.scalar.tag) {
    PIER_CHECK(check_depth(mark, depth));
    PIER_CHECK(count_nodes(mark, 1));
    std::string_view text(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
    bool plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (plain && is_null_word(text)) return Key{{}, mark, false};  // a null key reads as ""
    return Key{std::string(text), std::move(mark), plain && text == "<<"};
  }
  PIER_TRY(Node node, this->node(depth));
  if (!node.is_scalar() && !node.is_null())
    return Error("mapping keys must be strings, got a " +
                 std::string(node.is_mapping() ? "mapping" : "sequence")).at(mark.to_string());
  bool merge = is_merge_key(node);
  Mark key_mark = node.mark();
  return Key{node.is_scalar() ? node.value() : std::string(), std::move(key_mark), merge};
}

// Explicit keys win over merged ones wherever they appear, and earlier merged
// mappings over later ones, so merges are applied once the mapping is complete:
// each merge key's entries go where the key was, less the keys already present.
Result<Node> Builder::mapping(const Mark& mark, int depth) {
  Node out = Node::mapping(mark);
  struct Merge {
    size_t position;  // explicit entries before it
    std::vector<Node> sources;
  };
  std::vector<Merge> merges;
  std::vector<Node::Entry>& entries = scratch(entry_scratch_, depth);
  KeySet keys(entries);
  Enclosing outer = std::exchange(enclosing_, Enclosing{mark.column, false});
  while (true) {
    PIER_CHECK(advance());
    if (reader_.event().type == YAML_MAPPING_END_EVENT) break;
    PIER_TRY(Key key, this->key(depth + 1));
    PIER_CHECK(advance());
    if (key.merge) {
      PIER_TRY(Node value, node(depth + 1));
      merges.push_back(Merge{entries.size(), {}});
      PIER_CHECK(add_merge_sources(std::move(value), key.mark, merges.back().sources));
      continue;
    }
    if (!keys.insert(key.text))
      return Error("duplicate key `" + key.text + "`").at(key.mark.to_string());
    PIER_TRY(Node value, node(depth + 1));
    entries.push_back(Node::Entry{std::move(key.text), std::move(key.mark), std::move(value)});
  }
  enclosing_ = outer;
  auto& result = out.entries();
  size_t merged = 0;
  for (const auto& merge : merges)
    for (const auto& source : merge.sources) merged += source.entries().size();
  result.reserve(entries.size() + merged);
  size_t next = 0;  // explicit entries before it are in `result` already
  auto present = [&](const std::string& key) {
    auto same = [&](const Node::Entry& e) { return e.key == key; };
    return std::any_of(entries.begin() + static_cast<std::ptrdiff_t>(next), entries.end(), same) ||
           std::any_of(result.begin(), result.end(), same);
  };
  for (auto& merge : merges) {
    for (; next < merge.position; ++next) result.push_back(std::move(entries[next]));
    for (auto& source : merge.sources) {
      for (auto& entry : source.entries()) {
        if (!present(entry.key)) result.push_back(std::move(entry));
      }
    }
  }
  for (; next < entries.size(); ++next) result.push_back(std::move(entries[next]));
  entries.clear();
  return out;
}

Result<std::vector<Node>> Builder::documents() {
  std::vector<Node> out;
  std::vector<bool> blank;  // per document: nothing in it but comments and markers
  PIER_CHECK(advance());    // STREAM-START
  while (true) {
    PIER_CHECK(advance());
    if (reader_.event().type == YAML_STREAM_END_EVENT) break;
    anchors_.clear();        // DOCUMENT-START: anchors belong to their document
    PIER_CHECK(advance());
    const yaml_event_t& root = reader_.event();
    blank.push_back(root.type == YAML_SCALAR_EVENT && root.data.scalar.length == 0 &&
                    !root.data.scalar.tag && !root.data.scalar.anchor &&
                    root.data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
    auto doc = node(0);
    if (!doc) return finish_document(std::move(doc).error()).error();
    PIER_CHECK(advance());  // DOCUMENT-END
    out.push_back(std::move(*doc));
  }
  // Comments before the first `---` (or between markers) are no document of their own.
  if (out.size() > 1) {
    std::vector<Node> kept;
    for (size_t i = 0; i < out.size(); ++i) {
      if (!blank[i]) kept.push_back(std::move(out[i]));
    }
    out = std::move(kept);
  }
  // No document at all (comments, blanks): one null without a place; only blank ones:
  // a null at the start.
  int line = blank.empty() ? 0 : 1;
  if (out.empty()) out.push_back(Node::null(Mark{file_, line, line}));
  return out;
}
}  // namespace

Result<std::vector<Node>> parse_yaml_documents(std::string_view text, const std::string& file,
                                               const YamlLimits& limits) {
  auto name = std::make_shared<const std::string>(file);
  // YAML is Unicode text; invalid bytes would otherwise travel into the model and
  // break JSON output far from their source.
  if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + bad, '\n'));
    size_t newline = bad == 0 ? std::string_view::npos : text.rfind('\n', bad - 1);
    size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    int column = static_cast<int>(bad - line_start) + 1;
    return Error("invalid YAML: the file is not valid UTF-8 text")
        .at(Mark{name, line, column}.to_string())
        .hint("save the file as UTF-8");
  }
  std::string spaced;  // `text` with the spaces after tags, once one is needed
  std::vector<size_t> inserted;
  while (true) {
    Builder builder(spaced.empty() ? text : spaced, inserted, name, limits);
    auto docs = builder.documents();
    if (docs.ok() || inserted.size() >= kMaxTagSpaces) return docs;
    std::optional<size_t> at = builder.tag_before_flow_indicator();
    if (!at) return docs;
    if (spaced.empty()) spaced = text;
    spaced.insert(*at, 1, ' ');
    inserted.push_back(*at);
  }
}

Result<Node> parse_yaml(std::string_view text, const std::string& file, const YamlLimits& limits) {
  PIER_TRY(auto docs, parse_yaml_documents(text, file, limits));
  return std::move(docs.front());
}

Result<Node> load_yaml_file(const std::string& path, const YamlLimits& limits) {
  PIER_TRY(auto text, read_file(path));
  return parse_yaml(text, path, limits);
}

}  // namespace pier::compose
