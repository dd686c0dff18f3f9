#include "compose/loader.h"

#include <algorithm>

#include <filesystem>
#include <iostream>
#include <iterator>
#include <set>

#include "base/atomic_file.h"
#include "base/heap_reserve.h"
#include "base/strings.h"
#include "compose/discovery.h"
#include "compose/dotenv.h"
#include "compose/extends.h"
#include "compose/include.h"
#include "compose/include_env.h"
#include "compose/interpolation.h"
#include "compose/merge.h"
#include "compose/paths.h"
#include "compose/yaml_loader.h"

namespace pier::compose {
namespace fs = std::filesystem;
namespace {

constexpr const char* kStdinName = "<stdin>";

// State shared by the whole load, across included projects.
struct Session {
  const LoadOptions& options;
  Warnings warnings;
  std::vector<std::string> include_chain;  // files being loaded, outermost first
  std::optional<std::string> stdin_text;
  // A value used ${COMPOSE_PROJECT_NAME} before the name was known (see load_tree).
  bool wants_project_name = false;
  std::map<std::string, std::string> included_sources;  // see ProjectTree
};

Result<std::string> read_stdin(Session& session) {
  if (!session.stdin_text) {
    if (session.options.stdin_text) {
      session.stdin_text = session.options.stdin_text;
    } else {
      session.stdin_text = std::string(std::istreambuf_iterator<char>(std::cin), {});
    }
  }
  return *session.stdin_text;
}

// Parses a file, merging its documents in order when it holds several (as compose-go).
Result<Node> parse_file(const std::string& path, Session& session) {
  std::string text;
  if (path == "-") {
    PIER_TRY(text, read_stdin(session));
  } else {
    PIER_TRY(text, read_file(path));
  }
  reserve_heap(text.size() * session.options.heap_per_source_byte);
  PIER_TRY(auto docs, parse_yaml_documents(text, path == "-" ? kStdinName : path));
  // A file with nothing in it is almost always a mistake (wrong -f, truncated
  // write); Docker Compose refuses it too.
  if (std::all_of(docs.begin(), docs.end(), [](const Node& d) { return d.is_null(); }))
    return Error("empty compose file").at(path == "-" ? kStdinName : path)
        .hint("add a `services:` section or remove the file from -f / COMPOSE_FILE");
  Node doc;
  for (auto& d : docs) {
    if (d.is_null()) d = Node::mapping(d.mark());
    if (!d.is_mapping())
      return Error("the top level of a compose file must be a mapping, got a " +
                   std::string(d.kind_name())).at(d.mark().to_string());
    if (doc.is_null()) {
      doc = std::move(d);
    } else {
      PIER_CHECK(merge_documents(doc, d));
    }
  }
  return doc;
}

// Reads, parses and (unless disabled) interpolates one file.
Result<Node> read_document(const std::string& path, Interpolator& interpolator, Session& session) {
  PIER_TRY(Node doc, parse_file(path, session));
  if (session.options.interpolate) PIER_CHECK(interpolator.apply(doc));
  return doc;
}

Result<Environment> read_env_files(const std::vector<std::string>& files, const Environment& base) {
  Environment values;
  // Expansion sees the outer environment first, then values from earlier files.
  Lookup lookup = [&](const std::string& name) -> std::optional<std::string> {
    if (auto it = base.find(name); it != base.end()) return it->second;
    if (auto it = values.find(name); it != values.end()) return it->second;
    return std::nullopt;
  };
  for (const auto& file : files) {
    PIER_TRY(Environment parsed, read_dotenv_file(file, lookup));
    for (auto& [k, v] : parsed) values[k] = v;
  }
  // The outer environment wins over the files.
  for (const auto& [k, v] : base) values[k] = v;
  return values;
}

Result<Node> load_project(const std::vector<std::string>& files, const Environment& env,
                          Session& session);

Result<Node> load_included(const IncludeRequest& req, const Environment& parent_env,
                           Session& session) {
  std::vector<std::string> env_files = req.env_files;
  if (env_files.empty())
    env_files = select_env_files({}, {}, req.project_directory, req.project_directory);
  PIER_TRY(Environment env, read_env_files(env_files, parent_env));
  PIER_TRY(Node project, load_project(req.files, env, session));
  // What its own environment sets beyond interpolation: bare `environment` keys and the
  // sources of its secrets and configs (gone once merged into the including project).
  resolve_bare_environment(project, env);
  collect_source_values(project, env, session.included_sources);
  return project;
}

Status check_include_cycle(const std::string& file, const Session& session) {
  for (size_t i = 0; i < session.include_chain.size(); ++i) {
    if (session.include_chain[i] != file) continue;
    std::vector<std::string> cycle(session.include_chain.begin() + i, session.include_chain.end());
    cycle.push_back(file);
    return Error("include cycle: " + join(cycle, " -> "));
  }
  return {};
}

Result<Node> load_one_file(const std::string& file, Interpolator& interpolator, Session& session) {
  PIER_CHECK(check_include_cycle(file, session));
  PIER_TRY(Node doc, read_document(file, interpolator, session));
  DocumentLoader load_other = [&](const std::string& path) {
    return read_document(path, interpolator, session);
  };
  std::string abs_file =
      file == "-" ? (fs::path(session.options.working_directory) / kStdinName).string() : file;
  PIER_CHECK(resolve_extends(doc, abs_file, load_other));
  session.include_chain.push_back(file);
  const Environment& env = interpolator.environment();
  ProjectLoader load_include = [&](const IncludeRequest& req) {
    return load_included(req, env, session);
  };
  Status included = apply_include(doc, abs_file, load_include);
  session.include_chain.pop_back();
  if (!included) return std::move(included).error();
  return doc;
}

Result<Node> load_project(const std::vector<std::string>& files, const Environment& env,
                          Session& session) {
  Interpolator interpolator(env);
  Node merged;
  bool first = true;
  for (const auto& file : files) {
    auto doc = load_one_file(file, interpolator, session);
    for (auto& w : interpolator.take_warnings()) session.warnings.push_back(std::move(w));
    session.wants_project_name |= interpolator.looked_up_unset("COMPOSE_PROJECT_NAME");
    if (!doc) return std::move(doc).error();
    if (first) {
      merged = std::move(doc).value();
      strip_merge_tags(merged);
      first = false;
    } else {
      PIER_CHECK(merge_documents(merged, *doc));
    }
  }
  return merged;
}

// The directory of the first file that is not standard input; the working directory
// when there is none.
std::string first_file_dir(const std::vector<std::string>& files, const std::string& working_dir) {
  for (const auto& f : files)
    if (f != "-") return directory_of(absolute_path(working_dir, f));
  return working_dir;
}

// Included projects interpolate with their own Interpolator, so the same unset
// variable can be reported by several; keep the first report of each message.
Warnings unique_warnings(Warnings all) {
  Warnings out;
  std::set<std::string> seen;
  for (auto& w : all)
    if (seen.insert(w.message).second) out.push_back(std::move(w));
  return out;
}

Result<std::string> choose_project_name(const LoadOptions& options, const Environment& env,
                                        const Node& root, const std::string& project_dir) {
  if (!options.project_name.empty()) {
    PIER_CHECK(check_project_name(options.project_name));
    return options.project_name;
  }
  if (auto it = env.find("COMPOSE_PROJECT_NAME"); it != env.end() && !it->second.empty()) {
    auto checked = check_project_name(it->second);
    if (!checked) return std::move(checked).error().context("COMPOSE_PROJECT_NAME");
    return it->second;
  }
  if (const Node* name = root.find("name"); name && name->is_scalar() && !name->value().empty()) {
    auto checked = check_project_name(name->value());
    if (!checked) return std::move(checked).error().at(name->mark().to_string());
    return name->value();
  }
  std::string derived = normalize_project_name(fs::path(project_dir).filename().string());
  if (derived.empty())
    return Error("cannot derive a project name from the directory `" + project_dir + "`")
        .hint("name the project with -p NAME or a top-level `name:`");
  return derived;
}

}  // namespace

Result<ProjectTree> load_tree(const LoadOptions& options) {
  LoadOptions opts = options;
  std::error_code ec;
  opts.working_directory = opts.working_directory.empty()
      ? fs::current_path(ec).string()
      : fs::absolute(opts.working_directory, ec).lexically_normal().string();
  Session session{opts, {}, {}, {}, false, {}};
  ProjectTree tree;

  // The .env files are read twice, as Docker Compose does: first those of the directory
  // known before any compose file is chosen (--project-directory, the first -f file's,
  // else the working directory), which may set COMPOSE_FILE; then those of the project
  // directory the chosen files give. Every variable of the first read is kept, and the
  // second adds only what the process and the first did not set.
  std::string early_dir = !opts.project_directory.empty()
      ? absolute_path(opts.working_directory, opts.project_directory)
      : first_file_dir(opts.files, opts.working_directory);
  PIER_TRY(Environment early_env,
           read_env_files(select_env_files(opts.env_files, opts.environment, opts.working_directory,
                                           early_dir),
                          opts.environment));
  // With --project-directory and no -f, the default files are looked for there.
  PIER_TRY(tree.config_files, select_compose_files(opts.files, early_env, opts.working_directory,
                                                   early_dir, session.warnings));
  tree.working_dir = !opts.project_directory.empty()
      ? early_dir : first_file_dir(tree.config_files, opts.working_directory);

  auto env_files = select_env_files(opts.env_files, opts.environment, opts.working_directory,
                                    tree.working_dir);
  PIER_TRY(tree.environment, read_env_files(env_files, early_env));
  Warnings before_load = session.warnings;
  PIER_TRY(tree.root, load_project(tree.config_files, tree.environment, session));
  PIER_TRY(tree.name, choose_project_name(opts, tree.environment, tree.root, tree.working_dir));
  // ${COMPOSE_PROJECT_NAME} is the project's name however it was chosen (-p, `name:`,
  // the directory), as in compose-go. The name can come from the files themselves, so
  // a project that uses the variable unset is read a second time, now with it set.
  if (session.wants_project_name && !tree.environment.count("COMPOSE_PROJECT_NAME")) {
    tree.environment["COMPOSE_PROJECT_NAME"] = tree.name;
    session.warnings = std::move(before_load);
    session.wants_project_name = false;
    PIER_TRY(tree.root, load_project(tree.config_files, tree.environment, session));
  }
  if (Node* name = tree.root.find("name"); name && name->is_scalar()) {
    name->set_value(tree.name);
  } else {
    tree.root.set("name", Node::scalar(tree.name));
  }
  tree.included_sources = std::move(session.included_sources);
  tree.warnings = unique_warnings(std::move(session.warnings));
  return tree;
}

}  // namespace pier::compose
