//===- Planning.h - from a moe model and a cluster to a simulated plan ----===//
//
// The one path every front end takes: check the requested layout against
// the model and the cluster, lower a copy of the model to an ascend plan
// with the planning passes, and run the cost interpreter on it.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_PIPELINES_PLANNING_H
#define MOEPLAN_PIPELINES_PLANNING_H

#include "dialects/moe/MoEOps.h"
#include "moeplan/Cost/Interpreter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <optional>
#include <string>

namespace moeplan {

/// What the user asked for. Unset parallel sizes are the planner's to
/// choose; for now every dimension but data parallelism is 1.
struct PlanRequest {
  int64_t seq = 0;
  int64_t globalBatch = 0; ///< sequences per step
  int64_t microBatch = 0;  ///< sequences per micro-batch
  std::optional<int64_t> tp, pp;
  bool distributedOptimizer = false;
  std::string recompute = "none"; ///< none, selective or full
};

/// The layout the plan uses, every dimension decided.
struct ParallelLayout {
  int64_t tp = 1, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 1;
  bool sp = false, tpExtendEp = false, distributedOptimizer = false;
  int64_t seq = 0, globalBatch = 0, microBatch = 0, microBatches = 0;
  std::string recompute;
};

struct PlanResult {
  ParallelLayout layout;
  mlir::OwningOpRef<mlir::ModuleOp> plan; ///< the lowered ascend plan
  SimulationResult simulation;
};

/// Checks `request` against `model` and `cluster`, lowers and simulates.
/// Errors name the flag and the fix and are emitted on `model`.
mlir::FailureOr<PlanResult> evaluatePlan(mlir::moe::ModelOp model,
                                         const ClusterSpec &cluster,
                                         const PlanRequest &request,
                                         bool recordTrace = false);

} // namespace moeplan

#endif // MOEPLAN_PIPELINES_PLANNING_H
