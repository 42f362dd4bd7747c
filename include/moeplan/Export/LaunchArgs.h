//===- LaunchArgs.h - a plan as MindSpeed-LLM / Megatron-LM arguments -----===//
//
// The arguments that run a plan on the runtimes Ascend and GPU users launch:
// parallel sizes, the pipeline layout, the MoE dispatch options, recompute
// and optimizer flags, batch sizes and the model's shape.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_EXPORT_LAUNCHARGS_H
#define MOEPLAN_EXPORT_LAUNCHARGS_H

#include "moeplan/Export/Report.h"

namespace moeplan {

enum class Runtime { MindSpeedLLM, MegatronLM };

/// Writes a bash fragment: a comment header naming the model, cluster and
/// plan, then `MOE_PLAN_ARGS=(` with one `--flag value` per line `)`, to use
/// as `"${MOE_PLAN_ARGS[@]}"`. Fails with an error on `model`, writing
/// nothing, when the plan uses a feature the runtime has no flag for.
mlir::LogicalResult writeLaunchArgs(Runtime runtime, mlir::moe::ModelOp model,
                                    const Report &report,
                                    llvm::raw_ostream &os);

/// The part of writeLaunchArgs' checks that reads the parallel layout and
/// the model alone (hierarchical all-to-all, TP-extended EP, ETP): the
/// same error, before a plan exists, for a search to skip what the runtime
/// cannot run without planning it.
mlir::LogicalResult checkParallelLayout(Runtime runtime,
                                        mlir::moe::ModelOp model,
                                        const ParallelLayout &layout);

} // namespace moeplan

#endif // MOEPLAN_EXPORT_LAUNCHARGS_H
