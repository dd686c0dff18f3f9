// The normalised Compose project: plain structs every later stage reads (graph,
// supervisor, build, `config` output). Short syntaxes are already expanded, paths are
// absolute, durations are nanoseconds and sizes bytes. Optional fields are unset when
// the file did not set them, so `config` prints only what the user wrote (plus the
// defaults Docker Compose prints). Marks are kept where validation or the runtime
// may need to point back at the file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "compose/node.h"

namespace pier::compose {

using Json = nlohmann::ordered_json;
using StringMap = std::map<std::string, std::string>;  // sorted, as Compose prints maps
using Duration = int64_t;                               // nanoseconds
using Bytes = int64_t;

struct ServicePort {
  std::string name;
  std::string mode = "ingress";
  std::string host_ip;
  uint32_t target = 0;
  std::string published;  // "8080", "" when the host picks a port
  std::string protocol = "tcp";
  std::string app_protocol;
};

struct BindOptions {
  std::string propagation;
  std::optional<bool> create_host_path;
  std::string selinux;  // "z" or "Z"
};
struct VolumeOptions {
  std::optional<bool> nocopy;
  std::string subpath;
};
struct TmpfsOptions {
  std::optional<Bytes> size;
  std::optional<uint32_t> mode;
};
struct ImageMountOptions {
  std::string subpath;
};

struct ServiceVolume {
  std::string type;  // bind, volume, tmpfs, npipe, image, cluster
  std::string source;
  std::string target;
  bool read_only = false;
  std::string consistency;
  std::optional<BindOptions> bind;
  std::optional<VolumeOptions> volume;
  std::optional<TmpfsOptions> tmpfs;
  std::optional<ImageMountOptions> image;
  Mark mark;
};

struct DeviceMapping {
  std::string source;
  std::string target;
  std::string permissions;  // "rwm" unless given
};

struct EnvFile {
  std::string path;  // absolute
  bool required = true;
  std::string format;
  // A required file that was not there, as the located error to report: only when the
  // service is enabled (apply_profiles), since Compose reads no env file of a service
  // its profiles disable.
  std::optional<Error> missing_error;
};

struct DependsOn {
  std::string condition = "service_started";
  bool required = true;
  bool restart = false;
  Mark mark;
};

struct Healthcheck {
  std::optional<std::vector<std::string>> test;  // ["CMD", ...], ["CMD-SHELL", s], ["NONE"]
  std::optional<Duration> interval;
  std::optional<Duration> timeout;
  std::optional<Duration> start_period;
  std::optional<Duration> start_interval;
  std::optional<uint64_t> retries;
  bool disable = false;
};

struct Ulimit {
  std::optional<int64_t> single;  // `nofile: 1024`
  int64_t soft = 0;
  int64_t hard = 0;
};

struct ServiceNetwork {
  std::vector<std::string> aliases;
  std::string ipv4_address;
  std::string ipv6_address;
  std::vector<std::string> link_local_ips;
  std::string mac_address;
  StringMap driver_opts;
  std::optional<int64_t> gw_priority;
  std::optional<int64_t> priority;
  std::string interface_name;
  bool has_config = false;  // false: printed as null (`networks: {default: null}`)
  Mark mark;
};

// A service's use of a top-level secret or config.
struct FileReference {
  std::string source;
  std::string target;
  std::string uid;
  std::string gid;
  std::optional<uint32_t> mode;
  Mark mark;
};

struct Logging {
  std::string driver;
  StringMap options;
};

struct ServiceHook {
  std::vector<std::string> command;
  std::string user;
  std::optional<bool> privileged;
  std::string working_dir;
  StringMap environment;
  // pre_start steps only: the step container's image (the service's when empty), and
  // whether it runs per replica.
  std::string image;
  std::optional<bool> per_replica;
};

struct ExtraHost {
  std::string host;
  std::string ip;
};

struct BuildConfig {
  std::string context;  // absolute path, or a URL
  std::string dockerfile;
  std::string dockerfile_inline;
  std::map<std::string, std::optional<std::string>> args;  // nullopt: `KEY` with no value and unset
  std::vector<std::string> ssh;
  std::vector<std::string> cache_from;
  std::vector<std::string> cache_to;
  StringMap additional_contexts;
  std::vector<std::string> entitlements;
  std::vector<ExtraHost> extra_hosts;
  std::string isolation;
  StringMap labels;
  std::string network;
  std::optional<bool> no_cache;
  std::vector<std::string> no_cache_filter;
  std::vector<std::string> platforms;
  std::optional<bool> privileged;
  std::optional<bool> pull;
  std::optional<Json> provenance;  // bool or string attestation spec
  std::optional<Json> sbom;
  std::optional<Bytes> shm_size;
  std::string target;
  std::vector<FileReference> secrets;
  std::vector<std::string> tags;
  std::map<std::string, Ulimit> ulimits;
};

struct ResourceSpec {
  std::optional<double> cpus;
  std::optional<Bytes> memory;
  std::optional<int64_t> pids;
  std::optional<Json> devices;            // device requests, kept as written
  std::optional<Json> generic_resources;  // swarm only
};

struct RestartPolicy {
  std::string condition;
  std::optional<Duration> delay;
  std::optional<uint64_t> max_attempts;
  std::optional<Duration> window;
};

struct DeployConfig {
  std::string mode;
  std::string endpoint_mode;
  std::optional<int64_t> replicas;
  StringMap labels;
  std::optional<ResourceSpec> limits;
  std::optional<ResourceSpec> reservations;
  std::optional<RestartPolicy> restart_policy;
  std::optional<Json> placement;        // swarm only: kept as written
  std::optional<Json> update_config;    // swarm only
  std::optional<Json> rollback_config;  // swarm only
};

// `x-pier-desktop`: what a desktop app needs from the host's session, added by the
// plan library (plan/desktop.cpp). `x-pier-desktop: true` asks for every
// part the host has (`automatic`); a mapping turns parts on one by one, and a part set
// to true there is required (the plan fails when the host lacks it).
struct DesktopSharing {
  bool automatic = false;
  bool x11 = false, wayland = false, pulseaudio = false, gpu = false;
  bool user = true;  // run as the invoking user's uid:gid when the service sets no `user:`
  Mark mark;         // where the extension was written
};

// blkio_config: the cgroup's IO weight and per-device limits, checked at load.
struct BlkioWeightDevice {
  std::string path;
  int64_t weight = 0;  // 10..1000, or 0 for the default
};
struct BlkioThrottleDevice {
  std::string path;
  int64_t rate = 0;  // bytes (device_*_bps) or operations (device_*_iops) per second
};
struct BlkioConfig {
  std::optional<int64_t> weight;  // 10..1000, or 0 for the default
  std::vector<BlkioWeightDevice> weight_device;
  std::vector<BlkioThrottleDevice> device_read_bps, device_read_iops, device_write_bps, device_write_iops;
  std::map<std::string, Json> extensions;
};

struct Service {
  std::string name;
  bool disabled = false;  // set by apply_profiles: not part of this run
  Mark mark;
  std::map<std::string, Mark> key_marks;  // where each key was written, for later errors

  StringMap annotations;
  std::optional<bool> attach;
  std::optional<BlkioConfig> blkio_config;
  std::optional<BuildConfig> build;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  std::string cgroup;  // "host" or "private"
  std::string cgroup_parent;
  std::optional<std::vector<std::string>> command;  // set-but-empty differs from unset
  std::vector<FileReference> configs;
  std::string container_name;
  std::optional<int64_t> cpu_count;
  std::optional<int64_t> cpu_percent;
  std::optional<int64_t> cpu_period;
  std::optional<int64_t> cpu_quota;
  std::optional<int64_t> cpu_rt_period;   // microseconds (an integer or a duration)
  std::optional<int64_t> cpu_rt_runtime;
  std::optional<int64_t> cpu_shares;
  std::optional<double> cpus;
  std::string cpuset;
  std::optional<Json> credential_spec;
  std::map<std::string, DependsOn> depends_on;
  std::optional<DeployConfig> deploy;
  std::optional<Json> develop;
  std::vector<std::string> device_cgroup_rules;
  std::vector<DeviceMapping> devices;
  std::vector<std::string> dns;
  std::vector<std::string> dns_opt;
  std::vector<std::string> dns_search;
  std::string domainname;
  std::optional<std::vector<std::string>> entrypoint;
  std::vector<EnvFile> env_files;  // merged into `environment` unless `environment_resolved` is false
  StringMap environment;
  // Keys written without a value (`- KEY`, `KEY:`) whose variable is unset: the container
  // has no such variable, not even the image's (Compose's `KEY: null`).
  std::set<std::string> unset_environment;
  // False for `config --no-env-resolution`: `env_file` is neither read nor merged, and
  // every key written without a value stays in `unset_environment`.
  bool environment_resolved = true;
  std::vector<std::string> expose;
  std::vector<std::string> external_links;
  std::vector<ExtraHost> extra_hosts;
  std::optional<Json> gpus;
  std::vector<std::string> group_add;
  std::optional<Healthcheck> healthcheck;
  std::string hostname;
  std::string image;
  std::optional<bool> init;
  std::string ipc;
  std::string isolation;
  StringMap labels;  // label_file entries merged in, `labels` wins
  std::vector<std::string> label_files;
  std::vector<std::string> links;
  std::optional<Logging> logging;
  std::string mac_address;
  std::optional<Bytes> mem_limit;
  std::optional<Bytes> mem_reservation;
  std::optional<int64_t> mem_swappiness;
  std::optional<Bytes> memswap_limit;  // -1: unlimited
  std::optional<Json> models;
  std::string network_mode;
  std::map<std::string, ServiceNetwork> networks;
  std::optional<bool> oom_kill_disable;
  std::optional<int64_t> oom_score_adj;
  std::string pid;
  std::optional<int64_t> pids_limit;
  std::string platform;
  std::vector<ServicePort> ports;
  std::vector<ServiceHook> post_start;
  std::vector<ServiceHook> pre_start;
  std::vector<ServiceHook> pre_stop;
  std::optional<bool> privileged;
  std::vector<std::string> profiles;
  std::optional<Json> provider;
  std::string pull_policy;
  std::optional<bool> read_only;
  std::string restart;
  std::string runtime;
  std::optional<int64_t> scale;
  std::vector<FileReference> secrets;
  std::vector<std::string> security_opt;
  std::optional<Bytes> shm_size;
  std::optional<bool> stdin_open;
  std::optional<Duration> stop_grace_period;
  std::string stop_signal;
  StringMap storage_opt;
  StringMap sysctls;
  std::vector<std::string> tmpfs;
  std::optional<bool> tty;
  std::map<std::string, Ulimit> ulimits;
  std::optional<bool> use_api_socket;
  std::string user;
  std::string userns_mode;
  std::string uts;
  std::vector<ServiceVolume> volumes;
  std::vector<std::string> volumes_from;
  std::string working_dir;
  std::map<std::string, Json> extensions;  // x-* keys, as written (config prints them so)
  std::optional<DesktopSharing> desktop;   // x-pier-desktop, parsed

  // Replicas to run: deploy.replicas, else scale, else 1.
  int64_t replicas() const;
  // `image`, or `<project>-<service>` for a build-only service (what the runtime tags
  // the built image as; `config` leaves `image` unset, as Docker Compose does).
  std::string image_or_default(const std::string& project_name) const;
};

// networks.<name>.ipam: address pools, every address checked at load.
struct IpamPool {
  std::string subnet;    // CIDR ("172.28.0.0/16", "2001:db8::/64"), empty when not given
  std::string gateway;   // an address
  std::string ip_range;  // CIDR
  StringMap aux_addresses;  // name -> address
  std::map<std::string, Json> extensions;
};
struct Ipam {
  std::string driver;
  std::vector<IpamPool> config;
  StringMap options;
  std::map<std::string, Json> extensions;
};

struct NetworkConfig {
  std::string name;
  std::string driver;
  StringMap driver_opts;
  std::optional<Ipam> ipam;
  bool external = false;
  std::optional<bool> internal;
  std::optional<bool> attachable;
  std::optional<bool> enable_ipv4;
  std::optional<bool> enable_ipv6;
  StringMap labels;
  std::map<std::string, Json> extensions;
  Mark mark;
};

struct VolumeConfig {
  std::string name;
  std::string driver;
  StringMap driver_opts;
  bool external = false;
  StringMap labels;
  std::map<std::string, Json> extensions;
  Mark mark;
};

// A top-level secret or config.
struct FileObjectConfig {
  std::string name;
  std::string file;  // absolute
  std::string environment;
  // `environment:` as an included project's own env file sets it; unset: looked up in
  // the project's environment when the container is planned.
  std::optional<std::string> environment_value;
  std::optional<std::string> content;
  bool external = false;
  StringMap labels;
  std::string driver;
  StringMap driver_opts;
  std::string template_driver;
  std::map<std::string, Json> extensions;
  Mark mark;
};

struct Project {
  std::string name;
  std::string working_dir;
  std::vector<std::string> config_files;
  std::map<std::string, Service> services;  // sorted by name, as Compose prints them
  std::map<std::string, NetworkConfig> networks;
  std::map<std::string, VolumeConfig> volumes;
  std::map<std::string, FileObjectConfig> secrets;
  std::map<std::string, FileObjectConfig> configs;
  std::optional<Json> models;
  std::map<std::string, Json> extensions;  // top-level x-* keys

  const Service* find_service(const std::string& name) const;
};

}  // namespace pier::compose
