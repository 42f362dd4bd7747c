//===- AscendReportCosts.cpp - the interpreter's predictions as remarks ---===//

#include "dialects/ascend/AscendOps.h"
#include "moeplan/Cost/Interpreter.h"
#include "moeplan/Transforms/Passes.h"

#include "llvm/Support/Format.h"

#define DEBUG_TYPE "ascend-report-costs"

namespace moeplan {
#define GEN_PASS_DEF_ASCENDREPORTCOSTSPASS
#include "moeplan/Transforms/Passes.h.inc"
} // namespace moeplan

using namespace mlir;
using namespace moeplan;

namespace {
/// Microseconds with three decimals: stable text for tests and people.
std::string micros(double seconds) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.3f", seconds * 1e6)
                                 << " us";
  return text;
}

class AscendReportCostsPass
    : public moeplan::impl::AscendReportCostsPassBase<AscendReportCostsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (cluster.empty()) {
      module.emitError("ascend-report-costs needs a cluster, e.g. "
                       "cluster=ascend-910b:8");
      return signalPassFailure();
    }
    llvm::Expected<ClusterSpec> spec = loadCluster(cluster);
    if (!spec) {
      module.emitError(llvm::toString(spec.takeError()));
      return signalPassFailure();
    }
    for (ascend::PlanOp plan : module.getOps<ascend::PlanOp>()) {
      // Simulated first: a plan the cluster cannot run has no kernel times.
      FailureOr<SimulationResult> result = simulate(plan, *spec);
      if (failed(result))
        return signalPassFailure();
      if (kernels)
        plan.walk([&](Operation *op) {
          if (std::optional<double> time = opDuration(op, *spec))
            op->emitRemark() << micros(*time);
        });
      plan.emitRemark() << "step " << micros(result->stepTime)
                        << ", critical stage " << result->criticalStage
                        << ": compute " << micros(result->computeTime)
                        << ", exposed communication "
                        << micros(result->exposedCommTime) << ", bubble "
                        << micros(result->bubbleTime);
      for (const StageResult &stage : result->stages)
        plan.emitRemark() << "stage " << stage.stage << " peak memory "
                          << stage.peakBytes << " bytes, activations "
                          << stage.peakActivationBytes << " bytes";
    }
  }
};
} // namespace
