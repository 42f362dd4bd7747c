//===- StageSplit.h - split ordered units over virtual pipeline stages ----===//
//
// The split moe-balance-stages makes and moe-select-memory plans against:
// the model's pipeline units in Megatron's layout order, partitioned
// contiguously over PP x VPP virtual stages so that the slowest stage is as
// fast as it can be, each stage within its memory.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_TRANSFORMS_STAGESPLIT_H
#define MOEPLAN_TRANSFORMS_STAGESPLIT_H

#include "dialects/moe/MoEOps.h"
#include "moeplan/Cost/UnitCost.h"

#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace moeplan {

/// A top-level op of the model, the letter Megatron's layout uses for it,
/// and what it costs one stage.
struct StageUnit {
  mlir::Operation *op;
  std::string name;
  char letter; ///< E, t, m, or L for the final norm, head and loss
  double cost = 0;        ///< seconds per micro-batch
  /// Weights, gradients, and the optimizer state unless it is on the host.
  double staticBytes = 0;
  /// The optimizer state when it lives in host memory outside the
  /// optimizer step: on the device only then, when no activation is.
  double hostOptimizerBytes = 0;
  /// The optimizer state, wherever it lives.
  double optimizerBytes = 0;
  double savedBytes = 0;  ///< kept per micro-batch in flight
  /// Live only while the unit's backward runs (PricedUnit::transientBytes);
  /// a stage holds its largest unit's once.
  double transientBytes = 0;
  /// The virtual stage a hand-set moe.placement fixes, if any.
  std::optional<int64_t> fixed;
};

/// The model's units in Megatron's layout order: E, the decoder layers, the
/// MTP layers, then L (final norm, head, loss). The final norm precedes the
/// MTP layers in the IR but belongs to L in a layout.
std::vector<StageUnit> stageUnitsOf(mlir::moe::ModelOp model);

/// Micro-batches in flight on each virtual stage (chunk · PP + stage) at
/// most: forwards run and their backwards not yet, under the schedule. With
/// forward/backward overlap the schedule warms up one more forward with
/// virtual stages, and each paired forward saves before its backward
/// partner releases: one more in flight.
std::vector<int64_t> microBatchesInFlight(int64_t pp, int64_t vpp,
                                          int64_t microBatches,
                                          bool fbOverlap = false);

struct StageSplit {
  std::vector<int64_t> stage; ///< per unit, its virtual stage
  int64_t slowestNanos = 0;   ///< the slowest virtual stage's time
};

/// The contiguous split of `units` over PP x VPP virtual stages that
/// minimises the slowest stage (then the sum of squared stage times), with
/// the embedding first, the final norm, head and loss last, MTP layers in a
/// last chunk, hand-set placements kept and every virtual stage within
/// `budget` bytes (static + the larger of saved x its micro-batches in
/// flight + its largest transient and its host optimizer state); nullopt
/// when no split fits.
std::optional<StageSplit> splitStages(llvm::ArrayRef<StageUnit> units,
                                      int64_t pp, int64_t vpp,
                                      llvm::ArrayRef<int64_t> flights,
                                      double budget);

/// splitStages for a caller that splits again after changing some units:
/// the tables are kept, and the cells of the units before the first one
/// that changed since the last call are reused (they depend on those units
/// alone), so the split is the same as splitStages' and costs less the
/// later the change.
class StageSplitter {
public:
  StageSplitter(int64_t pp, int64_t vpp, llvm::ArrayRef<int64_t> flights,
                double budget);
  std::optional<StageSplit> split(llvm::ArrayRef<StageUnit> units);

private:
  static constexpr int64_t kUnreachable = std::numeric_limits<int64_t>::max();
  struct Split {
    int64_t slowest = kUnreachable;
    double squares = 0;
    bool operator<(const Split &other) const {
      return std::tie(slowest, squares) < std::tie(other.slowest, other.squares);
    }
  };
  int64_t pp, vpp;
  std::vector<int64_t> flights;
  double budget;
  std::vector<StageUnit> previous; ///< the units of the last call
  std::vector<int64_t> lastSplit;  ///< its split, when there was one
  /// The slowest stage the kept cells were computed up to: slower cells
  /// are unreachable in the tables.
  int64_t cellsBound = kUnreachable;
  std::vector<int64_t> prefix, lowest, highest;
  std::vector<double> statics, saved, host;
  std::vector<Split> best;
  std::vector<int64_t> cut;
};

/// How units are priced for stage decisions: one micro-batch's work under
/// the model's layout and training setup on the cluster, as the lowering
/// will emit it.
struct StagePricing {
  ClusterSpec cluster;
  MicroBatchShape shape;
  Sharding sharding;
  Grids grids;
  int64_t layerInput = 0;   ///< bytes a fully recomputed layer keeps
  double denseShards = 1;   ///< optimizer-state shards of dense parameters
  double expertShards = 1;  ///< and of expert parameters
  int64_t microBatches = 0; ///< per step and replica
  double memoryBudget = 0;  ///< device memory less the runtime reserve
  bool swapOptimizer = false; ///< the model's optimizer state on the host
  bool fbOverlap = false;     ///< some communication overlaps with fb

  /// Nullopt when the model lacks a complete moe.layout or moe.training.
  static std::optional<StagePricing> of(mlir::moe::ModelOp model,
                                        const ClusterSpec &cluster);
  /// A unit's bf16 weights and fp32 gradients, and its share of the fp32
  /// optimizer state (master weights, two Adam moments), in bytes.
  double weightAndGradBytes(const UnitWork &work) const;
  double optimizerBytes(const UnitWork &work) const;
  /// Sets `unit`'s cost, static and saved bytes from `work`, which
  /// priceUnit has priced as `priced`.
  void price(StageUnit &unit, const UnitWork &work,
             const PricedUnit &priced) const;
};

/// Bytes virtual stage `virtualStage` holds under `stage`.
double stageMemory(llvm::ArrayRef<StageUnit> units,
                   llvm::ArrayRef<int64_t> stage,
                   llvm::ArrayRef<int64_t> flights, int64_t virtualStage);

} // namespace moeplan

#endif // MOEPLAN_TRANSFORMS_STAGESPLIT_H
