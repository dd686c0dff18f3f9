// COPY and ADD as instructions: which sources they name (the context, another stage or
// image, URLs), --chown, the destination and the cache key; copy_step.cpp writes the layer.
#include <algorithm>

#include "builder/executor/copy_step.h"
#include "builder/executor/executor_steps.h"
#include "builder/executor/path_parts.h"
#include "image/ensure.h"
#include "image/layer_view.h"
#include "runtime/rootfs.h"
#include "runtime/users.h"

namespace pier::builder::detail {

using nlohmann::json;

namespace {

// --chown=user[:group], names looked up in the destination stage's /etc/passwd and
// /etc/group (read through its layers, capped, regular files only).
Result<std::pair<uid_t, gid_t>> parse_chown(const std::string& chown, const image::LayerView& view,
                                            const std::string& where) {
  auto colon = chown.find(':');
  std::string user = chown.substr(0, colon);
  std::string group = colon == std::string::npos ? std::string() : chown.substr(colon + 1);
  auto numeric = [](const std::string& s) { return !s.empty() && std::all_of(s.begin(), s.end(), ::isdigit); };
  auto passwd = view.read("etc/passwd", runtime::kImageFileLimit);
  if (!passwd) return std::move(passwd).error().context(where + " --chown=" + chown);
  auto groups = view.read("etc/group", runtime::kImageFileLimit);
  if (!groups) return std::move(groups).error().context(where + " --chown=" + chown);
  uid_t uid = 0;
  gid_t gid = 0;
  if (numeric(user)) {
    uid = static_cast<uid_t>(std::stoul(user));
    gid = static_cast<gid_t>(uid);
  } else {
    auto r = runtime::resolve_user(user, {}, *passwd, *groups);
    if (!r) return Error(where + " --chown=" + chown + ": " + r.error().message());
    uid = r->uid;
    gid = r->gid;
  }
  if (!group.empty()) {
    if (numeric(group)) gid = static_cast<gid_t>(std::stoul(group));
    else {
      auto r = runtime::resolve_user("0:" + group, {}, *passwd, *groups);
      if (!r) return Error(where + " --chown=" + chown + ": " + r.error().message());
      gid = r->gid;
    }
  }
  return std::make_pair(uid, gid);
}

// The destination: absolute, cleaned, with a trailing '/' when written as a directory.
std::string copy_dest(const StageState& stage, const CopyCommand& cmd) {
  std::string workdir = stage.image.config.value("WorkingDir", std::string("/"));
  std::string dest = cmd.dest.starts_with("/") ? cmd.dest : workdir + "/" + cmd.dest;
  return clean_abs(dest) + ((cmd.dest.ends_with("/") || cmd.dest.ends_with("/.") || cmd.dest == ".") &&
                                    clean_abs(dest) != "/"
                                ? "/"
                                : "");
}

}  // namespace

// Sources split into URLs and local paths; what pier does not support, or the build's
// network forbids, is refused here, before anything is read.
Status Executor::check_copy_sources(const std::string& loc, const CopyCommand& cmd, std::vector<std::string>& urls,
                                    std::vector<std::string>& local) const {
  for (const auto& s : cmd.sources) {
    if (is_git_url(s))
      return Error(loc + " " + s + ": git sources are not supported yet")
          .hint("clone it in a RUN step, or put the files in the build context");
    if (!is_http_url(s)) {
      local.push_back(s);
      continue;
    }
    if (!cmd.add) return Error(loc + " " + s + ": COPY does not take URLs").hint("use ADD to download a file");
    urls.push_back(s);
  }
  if (!cmd.checksum.empty() && (urls.size() != 1 || !local.empty()))
    return Error(loc + " --checksum=" + cmd.checksum + ": --checksum needs exactly one http(s) URL source");
  if (!urls.empty()) {
    if (!cmd.from.empty())
      return Error(loc + " --from=" + cmd.from + ": --from cannot be combined with a URL source (" + urls.front() + ")");
    if (request_.network == "none")
      return Error(loc + " " + urls.front() + ": the build has no network (`build.network: none`), so ADD cannot "
                         "download it")
          .hint("remove `network: none` from the service's build section, set it to `default` or `host`, or put "
                "the file in the build context");
  }
  if (!cmd.exclude.empty()) return Error(loc + " --exclude is not supported yet");
  if (cmd.parents) return Error(loc + " --parents is not supported yet");
  return {};
}

// The layers --from names: an earlier stage (built) or an image, pulled as FROM would.
Result<std::vector<std::string>> Executor::copy_from_layers(const StageState& stage, const CopyCommand& cmd,
                                                            const std::string& loc, json& step) {
  PIER_TRY(int ref, stage_ref(cmd.from, static_cast<int>(&stage - stages_.data())));
  if (ref >= 0) {
    if (!stages_[static_cast<size_t>(ref)].built)
      return Error(loc + " --from=" + cmd.from + ": that stage was not built");
    step["from"] = "stage " + stages_[static_cast<size_t>(ref)].image.chain;
    return stages_[static_cast<size_t>(ref)].image.layer_dirs;
  }
  image::PullPolicy policy;
  policy.kind = request_.pull ? image::PullPolicy::Kind::always : image::PullPolicy::Kind::missing;
  auto resolved = image::ensure_image(store_, cmd.from, policy, image::PullOptions{});
  if (!resolved) return std::move(resolved).error().context(loc + " --from=" + cmd.from);
  step["from"] = "image " + resolved->record.id;
  return resolved->layer_dirs;
}

Status Executor::copy_step(StageState& stage, const Instruction& ins, const CopyCommand& cmd) {
  std::string loc = where(ins);
  std::vector<std::string> urls, local;
  PIER_CHECK(check_copy_sources(loc, cmd, urls, local));
  image::LayerView dest_view(stage.image.layer_dirs);
  detail::CopySpec spec;
  spec.command = &cmd;
  spec.where = loc;
  spec.dest = copy_dest(stage, cmd);
  spec.dest_view = &dest_view;
  if (!cmd.chown.empty()) { PIER_TRY(spec.owner, parse_chown(cmd.chown, dest_view, loc)); }
  json step = {{"op", cmd.add ? "ADD" : "COPY"}, {"dest", spec.dest}, {"chown", cmd.chown},
               {"chmod", cmd.chmod ? *cmd.chmod : -1}, {"unpack", cmd.unpack.value_or(true)}};
  json heredocs = json::array();
  for (const auto& h : cmd.heredocs) heredocs.push_back({h.name, h.content});
  step["heredocs"] = heredocs;
  std::optional<image::LayerView> from_view;
  if (!cmd.from.empty()) {
    PIER_TRY(std::vector<std::string> layers, copy_from_layers(stage, cmd, loc, step));
    from_view.emplace(std::move(layers));
    spec.from = &*from_view;
    step["sources"] = cmd.sources;
  } else if (!local.empty()) {
    spec.context = &*context_;
    json digests = json::array();
    for (const auto& source : local) {
      auto entries = context_->resolve(source);
      if (!entries) return std::move(entries).error().context(loc);
      PIER_TRY(std::string digest, context_->digest(*entries));
      digests.push_back({source, digest});
      spec.context_entries.push_back(std::move(*entries));
    }
    step["sources"] = digests;
  }
  // URLs: downloaded now and keyed by their content's digest (Docker re-downloads and
  // compares), or with --checksum keyed by it and downloaded only on a cache miss.
  json remote = json::array();
  for (const auto& url : urls) {
    if (!cmd.checksum.empty()) {
      remote.push_back({url, "checksum", cmd.checksum});
      continue;
    }
    PIER_TRY(RemoteFile file, download_source(url, tmp_, loc, ""));
    remote.push_back({url, file.digest, file.mtime});
    spec.remote.push_back(std::move(file));
  }
  if (!urls.empty()) step["remote"] = remote;
  std::string key = cache_key(stage.image.chain, stage.image.config, step.dump());
  return add_layer(stage, key, ins.text, [&]() -> Result<LayerBlob> {
    if (!cmd.checksum.empty()) {
      PIER_TRY(RemoteFile file, download_source(urls.front(), tmp_, loc, cmd.checksum));
      spec.remote.push_back(std::move(file));
    }
    PIER_TRY(LayerTar tar, LayerTar::create(store_));
    PIER_CHECK(write_copy_layer(tar, spec));
    return tar.commit();
  });
}

}  // namespace pier::builder::detail
