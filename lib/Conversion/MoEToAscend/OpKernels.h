//===- OpKernels.h - the kernels each moe op runs, as plain data ----------===//
//
// The cost side of the lowering: for one moe op and one micro-batch, the
// forward and backward kernels with their FLOPs, HBM bytes and shapes, and
// the tensors kept for backward. The pass turns these into ascend ops.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_LIB_CONVERSION_MOETOASCEND_OPKERNELS_H
#define MOEPLAN_LIB_CONVERSION_MOETOASCEND_OPKERNELS_H

#include "moeplan/Analysis/ModelAnalysis.h"

#include <array>
#include <string>

namespace moeplan {

struct KernelSpec {
  enum class Unit { Cube, Vector };
  Unit unit;
  std::string name;
  int64_t flops = 0;
  int64_t bytes = 0;
  std::array<int64_t, 3> shape = {1, 1, 1}; ///< [m, n, k], Cube only
  int64_t groups = 1;                       ///< Cube only
  /// The flash-attention core, which selective recompute reruns.
  bool isAttentionCore = false;
};

struct SavedSpec {
  std::string name;
  SavedTensorKind kind;
  int64_t bytes;
};

/// What one op runs for one micro-batch.
struct OpKernels {
  std::string name; ///< the prefix of the op's kernel names
  llvm::SmallVector<KernelSpec> forward;
  llvm::SmallVector<KernelSpec> backward; ///< in execution order
  llvm::SmallVector<SavedSpec> saved;
};

/// The work of one micro-batch on one device.
struct MicroBatchShape {
  int64_t seq;        ///< tokens per sequence
  int64_t microBatch; ///< sequences per micro-batch
  int64_t tokens() const { return seq * microBatch; }
};

/// The kernels of leaf op `op` (any moe op without a region), named
/// `<prefix>.<part>`.
OpKernels lowerOpKernels(mlir::Operation *op, const MicroBatchShape &shape,
                         llvm::StringRef prefix);

/// The optimizer step over `params` parameters held by one device: gradient
/// norm and the mixed-precision Adam update.
llvm::SmallVector<KernelSpec> optimizerKernels(int64_t params);

} // namespace moeplan

#endif // MOEPLAN_LIB_CONVERSION_MOETOASCEND_OPKERNELS_H
