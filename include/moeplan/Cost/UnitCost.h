//===- UnitCost.h - a pipeline unit's work and its price ------------------===//
//
// What the lowering places and what moe-balance-stages prices are the same
// thing: the ordered work of each pipeline unit (embedding, decoder or MTP
// layer, final norm, head, loss) for one micro-batch, with the memory
// decisions on its saved tensors. Pricing it here, with the interpreter's
// own kernel and collective times, lets the balancer decide without
// lowering a copy of the model.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_COST_UNITCOST_H
#define MOEPLAN_COST_UNITCOST_H

#include "moeplan/Cost/OpKernels.h"

#include <array>
#include <utility>
#include <vector>

namespace moeplan {

/// The device grids of a layout: @attention is [PP, DP, CP, TP] and
/// @experts is [PP, EDP, EP across nodes, EP within a node, ETP], both
/// row-major with the last axis fastest, as Megatron orders ranks.
struct Grids {
  std::array<int64_t, 4> attention;
  std::array<int64_t, 5> experts;
};
Grids gridsOf(mlir::moe::LayoutAttr layout, const Sharding &sharding);

/// Axis indices of the two grids.
struct Axes {
  static constexpr int16_t pp = 0, dp = 1, cp = 2, tp = 3;
  static constexpr int16_t edp = 1, epOuter = 2, epInner = 3, etp = 4;
};

/// The grid ("attention" or "experts") and axes a group spans.
std::pair<llvm::StringRef, llvm::SmallVector<int16_t>> groupAxes(Group group);

/// Seconds one work item takes on `cluster` (a collective: blocking, on its
/// group's links); exactly what the interpreter charges for its ascend op.
double workTime(const WorkItem &item, const Grids &grids,
                const ClusterSpec &cluster);

/// One pipeline unit's work for one micro-batch on one device.
struct UnitWork {
  mlir::Operation *op = nullptr; ///< the top-level op of the model body
  std::string name;              ///< unitName: "embedding", "moe3", "loss"
  bool isLayer = false;          ///< a decoder or MTP layer
  std::vector<OpKernels> ops; ///< forward order
  int64_t denseParams = 0, expertParams = 0;

  /// moe.memory recomputes every tensor the layer saves: Megatron's full
  /// recompute, which keeps only the layer's input and reruns the layer.
  bool isFullRecompute() const;
};

/// The work of top-level op `op`, its leaves named `<unit>.<label>`
/// ("moe3.attention", "moe3.norm1").
UnitWork unitWorkOf(mlir::Operation *op, const MicroBatchShape &shape,
                    const Sharding &sharding);

/// A unit's work priced once: per op its forward, backward and attention-
/// core time and its saved tensors with their choices. Memory choices can
/// then be re-priced without re-walking the work, and every caller prices
/// through it, so there is one price.
struct PricedUnit {
  struct Op {
    double forward = 0, backward = 0, core = 0; ///< seconds
    llvm::SmallVector<SavedSpec> saved;
  };
  bool isLayer = false;
  std::vector<Op> ops;

  /// Every tensor of a layer recomputed: Megatron's full recompute.
  bool isFullRecompute() const;
  /// Forward, backward and recompute time of one micro-batch.
  double time() const;
  /// Bytes kept on the device from one micro-batch's forward to its
  /// backward: the kept tensors, or the layer input under full recompute.
  int64_t savedBytes(int64_t layerInputBytes) const;
  /// Bytes sent to host memory per micro-batch.
  int64_t swappedBytes() const;
  /// Bytes live only while the unit's backward runs, beyond what it keeps:
  /// the tensors a recompute saves again (a whole layer's under full
  /// recompute, one op's at a time otherwise), and the swapped tensors
  /// fetched back for it and, one unit ahead, for the next (taken to be as
  /// large).
  int64_t transientBytes() const;
  /// The forward work rerun before backward, in seconds.
  double recomputeTime() const;

private:
  /// Bytes of the saved tensors whose choice is `choice`.
  int64_t bytesChosen(mlir::moe::MemoryChoice choice) const;
};
PricedUnit priceUnit(const UnitWork &unit, const Grids &grids,
                     const ClusterSpec &cluster);

/// The input of a layer one device holds for a micro-batch: bf16 hidden
/// states of its sequence share. Full recompute keeps this; pipeline
/// stages send it.
int64_t layerInputBytes(mlir::moe::ModelOp model, const MicroBatchShape &shape,
                        const Sharding &sharding);

} // namespace moeplan

#endif // MOEPLAN_COST_UNITCOST_H
