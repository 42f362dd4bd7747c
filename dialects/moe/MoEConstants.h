//===- MoEConstants.h - names of the decision attributes ------------------===//
//
// Every decision the planner makes is a discardable attribute on the moe IR;
// their names live here so passes, the lowering and the verifier spell them
// once (as Shardy's constants.h does).
//
//===----------------------------------------------------------------------===//

#ifndef DIALECTS_MOE_MOECONSTANTS_H
#define DIALECTS_MOE_MOECONSTANTS_H

#include "llvm/ADT/StringRef.h"

namespace mlir::moe {
/// #moe.layout on a moe.model: the parallel layout (moe-shard).
inline constexpr llvm::StringLiteral kLayoutAttr = "moe.layout";
/// #moe.training on a moe.model: the training setup (moe-shard).
inline constexpr llvm::StringLiteral kTrainingAttr = "moe.training";
/// #moe.placement on each pipeline unit (moe-balance-stages).
inline constexpr llvm::StringLiteral kPlacementAttr = "moe.placement";
/// #moe.memory on each op that saves tensors (moe-select-memory).
inline constexpr llvm::StringLiteral kMemoryAttr = "moe.memory";
/// The one name #moe.memory takes on a moe.model: the optimizer state,
/// kept on the device or swapped to host memory outside the optimizer step.
inline constexpr llvm::StringLiteral kOptimizerState = "optimizer";
/// #moe.overlap on each op that communicates (moe-plan-overlap).
inline constexpr llvm::StringLiteral kOverlapAttr = "moe.overlap";
/// On a moe.model imported from a config.json: the keys the importer read
/// with their defaults because the config left them out (provenance, not a
/// decision).
inline constexpr llvm::StringLiteral kHFDefaultsAttr = "moe.hf_defaults";
} // namespace mlir::moe

#endif // DIALECTS_MOE_MOECONSTANTS_H
