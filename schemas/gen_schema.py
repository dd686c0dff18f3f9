#!/usr/bin/env python3
"""Writes schemas/compose.schema.json, the JSON Schema (draft-07) of the Compose
format pier accepts.

The schema is data; this script only keeps it consistent (every object closed with
`additionalProperties: false` plus `^x-` extensions, every typed scalar also accepting
a string because files are validated before `${VAR}` interpolation). Edit this file,
then run `python3 schemas/gen_schema.py` and commit both.
"""
import json
import os

# ---- building blocks ---------------------------------------------------------

EXT = {"^x-": {}}


def S(desc=None, **kw):
    return d({"type": "string", **kw}, desc)


def d(schema, desc):
    if desc:
        schema = dict(schema)
        schema["description"] = desc
    return schema


def INT(desc=None):
    return d({"type": ["integer", "string"]}, desc)


def NUM(desc=None):
    return d({"type": ["number", "string"]}, desc)


def BOOL(desc=None):
    return d({"type": ["boolean", "string"]}, desc)


def SIZE(desc=None):
    return d({"type": ["integer", "string"]}, desc or "A byte count or a size with a unit (`512m`, `2gb`).")


def DUR(desc=None):
    return d({"type": "string"}, desc or "A duration such as `1m30s`, `10s` or `500ms`.")


def ENUM(values, desc=None):
    # An enumerated value, or a string that will be interpolated (`${MODE}`).
    return d({"type": "string", "anyOf": [{"enum": values}, {"pattern": r"\$"}]}, desc)


def REF(name, desc=None):
    return d({"$ref": f"#/definitions/{name}"}, desc)


def ARR(items, desc=None, unique=False):
    s = {"type": "array", "items": items}
    if unique:
        s["uniqueItems"] = True
    return d(s, desc)


def OBJ(props, desc=None, required=None, nullable=False, ext=True):
    s = {"type": ["object", "null"] if nullable else "object", "properties": props,
         "additionalProperties": False}
    if ext:
        s["patternProperties"] = EXT
    if required:
        s["required"] = required
    return d(s, desc)


def MAP(values, desc=None, key_pattern=None, nullable=False):
    s = {"type": ["object", "null"] if nullable else "object"}
    if key_pattern:
        s["patternProperties"] = {key_pattern: values}
        s["additionalProperties"] = False
    else:
        s["additionalProperties"] = values
    return d(s, desc)


def ONE(*alts, desc=None):
    return d({"anyOf": list(alts)}, desc)


STRS = ARR(S(), unique=True)
NAME_KEY = r"^[a-zA-Z0-9._-]+$"

# ---- shared definitions ------------------------------------------------------

definitions = {}

definitions["list_or_dict"] = ONE(
    MAP({"type": ["string", "number", "boolean", "null"]}),
    ARR(S(), unique=True),
    desc="Either a mapping `KEY: value` or a list of `KEY=value` strings.")

definitions["string_or_list"] = ONE(S(), ARR(S()), desc="One string or a list of strings.")

definitions["command"] = ONE(
    {"type": "null"}, S(), ARR(S()),
    desc="A command: a string (split like a shell would, without running one) or a list of arguments (exec form).")

definitions["extra_hosts"] = ONE(
    MAP(ONE(S(), ARR(S()))),
    ARR(S(), unique=True),
    desc="Host name to IP mappings added to /etc/hosts: `host: ip` or `host=ip` / `host:ip` strings.")

definitions["ulimits"] = MAP(
    ONE({"type": ["integer", "string"]},
        OBJ({"soft": INT("Soft limit."), "hard": INT("Hard limit.")}, required=["soft", "hard"])),
    desc="Resource limits (`nofile`, `nproc`, ...): one number for both limits, or `soft` and `hard`.")

definitions["blkio_limit"] = OBJ({"path": S("Device path."), "rate": SIZE("Bytes or operations per second.")})
definitions["blkio_weight"] = OBJ({"path": S("Device path."), "weight": INT("Relative weight, 10 to 1000.")})

definitions["config_or_secret_ref"] = ARR(ONE(
    S(desc="The name of a top-level secret or config, mounted with default settings."),
    OBJ({
        "source": S("The name of the top-level secret or config."),
        "target": S("The path (or file name) in the container."),
        "uid": S("Owner user id."),
        "gid": S("Owner group id."),
        "mode": {"type": ["integer", "string"], "description": "File permissions, octal (0440)."},
    })), desc="Secrets or configs the service can read: short syntax (name) or long syntax.")

definitions["env_file"] = ONE(
    S(),
    ARR(ONE(S(), OBJ({
        "path": S("Path of the env file, relative to the compose file."),
        "required": BOOL("Whether a missing file is an error (default true)."),
        "format": S("The file format; `raw` disables interpolation and quoting."),
    }, required=["path"]))),
    desc="Files of `KEY=value` lines added to the container environment.")

definitions["service_hook"] = OBJ({
    "command": REF("command", "The command to run."),
    "user": S("The user to run the command as."),
    "privileged": BOOL("Run the command with extended privileges."),
    "working_dir": S("The working directory of the command."),
    "environment": REF("list_or_dict", "Extra environment for the command."),
}, "A command run inside the service container at a point of its life cycle.", required=["command"])

definitions["pre_start_hook"] = OBJ({
    "command": REF("command", "The command to run."),
    "image": S("The image of the ephemeral container (default: the service's image)."),
    "user": S("The user to run the command as."),
    "privileged": BOOL("Run the command with extended privileges."),
    "working_dir": S("The working directory of the command."),
    "environment": REF("list_or_dict", "Extra environment for the command."),
    "per_replica": BOOL("Run once per replica (true) or once per service (false, default)."),
}, "A step run to completion in its own container before the service container starts.")

definitions["device_request"] = OBJ({
    "capabilities": ARR(S(), "Capabilities the devices must have (`gpu`, `compute`, ...)."),
    "count": ONE({"type": "integer"}, S(), desc="How many devices, or `all`."),
    "device_ids": ARR(S(), "Ids of the devices to reserve."),
    "driver": S("The device driver (`nvidia`)."),
    "options": REF("list_or_dict", "Driver-specific options."),
})

definitions["build"] = ONE(
    S(desc="The build context: a directory relative to the compose file, or a Git URL."),
    OBJ({
        "context": S("The build context: a directory relative to the compose file, or a Git URL."),
        "dockerfile": S("The Dockerfile, relative to the context."),
        "dockerfile_inline": S("The Dockerfile text itself."),
        "entitlements": ARR(S(), "Extra privileges the build may use (`network.host`, `security.insecure`)."),
        "args": REF("list_or_dict", "Build arguments (ARG values)."),
        "ssh": REF("list_or_dict", "SSH agent sockets or keys the build may use (`default`, `id=path`)."),
        "labels": REF("list_or_dict", "Labels of the built image."),
        "cache_from": ARR(S(), "Sources of cached layers."),
        "cache_to": ARR(S(), "Where to export the build cache."),
        "no_cache": BOOL("Build without the cache."),
        "no_cache_filter": REF("string_or_list", "Stages to build without the cache."),
        "additional_contexts": REF("list_or_dict", "Named contexts (`name: path-or-url`)."),
        "network": S("The network mode of RUN steps (`host`, `none`, ...)."),
        "provenance": {"type": ["string", "boolean"], "description": "Provenance attestation."},
        "sbom": {"type": ["string", "boolean"], "description": "SBOM attestation."},
        "pull": BOOL("Always pull the base images."),
        "target": S("The Dockerfile stage to build."),
        "shm_size": SIZE("Size of /dev/shm for RUN steps."),
        "extra_hosts": REF("extra_hosts", "Host name mappings for RUN steps."),
        "isolation": S("The isolation technology (platform specific)."),
        "privileged": BOOL("Build with extended privileges."),
        "secrets": REF("config_or_secret_ref", "Secrets available to RUN steps."),
        "tags": ARR(S(), "Extra tags of the built image."),
        "ulimits": REF("ulimits", "Resource limits of RUN steps."),
        "platforms": ARR(S(), "Target platforms (`linux/amd64`)."),
    }),
    desc="How to build the service's image: a context path or the build options.")

restart_policy = OBJ({
    "condition": ENUM(["none", "on-failure", "any"], "When to restart."),
    "delay": DUR("Time between restart attempts."),
    "max_attempts": INT("How many restarts before giving up."),
    "window": DUR("How long to wait before deciding a restart succeeded."),
}, "How to restart containers when they exit (deploy form).")

update_config = OBJ({
    "parallelism": INT("Containers updated at a time."),
    "delay": DUR("Time between updates of groups."),
    "failure_action": S("What to do if an update fails (`continue`, `rollback`, `pause`)."),
    "monitor": DUR("How long to watch each updated container for failure."),
    "max_failure_ratio": NUM("Tolerated failure rate."),
    "order": ENUM(["start-first", "stop-first"], "Order of operations during updates."),
})

resources = OBJ({
    "cpus": NUM("CPU count (`0.5`)."),
    "memory": SIZE("Memory amount."),
    "pids": INT("Maximum number of processes."),
})
reservations = OBJ({
    "cpus": NUM("CPU count (`0.5`)."),
    "memory": SIZE("Memory amount."),
    "generic_resources": ARR(OBJ({"discrete_resource_spec": OBJ({"kind": S(), "value": NUM()})}),
                             "Generic resources (swarm)."),
    "devices": ARR(REF("device_request"), "Devices to reserve (GPUs, ...)."),
})

definitions["deploy"] = OBJ({
    "mode": S("`replicated` (default), `global`, `replicated-job` or `global-job`."),
    "endpoint_mode": S("Service discovery mode (`vip`, `dnsrr`)."),
    "replicas": INT("How many containers to run."),
    "labels": REF("list_or_dict", "Metadata of the service (not of its containers)."),
    "rollback_config": d(update_config, "How to roll back a failed update."),
    "update_config": d(update_config, "How to update the service."),
    "resources": OBJ({"limits": d(resources, "Upper limits."),
                      "reservations": d(reservations, "Guaranteed resources.")}, "Resource constraints."),
    "restart_policy": restart_policy,
    "placement": OBJ({
        "constraints": ARR(S(), "Node constraints (`node.role==manager`)."),
        "preferences": ARR(OBJ({"spread": S()}), "Placement preferences."),
        "max_replicas_per_node": INT("Most replicas on one node."),
    }, "Where containers may run."),
}, "Deployment and runtime requirements (deploy.md).", nullable=True)

definitions["develop"] = OBJ({
    "watch": ARR(OBJ({
        "path": S("The path to watch, relative to the project directory."),
        "action": ENUM(["rebuild", "sync", "restart", "sync+restart", "sync+exec"], "What to do on a change."),
        "target": S("The path in the container that `sync` copies to."),
        "ignore": REF("string_or_list", "Patterns to ignore, relative to `path`."),
        "include": REF("string_or_list", "Patterns to watch, relative to `path`."),
        "exec": REF("service_hook", "The command run after `sync+exec`."),
        "initial_sync": BOOL("Sync everything when watching starts."),
    }, required=["path", "action"]), "Files to watch and what to do when they change."),
}, "Development workflow (`watch`) settings.", nullable=True)

definitions["healthcheck"] = OBJ({
    "disable": BOOL("Disable the image's health check."),
    "test": ONE(S(), ARR(S()), desc="The check: a shell string, or a list starting with `CMD`, `CMD-SHELL` or `NONE`."),
    "interval": DUR("Time between checks (default 30s)."),
    "timeout": DUR("How long one check may run (default 30s)."),
    "retries": NUM("Consecutive failures before the container is unhealthy (default 3)."),
    "start_period": DUR("Grace period after start during which failures do not count."),
    "start_interval": DUR("Time between checks during the start period."),
}, "How to check that the service's containers are healthy.")

definitions["logging"] = OBJ({
    "driver": S("The log driver (`json-file`, `local`, `none`, ...)."),
    "options": MAP({"type": ["string", "number", "null"]}, "Driver options.", nullable=True),
}, "Logging of the service's containers.")

port_long = OBJ({
    "name": S("A human-readable name of the port."),
    "mode": S("`ingress` (default) or `host`."),
    "host_ip": S("The host address to bind (default all)."),
    "target": INT("The container port."),
    "published": {"type": ["string", "integer"], "description": "The host port or range (`8080`, `8000-8010`)."},
    "protocol": S("`tcp` (default) or `udp`."),
    "app_protocol": S("The application protocol (`http`, `https`), a hint."),
})

volume_long = OBJ({
    "type": ENUM(["bind", "volume", "tmpfs", "cluster", "npipe", "image"], "The mount type."),
    "source": S("Host path (bind), volume name (volume) or image (image)."),
    "target": S("The path in the container."),
    "read_only": BOOL("Mount read-only."),
    "consistency": S("Consistency requirements (platform specific)."),
    "bind": OBJ({
        "propagation": S("Mount propagation (`rprivate`, `shared`, ...)."),
        "create_host_path": BOOL("Create the source directory when missing (default true)."),
        "recursive": ENUM(["enabled", "disabled", "writable", "readonly"], "Recursive bind mount behaviour."),
        "selinux": ENUM(["z", "Z"], "SELinux relabelling: `z` shared, `Z` private."),
    }, "Bind mount options."),
    "volume": OBJ({
        "nocopy": BOOL("Do not copy the image's data into a new volume."),
        "subpath": S("A path inside the volume to mount instead of its root."),
        "labels": REF("list_or_dict", "Labels of a volume created for this mount."),
    }, "Volume options."),
    "tmpfs": OBJ({
        "size": SIZE("Size of the tmpfs."),
        "mode": {"type": ["integer", "string"], "description": "Permission bits, octal (1777)."},
    }, "tmpfs options."),
    "image": OBJ({"subpath": S("A path inside the image to mount.")}, "Image mount options."),
}, required=["type"])

service_network = OBJ({
    "aliases": ARR(S(), "Other host names of the service on this network."),
    "interface_name": S("The name of the network interface in the container."),
    "ipv4_address": S("A static IPv4 address."),
    "ipv6_address": S("A static IPv6 address."),
    "link_local_ips": ARR(S(), "Link-local addresses."),
    "mac_address": S("The MAC address on this network."),
    "driver_opts": MAP({"type": ["string", "number"]}, "Driver options of the endpoint."),
    "gw_priority": NUM("Which network provides the default gateway (highest wins)."),
    "priority": NUM("Order in which networks are connected (highest first)."),
}, nullable=True)

definitions["service"] = OBJ({
    "annotations": REF("list_or_dict", "Annotations of the containers."),
    "attach": BOOL("Collect the service's logs (default true)."),
    "blkio_config": OBJ({
        "device_read_bps": ARR(REF("blkio_limit")),
        "device_read_iops": ARR(REF("blkio_limit")),
        "device_write_bps": ARR(REF("blkio_limit")),
        "device_write_iops": ARR(REF("blkio_limit")),
        "weight": INT("Block IO weight, 10 to 1000."),
        "weight_device": ARR(REF("blkio_weight")),
    }, "Block IO limits."),
    "build": REF("build"),
    "cap_add": ARR(S(), "Capabilities to add (`NET_ADMIN`).", unique=True),
    "cap_drop": ARR(S(), "Capabilities to drop (`ALL`).", unique=True),
    "cgroup": ENUM(["host", "private"], "The cgroup namespace: `host` or `private`."),
    "cgroup_parent": S("The parent cgroup."),
    "command": REF("command", "Overrides the image's CMD."),
    "configs": REF("config_or_secret_ref"),
    "container_name": S("A fixed container name (the service then cannot scale)."),
    "cpu_count": INT("Usable CPU count (Windows)."),
    "cpu_percent": INT("Usable CPU percentage (Windows)."),
    "cpu_shares": INT("Relative CPU weight."),
    "cpu_quota": INT("CFS quota in microseconds."),
    "cpu_period": INT("CFS period in microseconds."),
    "cpu_rt_period": INT("Real-time period in microseconds, or a duration."),
    "cpu_rt_runtime": INT("Real-time runtime in microseconds, or a duration."),
    "cpus": NUM("CPUs the containers may use (`1.5`)."),
    "cpuset": S("CPUs the containers may run on (`0-3`, `0,1`)."),
    "credential_spec": OBJ({"config": S(), "file": S(), "registry": S()}, "Managed service account (Windows)."),
    "depends_on": ONE(
        ARR(S(), unique=True),
        MAP(OBJ({
            "condition": ENUM(["service_started", "service_healthy", "service_completed_successfully"],
                              "What the dependency must reach first."),
            "restart": BOOL("Restart this service when the dependency is updated."),
            "required": BOOL("Fail when the dependency is missing or failed (default true)."),
        }), key_pattern=NAME_KEY),
        desc="Services that must start first: a list of names, or names with a condition."),
    "deploy": REF("deploy"),
    "develop": REF("develop"),
    "device_cgroup_rules": ARR(S(), "cgroup device rules (`c 1:3 mr`)."),
    "devices": ARR(ONE(S(), OBJ({"source": S(), "target": S(), "permissions": S()}, required=["source"])),
                   "Host devices (`/dev/ttyUSB0:/dev/ttyUSB0:rwm`)."),
    "dns": REF("string_or_list", "DNS servers."),
    "dns_opt": ARR(S(), "Resolver options.", unique=True),
    "dns_search": REF("string_or_list", "DNS search domains."),
    "domainname": S("The container's domain name."),
    "entrypoint": REF("command", "Overrides the image's ENTRYPOINT."),
    "env_file": REF("env_file"),
    "environment": REF("list_or_dict", "Environment variables of the containers."),
    "expose": ARR({"type": ["string", "number"]}, "Ports exposed to other services only.", unique=True),
    "extends": ONE(S(), OBJ({"service": S("The service to extend."), "file": S("The file holding it.")},
                            required=["service"]),
                   desc="Inherit the configuration of another service."),
    "external_links": ARR(S(), "Links to containers outside the project.", unique=True),
    "extra_hosts": REF("extra_hosts"),
    "gpus": ONE(ENUM(["all"]), ARR(REF("device_request")), desc="GPUs to allocate: `all` or device requests."),
    "group_add": ARR({"type": ["string", "number"]}, "Extra groups of the container user.", unique=True),
    "healthcheck": REF("healthcheck"),
    "hostname": S("The container's host name."),
    "image": S("The image to run (or the name of the built image)."),
    "init": BOOL("Run an init process as PID 1."),
    "ipc": S("IPC namespace: `shareable`, `host`, `service:NAME`, `container:ID`."),
    "isolation": S("Isolation technology (platform specific)."),
    "label_file": REF("string_or_list", "Files of labels."),
    "labels": REF("list_or_dict", "Labels of the containers."),
    "links": ARR(S(), "Network links to other services (legacy).", unique=True),
    "logging": REF("logging"),
    "mac_address": S("The container's MAC address."),
    "mem_limit": SIZE("Memory limit."),
    "mem_reservation": SIZE("Memory soft limit."),
    "mem_swappiness": INT("Swappiness, 0 to 100."),
    "memswap_limit": SIZE("Memory plus swap limit (-1: unlimited)."),
    "models": ONE(ARR(S(), unique=True),
                  MAP(OBJ({"endpoint_var": S("Variable holding the model runner URL."),
                           "model_var": S("Variable holding the model name.")}, nullable=True),
                      key_pattern=NAME_KEY),
                  desc="Top-level models the service uses."),
    "network_mode": S("`bridge`, `host`, `none`, `service:NAME` or `container:ID`."),
    "networks": ONE(ARR(S(), unique=True), MAP(service_network, key_pattern=NAME_KEY),
                    desc="Networks to join: a list of names, or names with per-network options."),
    "oom_kill_disable": BOOL("Disable the OOM killer."),
    "oom_score_adj": INT("OOM score adjustment, -1000 to 1000."),
    "pid": {"type": ["string", "null"], "description": "PID namespace: `host`, `service:NAME` or `container:ID`."},
    "pids_limit": INT("Maximum number of processes (-1: unlimited)."),
    "platform": S("Target platform (`linux/amd64`)."),
    "ports": ARR(ONE({"type": "number"}, S(desc="`[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`"), port_long),
                 "Published ports."),
    "post_start": ARR(REF("service_hook"), "Commands run after the container started."),
    "pre_start": ARR(REF("pre_start_hook"), "Steps run in their own containers before the container starts."),
    "pre_stop": ARR(REF("service_hook"), "Commands run before the container is stopped."),
    "privileged": BOOL("Run with extended privileges."),
    "profiles": ARR(S(), "Profiles that enable the service.", unique=True),
    "provider": OBJ({"type": S("The external component that manages the service."),
                     "options": MAP({"anyOf": [{"type": ["string", "number", "boolean"]},
                                              ARR({"type": ["string", "number", "boolean"]})]},
                                    "Provider-specific options.")},
                    "A service managed by an external provider.", required=["type"]),
    "pull_policy": S("`always`, `never`, `missing`, `if_not_present`, `build`, `daily`, `weekly` or `every_<duration>`."),
    "pull_refresh_after": S("How long a pulled image stays fresh."),
    "read_only": BOOL("Mount the root filesystem read-only."),
    "restart": S("`no`, `always`, `on-failure[:N]` or `unless-stopped`."),
    "runtime": S("The OCI runtime."),
    "scale": INT("How many containers to run."),
    "secrets": REF("config_or_secret_ref"),
    "security_opt": ARR(S(), "Security options (`no-new-privileges:true`, `seccomp=...`).", unique=True),
    "shm_size": SIZE("Size of /dev/shm."),
    "stdin_open": BOOL("Keep stdin open."),
    "stop_grace_period": DUR("Time between the stop signal and SIGKILL (default 10s)."),
    "stop_signal": S("The stop signal (default SIGTERM)."),
    "storage_opt": MAP({}, "Storage driver options."),
    "sysctls": REF("list_or_dict", "Namespaced kernel parameters."),
    "tmpfs": REF("string_or_list", "tmpfs mounts (`/run:size=64m`)."),
    "tty": BOOL("Allocate a terminal."),
    "ulimits": REF("ulimits"),
    "use_api_socket": BOOL("Give the container access to the engine API socket."),
    "user": S("`user[:group]`, by name or id."),
    "userns_mode": S("User namespace mode (`host`)."),
    "uts": S("UTS namespace mode (`host`)."),
    "volumes": ARR(ONE(S(desc="`[SOURCE:]TARGET[:MODE]`"), volume_long), "Mounts.", unique=True),
    "volumes_from": ARR(S(), "Mount all volumes of a service (`NAME`) or container (`container:NAME`).",
                        unique=True),
    "working_dir": S("The working directory of the command."),
}, "A service: the configuration of the containers that run one image.", nullable=True)

external = ONE(BOOL(), OBJ({"name": S()}),
               desc="Managed outside the project: pier only uses it and fails if it is missing.")
driver_opts = MAP({"type": ["string", "number"]}, "Driver-specific options.")

definitions["network"] = OBJ({
    "name": S("The network's real name (not prefixed with the project name)."),
    "driver": S("The network driver (`bridge`, ...)."),
    "driver_opts": driver_opts,
    "ipam": OBJ({
        "driver": S("The IPAM driver."),
        "config": ARR(OBJ({
            "subnet": S("Subnet in CIDR form."),
            "ip_range": S("Range containers get addresses from."),
            "gateway": S("Gateway address."),
            "aux_addresses": MAP(S(), "Reserved addresses, host name to IP."),
        }), "Address pools."),
        "options": MAP(S(), "IPAM driver options."),
    }, "IP address management."),
    "external": external,
    "internal": BOOL("No access to outside networks."),
    "enable_ipv4": BOOL("Assign IPv4 addresses (default true)."),
    "enable_ipv6": BOOL("Assign IPv6 addresses."),
    "attachable": BOOL("Standalone containers may attach."),
    "labels": REF("list_or_dict", "Labels of the network."),
}, "A network services can join.", nullable=True)

definitions["volume"] = OBJ({
    "name": S("The volume's real name (not prefixed with the project name)."),
    "driver": S("The volume driver."),
    "driver_opts": driver_opts,
    "external": external,
    "labels": REF("list_or_dict", "Labels of the volume."),
}, "A named volume.", nullable=True)

definitions["secret"] = OBJ({
    "name": S("The secret's real name."),
    "file": S("A file holding the secret."),
    "environment": S("An environment variable holding the secret."),
    "external": external,
    "labels": REF("list_or_dict"),
    "driver": S(),
    "driver_opts": driver_opts,
    "template_driver": S(),
}, "A secret: sensitive data mounted into containers.", nullable=True)

definitions["config"] = OBJ({
    "name": S("The config's real name."),
    "file": S("A file holding the config."),
    "environment": S("An environment variable holding the config."),
    "content": S("The config's content, inline."),
    "external": external,
    "labels": REF("list_or_dict"),
    "template_driver": S(),
}, "A config: non-sensitive data mounted into containers.", nullable=True)

definitions["model"] = OBJ({
    "name": S("A custom name of the model."),
    "model": S("The model to run."),
    "context_size": INT("Context size in tokens."),
    "runtime_flags": ARR(S(), "Raw flags for the inference engine."),
}, "A language model the application uses.", required=["model"])

definitions["include"] = ONE(
    S(desc="A compose file to include, relative to this file."),
    OBJ({
        "path": REF("string_or_list", "The compose file(s) to include, merged in order."),
        "env_file": REF("string_or_list", "Env files for interpolating the included files."),
        "project_directory": S("The directory relative paths of the included files resolve from."),
    }, required=["path"]))

schema = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "$id": "urn:pier:schema:compose:v1",
    "$comment": "Generated by schemas/gen_schema.py; edit that file and regenerate.",
    "title": "pier compose file",
    "description": "A Compose application model as pier reads it (compose.yaml / docker-compose.yml).",
    "type": "object",
    "properties": {
        "version": S("Obsolete and ignored (pier warns when it is set)."),
        "name": S("The project name: lower-case letters, digits, `-` and `_`, starting with a letter or digit.",
                  pattern=r"^([a-z0-9][a-z0-9_-]*|.*\$.*)$"),
        "include": ARR(REF("include"), "Other compose files whose resources join this project."),
        "services": MAP(REF("service"), "The services of the project.", key_pattern=NAME_KEY, nullable=True),
        "models": MAP(REF("model"), "Language models.", key_pattern=NAME_KEY),
        "networks": MAP(REF("network"), "Networks.", key_pattern=NAME_KEY, nullable=True),
        "volumes": MAP(REF("volume"), "Named volumes.", key_pattern=NAME_KEY, nullable=True),
        "secrets": MAP(REF("secret"), "Secrets.", key_pattern=NAME_KEY, nullable=True),
        "configs": MAP(REF("config"), "Configs.", key_pattern=NAME_KEY, nullable=True),
    },
    "patternProperties": EXT,
    "additionalProperties": False,
    "definitions": definitions,
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "compose.schema.json")
    with open(out, "w") as f:
        json.dump(schema, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
