// Spec files shaped like the ones vendors generate (a GPU driver's with hooks and many
// library mounts, an integrated GPU's with render nodes), written for these tests.
#pragma once

namespace pier::test {

// Like `nvidia-ctk cdi generate`: per-GPU device nodes, an `all` device, spec-level
// control nodes, driver libraries as read-only binds, and createContainer hooks.
inline constexpr const char* kGpuVendorSpec = R"(---
cdiVersion: 0.5.0
kind: example.com/gpu
devices:
- name: "0"
  containerEdits:
    deviceNodes:
    - path: /dev/xgpu0
- name: GPU-5f1c3a2e-0000-1111-2222-333344445555
  containerEdits:
    deviceNodes:
    - path: /dev/xgpu0
- name: "1"
  containerEdits:
    deviceNodes:
    - path: /dev/xgpu1
      hostPath: /dev/xgpu1
- name: all
  containerEdits:
    deviceNodes:
    - path: /dev/xgpu0
    - path: /dev/xgpu1
containerEdits:
  env:
  - XGPU_VISIBLE=void
  - XGPU_DRIVER_CAPS=compute,utility
  deviceNodes:
  - path: /dev/xgpuctl
  - path: /dev/xgpu-uvm
    type: c
    major: 235
    minor: 0
    fileMode: 0666
  hooks:
  - hookName: createContainer
    path: /usr/bin/xgpu-ctk
    args: [xgpu-ctk, hook, create-symlinks, --link, libxgpu.so.550.1::/usr/lib/libxgpu.so.1]
  - hookName: createContainer
    path: /usr/bin/xgpu-ctk
    args: [xgpu-ctk, hook, update-ldcache, --folder, /usr/lib/x86_64-linux-gnu]
    env: [XGPU_CTK_DEBUG=false]
    timeout: 10
  mounts:
  - hostPath: /usr/lib/x86_64-linux-gnu/libxgpu.so.550.1
    containerPath: /usr/lib/x86_64-linux-gnu/libxgpu.so.550.1
    options: [ro, nosuid, nodev, bind]
  - hostPath: /usr/lib/x86_64-linux-gnu/libxgpu-ml.so.550.1
    containerPath: /usr/lib/x86_64-linux-gnu/libxgpu-ml.so.550.1
    options: [ro, nosuid, nodev, bind]
  - hostPath: /usr/bin/xgpu-smi
    containerPath: /usr/bin/xgpu-smi
    options: [ro, nosuid, nodev, bind]
  - hostPath: /run/xgpu-persistenced/socket
    containerPath: /run/xgpu-persistenced/socket
    options: [ro, nosuid, nodev, bind, noexec]
  - hostPath: /lib/firmware/xgpu/550.1/gsp.bin
    containerPath: /lib/firmware/xgpu/550.1/gsp.bin
    options: [ro, nosuid, nodev, bind]
  - hostPath: /usr/lib/x86_64-linux-gnu
    containerPath: /usr/lib
    options: [ro, rbind]
)";

// Like an integrated-GPU vendor's JSON spec: one device per card with its render node,
// group ids for the render group, no hooks.
inline constexpr const char* kRenderVendorSpec = R"({
  "cdiVersion": "0.6.0",
  "kind": "example.org/igpu",
  "devices": [
    {"name": "card0", "containerEdits": {"deviceNodes": [
      {"path": "/dev/dri/card0", "type": "c", "major": 226, "minor": 0, "permissions": "rw"},
      {"path": "/dev/dri/renderD128", "type": "c", "major": 226, "minor": 128, "fileMode": 432, "gid": 109}
    ]}},
    {"name": "card1", "containerEdits": {"deviceNodes": [
      {"path": "/dev/dri/card1", "type": "c", "major": 226, "minor": 1},
      {"path": "/dev/dri/renderD129", "type": "c", "major": 226, "minor": 129}
    ], "env": ["IGPU_CARD=1"]}}
  ],
  "containerEdits": {"additionalGIDs": [109, 44, 0], "env": ["IGPU_CARD=any"]}
})";

}  // namespace pier::test
