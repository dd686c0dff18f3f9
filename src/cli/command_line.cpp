#include "cli/command_line.h"

#include "base/strings.h"

namespace pier::cli {
namespace {

// An option of `app`, else of the commands it falls through to (global flags may follow
// the command: `pier exec -p proj web ls`).
const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
  for (; app; app = app->get_fallthrough() ? app->get_parent() : nullptr)
    if (const CLI::Option* option = app->get_option_no_throw(name)) return option;
  return nullptr;
}

bool takes_value(const CLI::Option& option) { return option.get_items_expected_max() > 0; }

const CLI::App* subcommand_named(const CLI::App& app, const std::string& word) {
  auto found = app.get_subcommands([&](const CLI::App* sub) { return sub->check_name(word); });
  return found.empty() ? nullptr : found.front();
}

Error unknown_flag(const CLI::App& command, const std::string& flag) {
  const std::string& name = command.get_name();
  return Error(name + ": unknown flag " + flag)
      .hint("the options of 'pier " + name + "' go before SERVICE and every word after SERVICE is the command; " +
            "see 'pier " + name + " --help'");
}

// The root takes no positional: a word there is a command, or a mistyped one.
Error unknown_command(const CLI::App& root, const std::string& word) {
  std::vector<std::string> names;
  for (const CLI::App* sub : root.get_subcommands({}))
    if (!sub->get_group().empty()) names.push_back(sub->get_name());
  Error e("unknown command `" + word + "` for `pier`");
  std::string guess = closest_match(word, names);
  return guess.empty() ? e : std::move(e).hint("did you mean `" + guess + "`?");
}

}  // namespace

Result<CommandLine> read_command_line(const CLI::App& root, int argc, const char* const* argv) {
  CommandLine line;
  const std::vector<std::string> words(argv + 1, argv + argc);
  const CLI::App* current = &root;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    const bool stops_at_service = current != &root && current->get_prefix_command();
    if (word == "--") {
      // `exec -- web ls`: the word after `--` is SERVICE.
      if (stops_at_service && i + 1 < words.size()) {
        line.args.push_back(words[i + 1]);
        line.command.assign(words.begin() + static_cast<long>(i) + 2, words.end());
        return line;
      }
      line.args.insert(line.args.end(), words.begin() + static_cast<long>(i), words.end());
      return line;
    }
    if (word.starts_with("--")) {
      const std::string name = word.substr(0, word.find('='));
      const CLI::Option* option = find_option(current, name);
      if (!option && stops_at_service) return unknown_flag(*current, name);
      line.args.push_back(word);
      if (option && takes_value(*option) && name.size() == word.size() && i + 1 < words.size())
        line.args.push_back(words[++i]);
      continue;
    }
    if (word.size() > 1 && word[0] == '-') {
      // `-it`, `-dT`: one flag a letter, until a letter that takes a value: the rest of
      // the word is its value (less a leading `=`, as pflag reads `-p=proj`), or else
      // the next word is.
      std::string rewritten = "-";
      bool value_in_next_word = false, empty_value = false;
      for (size_t j = 1; j < word.size(); ++j) {
        const CLI::Option* option = find_option(current, std::string{'-', word[j]});
        if (!option) {
          if (stops_at_service) return unknown_flag(*current, std::string{'-', word[j]});
          rewritten += word.substr(j);  // CLI11 reports it, or it is a value such as -1
          break;
        }
        rewritten += word[j];
        if (!takes_value(*option)) continue;
        std::string value = word.substr(j + 1);
        const bool had_equals = value.starts_with('=');
        if (had_equals) value.erase(0, 1);
        value_in_next_word = value.empty() && !had_equals;
        empty_value = value.empty() && had_equals;
        rewritten += value;
        break;
      }
      line.args.push_back(rewritten);
      if (empty_value) line.args.emplace_back();
      if (value_in_next_word && i + 1 < words.size()) line.args.push_back(words[++i]);
      continue;
    }
    if (const CLI::App* sub = subcommand_named(*current, word)) {
      current = sub;
      line.args.push_back(word);
      continue;
    }
    if (current == &root) {
      // `pier help [COMMAND...]`, as `docker compose help up`: that command's --help.
      if (word == "help") {
        line.args.insert(line.args.end(), words.begin() + static_cast<long>(i) + 1, words.end());
        line.args.emplace_back("--help");
        return line;
      }
      return unknown_command(root, word);
    }
    line.args.push_back(word);
    if (stops_at_service) {
      line.command.assign(words.begin() + static_cast<long>(i) + 1, words.end());
      return line;
    }
  }
  return line;
}

}  // namespace pier::cli
