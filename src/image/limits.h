// Every size bound on content that comes from a registry or an archive, in one
// place with the reason for each. Content is hostile (design rule 8): each bound
// is enforced while the bytes arrive or are written, never only afterwards.
#pragma once

#include <cstdint>
#include <string>

namespace pier::image::limits {

// A manifest or index fetched without a descriptor (by tag) is read into memory
// whole. 4 MiB is the cap containerd puts on such documents; real manifests
// are a few KiB, the largest multi-platform indexes some hundred KiB.
inline constexpr uint64_t kMaxManifestBytes = 4ull << 20;

// An image config is read into memory whole, like a manifest. Configs carry the
// build history, so they are allowed more room than manifests.
inline constexpr uint64_t kMaxConfigBytes = 8ull << 20;

// A JSON member of a `docker save` or OCI archive (manifest.json, index.json,
// <id>.json, repositories) is kept in memory until the archive is read...
inline constexpr uint64_t kMaxArchiveJsonMemberBytes = 16ull << 20;
// ...and so are all of them together: an archive of many large JSON members
// must not exhaust memory.
inline constexpr uint64_t kMaxArchiveJsonBytes = 64ull << 20;

// One layer: its compressed blob as downloaded or loaded, its uncompressed tar
// stream as decompressed, and the bytes its files occupy once unpacked, where a
// sparse file counts its full apparent size (overlayfs copy-up and every tool
// that copies the file write the holes out). A gzip of zeros expands ~1000x,
// so only a bound on the decompressed side stops a small blob filling the disk.
inline constexpr uint64_t kMaxLayerBytes = 64ull << 30;

// Members (files, directories, links, whiteouts) of one layer: each costs an
// inode and a little memory for directory times.
inline constexpr uint64_t kMaxLayerEntries = 2'000'000;

// "4 MiB", "64 GiB", or "1234 bytes" when not a whole number of those: for
// messages that name the limit a document or layer ran into.
std::string byte_count(uint64_t bytes);

}  // namespace pier::image::limits
