//===- Passes.h - passes of the planner -----------------------------------===//

#ifndef MOEPLAN_TRANSFORMS_PASSES_H
#define MOEPLAN_TRANSFORMS_PASSES_H

#include "dialects/ascend/AscendDialect.h"
#include "moeplan/Cost/Cluster.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace moeplan {

#define GEN_PASS_DECL
#include "moeplan/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "moeplan/Transforms/Passes.h.inc"

/// What an ascend plan records of its memory for ascend-verify-plan to
/// check against the cost interpreter: `peak` on an `ascend.stage_memory`,
/// the stage's high-water mark in bytes as the report states it, and
/// `fits_in` on the `ascend.plan`, its claim that every stage fits in that
/// many bytes per device.
inline constexpr llvm::StringLiteral kPeakAttr = "peak";
inline constexpr llvm::StringLiteral kFitsInAttr = "fits_in";

/// ascend-verify-plan checking recorded memory on `cluster` as loaded.
std::unique_ptr<mlir::Pass> createAscendVerifyPlanPass(ClusterSpec cluster);

} // namespace moeplan

#endif // MOEPLAN_TRANSFORMS_PASSES_H
