//===- Planning.cpp - from a moe model and a cluster to a simulated plan --===//

#include "moeplan/Pipelines/Planning.h"
#include "moeplan/Conversion/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;

namespace moeplan {
namespace {
/// Derives the layout from the request, or explains what is wrong.
FailureOr<ParallelLayout> decideLayout(moe::ModelOp model,
                                       const ClusterSpec &cluster,
                                       const PlanRequest &request) {
  auto fail = [&](const Twine &message) -> FailureOr<ParallelLayout> {
    return model.emitError(message);
  };
  for (auto [flag, value] : {std::pair<StringRef, int64_t>{"--seq", request.seq},
                             {"--global-batch", request.globalBatch},
                             {"--micro-batch", request.microBatch}})
    if (value <= 0)
      return fail(flag + " must be a positive number, got " + Twine(value));
  for (auto [flag, value] :
       {std::pair<StringRef, std::optional<int64_t>>{"--tp", request.tp},
        {"--pp", request.pp}})
    if (value && *value != 1)
      return fail(flag + "=" + Twine(*value) +
                  ": only data parallelism is modelled so far; use " + flag +
                  "=1");

  ParallelLayout layout;
  layout.dp = cluster.devices; // devices / (TP · PP · CP)
  layout.seq = request.seq;
  layout.globalBatch = request.globalBatch;
  layout.microBatch = request.microBatch;
  layout.recompute = request.recompute;
  layout.distributedOptimizer = request.distributedOptimizer;
  int64_t perStep = layout.microBatch * layout.dp;
  if (layout.globalBatch % perStep != 0) {
    int64_t below = layout.globalBatch / perStep * perStep;
    return fail("--global-batch=" + Twine(layout.globalBatch) +
                " is not a multiple of micro-batch × DP = " +
                Twine(layout.microBatch) + " × " + Twine(layout.dp) + " = " +
                Twine(perStep) + "; try " +
                (below ? Twine(below) + " or " : Twine()) +
                Twine(below + perStep));
  }
  layout.microBatches = layout.globalBatch / perStep;
  return layout;
}
} // namespace

FailureOr<PlanResult> evaluatePlan(moe::ModelOp model,
                                   const ClusterSpec &cluster,
                                   const PlanRequest &request,
                                   bool recordTrace) {
  FailureOr<ParallelLayout> layout = decideLayout(model, cluster, request);
  if (failed(layout))
    return failure();

  // The passes consume the model, so they run on a copy.
  MLIRContext *context = model.getContext();
  PlanResult result;
  result.layout = *layout;
  result.plan = ModuleOp::create(model.getLoc());
  OpBuilder builder = OpBuilder::atBlockEnd(result.plan->getBody());
  builder.clone(*model);

  PassManager pm(context);
  ConvertMoEToAscendPassOptions options;
  options.seq = layout->seq;
  options.microBatch = layout->microBatch;
  options.microBatches = layout->microBatches;
  options.recompute = layout->recompute;
  options.dataParallel = layout->dp;
  options.distributedOptimizer = layout->distributedOptimizer;
  pm.addPass(createConvertMoEToAscendPass(options));
  if (failed(pm.run(*result.plan)))
    return failure();

  auto plan = *result.plan->getOps<ascend::PlanOp>().begin();
  FailureOr<SimulationResult> simulation =
      simulate(plan, cluster, recordTrace);
  if (failed(simulation))
    return failure();
  result.simulation = std::move(*simulation);
  return result;
}

} // namespace moeplan
