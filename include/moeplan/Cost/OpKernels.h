//===- OpKernels.h - the work each moe op does, as plain data -------------===//
//
// The per-op work model: for one moe op, one micro-batch and one parallel
// layout, the forward and backward kernels and collectives with their
// FLOPs, bytes and shapes, the tensors kept for backward with the memory
// decision for each, and the parameters one device holds. The lowering
// turns these into ascend ops; moe-balance-stages prices them directly
// (UnitCost.h), so both see the same work.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_COST_OPKERNELS_H
#define MOEPLAN_COST_OPKERNELS_H

#include "moeplan/Analysis/ModelAnalysis.h"
#include "moeplan/Cost/KernelCost.h"
#include "moeplan/Cost/LoadImbalance.h"

#include <array>
#include <string>

namespace moeplan {

/// The communicator groups the lowering uses, named by grid axes later.
enum class Group {
  TP,       ///< tensor (and sequence) parallelism
  CP,       ///< context parallelism
  EP,       ///< the whole expert group (flat all-to-all)
  EPInner,  ///< the expert group's ranks inside one node
  EPOuter,  ///< the expert group's ranks across nodes, one per node
  ETP,      ///< expert tensor parallelism
};

/// A kernel on the compute stream, or a collective that compute waits for.
struct WorkItem {
  enum class Kind { Cube, Vector, Collective };
  Kind kind;
  std::string name;
  int64_t flops = 0;
  int64_t bytes = 0;                        ///< HBM traffic, or message size
  std::array<int64_t, 3> shape = {1, 1, 1}; ///< [m, n, k], Cube only
  int64_t groups = 1;                       ///< Cube only
  /// The flash-attention core, which selective recompute reruns.
  bool isAttentionCore = false;
  bool fp8 = false; ///< a linear layer's GEMM run in FP8
  bool flash = false; ///< a flash-attention kernel (forward or backward)
  CollectiveKind collective = CollectiveKind::AllReduce; ///< Collective only
  Group group = Group::TP;                               ///< Collective only
  /// The collective's name within its op ("sp_gather", "all_to_all"),
  /// which moe.overlap keys on; the backward mirror shares its forward's.
  std::string communication;
};

struct SavedSpec {
  std::string name;
  SavedTensorKind kind;
  int64_t bytes;
  /// The op's moe.memory choice for it (keep when none is made).
  mlir::moe::MemoryChoice choice = mlir::moe::MemoryChoice::Keep;
};

/// What one op runs for one micro-batch on one device.
struct OpKernels {
  mlir::Operation *op = nullptr; ///< the moe op this is the work of
  std::string name; ///< the prefix of the op's kernel names
  llvm::SmallVector<WorkItem, 4> forward;
  llvm::SmallVector<WorkItem, 4> backward; ///< in execution order
  llvm::SmallVector<SavedSpec> saved;
  int64_t denseParams = 0;  ///< parameters one device holds, reduced over DP
  int64_t expertParams = 0; ///< routed-expert parameters, reduced over EDP

  /// Whether moe.memory recomputes any of the op's saved tensors.
  bool recomputesAny() const;
  /// The work rerun before the op's backward so that its recomputed
  /// tensors exist again: the attention core alone when only the core's
  /// statistics are recomputed (Megatron's selective recompute), else the
  /// whole forward. Empty when nothing is recomputed.
  llvm::SmallVector<WorkItem, 4> recomputedWork() const;
};

/// The work of one micro-batch on one device.
struct MicroBatchShape {
  int64_t seq;        ///< tokens per sequence
  int64_t microBatch; ///< sequences per micro-batch
  int64_t tokens() const { return seq * microBatch; }
};

/// How the layout splits an op's work.
struct Sharding {
  int64_t tp = 1, cp = 1, etp = 1;
  int64_t expertGroup = 1; ///< EP, or TP·EP with TP-extended EP
  int64_t epInner = 1, epOuter = 1; ///< the expert group within / across nodes
  bool sp = false;
  bool hierarchicalA2a = false;
  /// Expected load of the busiest expert-parallel rank over the mean.
  double imbalance = 1;
  /// Flash attention (the default), or the unfused core of Megatron before
  /// it: scores written to HBM, a fused scale-mask-softmax, attention
  /// dropout, and no causal halving.
  bool unfusedAttention = false;
  /// Linear layers' GEMMs in FP8 (Transformer Engine's recipe): FP8
  /// operands, bf16 outputs; attention stays bf16.
  bool fp8 = false;
};

/// How `layout` splits the work of `model` for micro-batches of
/// `microBatch` sequences of `seq` tokens: the TP/SP/CP/EP split, the
/// expert group's split across nodes of `devicesPerNode`, and the busiest
/// expert rank's load under `skew`.
Sharding shardingOf(mlir::moe::ModelOp model, mlir::moe::LayoutAttr layout,
                    int64_t seq, int64_t microBatch, int64_t devicesPerNode,
                    RoutingSkew skew, bool unfusedAttention,
                    bool fp8 = false);

/// The work of leaf op `op` (any moe op without a region), named
/// `<prefix>.<part>`, with the op's moe.memory choices on its saved tensors.
OpKernels lowerOpKernels(mlir::Operation *op, const MicroBatchShape &shape,
                         const Sharding &sharding, llvm::StringRef prefix);

/// The optimizer step over `params` parameters held by one device: gradient
/// norm and the mixed-precision Adam update.
llvm::SmallVector<WorkItem, 2> optimizerKernels(int64_t params);

} // namespace moeplan

#endif // MOEPLAN_COST_OPKERNELS_H
