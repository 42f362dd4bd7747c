//===- Passes.td - passes of the planner ---------------------------------===//

#ifndef MOEPLAN_TRANSFORMS_PASSES_TD
#define MOEPLAN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AscendReportCostsPass : Pass<"ascend-report-costs", "mlir::ModuleOp"> {
  let summary = "annotate an ascend plan with what the cost interpreter predicts";
  let description = [{
    Runs the cost interpreter on every `ascend.plan` for the given cluster
    and reports, as remarks, each kernel's and collective's time and the
    simulated step: step time, the critical stage's compute, exposed
    communication and bubble, and each stage's peak memory. The IR is not
    changed. Used to inspect and test the cost model from the IR.

    ```
    moe-opt --ascend-report-costs="cluster=ascend-910b:8"
    ```
  }];
  let dependentDialects = ["::mlir::ascend::AscendDialect"];
  let options = [
    Option<"cluster", "cluster", "std::string", /*default=*/"\"\"",
           "cluster preset[:devices] or cluster file">,
    Option<"kernels", "kernels", "bool", /*default=*/"true",
           "also report every kernel and collective">,
  ];
}

#endif // MOEPLAN_TRANSFORMS_PASSES_TD
