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

/// What the user asked for. Parallel sizes left unset take Megatron's
/// defaults (see moe-shard); data parallelism is derived.
struct PlanRequest {
  int64_t seq = 0;
  int64_t globalBatch = 0; ///< sequences per step
  int64_t microBatch = 0;  ///< sequences per micro-batch
  std::optional<int64_t> tp, pp, vpp, ep, etp, cp;
  std::optional<bool> sp;
  bool tpExtendEp = false;
  bool hierarchicalA2a = false;
  bool distributedOptimizer = false;
  std::string recompute = "none"; ///< none, selective or full
  std::string attention = "flash"; ///< flash or unfused
  std::optional<double> routingSkew; ///< expert-load CV; unset: the default
};

/// The layout the plan uses, every dimension decided.
struct ParallelLayout {
  int64_t tp = 1, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 1;
  int64_t edp = 1; ///< expert data parallelism
  bool sp = false, tpExtendEp = false, hierarchicalA2a = false;
  bool distributedOptimizer = false;
  int64_t seq = 0, globalBatch = 0, microBatch = 0, microBatches = 0;
  std::string recompute;
  std::string attention;
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
