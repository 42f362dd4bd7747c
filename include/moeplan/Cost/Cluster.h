//===- Cluster.h - hardware constants of a cluster, with their sources ----===//
//
// A cluster is a preset (data/clusters/<name>.json, compiled into the
// binary) or a user's JSON file of the same schema (docs/clusters.md). Every
// constant carries where it comes from, so that every report can say which
// constants it used.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_COST_CLUSTER_H
#define MOEPLAN_COST_CLUSTER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace moeplan {

/// One hardware constant: its value in SI units (FLOP/s, bytes, bytes/s,
/// seconds, or a plain fraction), where it comes from, and whether it is an
/// assumption rather than a published figure.
struct Constant {
  double value = 0;
  std::string source;
  bool assumption = false;
};

/// How the devices a link joins reach each other.
enum class LinkTopology {
  /// Through switches (NVSwitch, UB, a CLOS network): one peer can use all of
  /// a device's `bandwidth`.
  Switch,
  /// A direct link to each peer (HCCS in an Atlas 800T A2): `bandwidth` is
  /// the sum over the domain's other devices, so a small group uses a share.
  FullMesh,
};

/// A link class a collective can cross: per device, one direction.
struct LinkSpec {
  Constant bandwidth; ///< bytes/s per device, one direction
  Constant latency;   ///< seconds per message (alpha)
  Constant efficiency; ///< achievable fraction of `bandwidth`
  LinkTopology topology = LinkTopology::Switch;

  /// Achievable bytes/s per device when a group of `groupSize` devices
  /// communicates over this link in a domain of `domainSize` devices:
  /// bandwidth x efficiency, times (groupSize-1)/(domainSize-1) on a full
  /// mesh, where a device reaches its group through only that many links.
  double achievableBandwidth(int64_t groupSize, int64_t domainSize) const;
};

/// A faster link inside a node, shared by each aligned block of `devices`
/// consecutive ranks: the two dies of an Ascend 910C package, or one server
/// inside an A3 SuperPoD.
struct LinkTier {
  Constant devices; ///< devices per block; divides the node
  LinkSpec link;
};

/// One level of a cluster's link hierarchy, innermost first.
struct LinkLevel {
  std::string name;     ///< "links.inner[0]", "links.intra_node", ...
  const LinkSpec *link; ///< owned by the ClusterSpec
  int64_t devices;      ///< devices per domain of this level
};

/// One accelerator (an NPU die or a GPU).
struct DeviceSpec {
  std::string name;          ///< e.g. "Ascend 910B2 (Atlas 800T A2)"
  Constant cubeFlopsBF16;    ///< matrix unit peak, FLOP/s
  Constant cubeFlopsFP8;     ///< 0 when the device has no FP8 matrix path
  Constant vectorFlops;      ///< vector unit peak, FLOP/s (BF16)
  Constant memoryBytes;      ///< HBM capacity
  Constant memoryBandwidth;  ///< HBM bytes/s
  Constant computeEfficiency; ///< best achievable fraction of matrix peak
  /// The same on the FP8 path, whose GEMMs reach a smaller share of their
  /// (doubled) peak; a file without it uses computeEfficiency.
  Constant computeEfficiencyFP8;
  /// The share of the matrix peak a fused flash-attention kernel reaches; a
  /// file without it uses computeEfficiency.
  Constant attentionEfficiency;
  Constant memoryEfficiency;  ///< best achievable fraction of HBM bandwidth
  Constant cubeLaunch;       ///< per-kernel host/launch cost of a matrix op, s
  Constant vectorLaunch;     ///< per-kernel cost of a vector op, s
  Constant collectiveLaunch; ///< per-collective fixed cost, s
  Constant alignment;        ///< dimension multiple that fills the matrix unit (16)
  Constant tileAlignment;    ///< whole-tile multiple (256 on Ascend Cube)
  Constant matrixCores;      ///< cores that share a matrix kernel's tiles
  Constant hostLinkBandwidth; ///< device↔host bytes/s, for swap
  Constant runtimeReserveBytes; ///< framework workspace, comm buffers, fragmentation
};

/// A cluster of identical devices in nodes (or scale-up domains).
struct ClusterSpec {
  std::string preset;      ///< preset name, or the file name for a user file
  std::string spec;        ///< what loadCluster was given, to load it again
  std::string description;
  int64_t devices = 0;
  Constant devicesPerNode; ///< devices sharing the intra-node link
  /// Devices a scheduler hands out at once inside a node (an NVL72 compute
  /// tray: 4); 0 when only whole nodes are given out above one node.
  Constant allocationUnit;
  DeviceSpec device;
  LinkSpec intraNode;      ///< HCCS / NVLink / UB
  LinkSpec interNode;      ///< RoCE / InfiniBand NIC
  Constant peakFlopsForMFU; ///< the peak MFU divides by (usually cubeFlopsBF16)
  /// Faster links inside a node, innermost first; empty for most presets.
  /// Code that ignores them sees the node's slower `intraNode` link.
  std::vector<LinkTier> innerTiers;

  /// Nodes the devices occupy (a partial node counts as one).
  int64_t nodes() const;
  /// The link levels, innermost first: the inner tiers, then intra-node
  /// (domain: a node), then inter-node (domain: all devices).
  std::vector<LinkLevel> linkLevels() const;
  /// The slowest level a group spanning `span` consecutive, aligned ranks
  /// crosses: the innermost level whose domain holds all of them.
  LinkLevel levelForSpan(int64_t span) const;
  /// Every constant with a dotted name ("device.cube_flops_bf16", ...), in a
  /// stable order, for reports.
  std::vector<std::pair<std::string, const Constant *>> constants() const;
};

/// Why `device` cannot run linear layers in FP8, or nullopt when it can: the
/// one message every entry point (moe-shard, the passes that price a model
/// on a cluster, the interpreter) gives.
std::optional<std::string> fp8Unsupported(const DeviceSpec &device);

/// The most devices a cluster may have: 16 times the largest training
/// clusters reported (about a million GPUs). A count past it is a typo, and
/// everything indexed by rank (groups, plan files, traces) grows with it.
constexpr int64_t kMaxDevices = int64_t(1) << 24;

/// The names of the built-in presets, sorted.
std::vector<std::string> clusterPresetNames();

/// Loads `spec`: "PRESET" (one node's worth of devices), "PRESET:DEVICES", or
/// a path ending in ".json" (optionally "FILE.json:DEVICES"; without a count,
/// the file's optional "devices", else one node). Errors name the problem: an
/// unknown preset (and the known ones), a device count that is not a positive
/// integer or, above one node, not a whole number of nodes, a file that
/// cannot be read, malformed JSON, a missing or mistyped field (by its dotted
/// path), an unknown key or unit, an impossible value.
llvm::Expected<ClusterSpec> loadCluster(llvm::StringRef spec);

/// Parses a cluster description (the text of a JSON file). `name` is used in
/// messages, as the preset name, and as the source of every constant that
/// gives none.
llvm::Expected<ClusterSpec> parseCluster(llvm::StringRef json,
                                         llvm::StringRef name);

} // namespace moeplan

#endif // MOEPLAN_COST_CLUSTER_H
