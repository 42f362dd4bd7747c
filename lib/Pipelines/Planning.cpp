//===- Planning.cpp - from a moe model and a cluster to a simulated plan --===//

#include "moeplan/Pipelines/Planning.h"
#include "moeplan/Conversion/Passes.h"
#include "moeplan/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;

namespace moeplan {

FailureOr<PlanResult> evaluatePlan(moe::ModelOp model,
                                   const ClusterSpec &cluster,
                                   const PlanRequest &request,
                                   bool recordTrace) {
  for (auto [flag, value] : {std::pair<StringRef, int64_t>{"--seq", request.seq},
                             {"--global-batch", request.globalBatch},
                             {"--micro-batch", request.microBatch}})
    if (value <= 0)
      return model.emitError() << flag << " must be a positive number, got "
                               << value;

  // The passes consume the model, so they run on a copy.
  MLIRContext *context = model.getContext();
  PlanResult result;
  result.plan = ModuleOp::create(model.getLoc());
  OpBuilder builder = OpBuilder::atBlockEnd(result.plan->getBody());
  auto copy = cast<moe::ModelOp>(builder.clone(*model));

  PassManager shard(context);
  MoEShardPassOptions layoutOptions;
  layoutOptions.devices = cluster.devices;
  layoutOptions.devicesPerNode = cluster.devicesPerNode.value;
  layoutOptions.tp = request.tp.value_or(0);
  layoutOptions.pp = request.pp.value_or(0);
  layoutOptions.vpp = request.vpp.value_or(0);
  layoutOptions.ep = request.ep.value_or(0);
  layoutOptions.etp = request.etp.value_or(0);
  layoutOptions.cp = request.cp.value_or(0);
  layoutOptions.sp = request.sp ? (*request.sp ? "true" : "false") : "auto";
  layoutOptions.tpExtendEp = request.tpExtendEp;
  layoutOptions.hierarchicalA2a = request.hierarchicalA2a;
  layoutOptions.distributedOptimizer = request.distributedOptimizer;
  layoutOptions.globalBatch = request.globalBatch;
  layoutOptions.microBatch = request.microBatch;
  layoutOptions.seq = request.seq;
  shard.addPass(createMoEShardPass(layoutOptions));
  if (failed(shard.run(*result.plan)))
    return failure();

  auto layout = copy->getAttrOfType<moe::LayoutAttr>("moe.layout");
  ParallelLayout &l = result.layout;
  l.tp = layout.getTp();
  l.pp = layout.getPp();
  l.vpp = layout.getVpp();
  l.ep = layout.getEp();
  l.etp = layout.getEtp();
  l.cp = layout.getCp();
  l.dp = layout.getDp();
  l.edp = layout.getExpertDataParallel();
  l.sp = layout.getSp();
  l.tpExtendEp = layout.getTpExtendEp();
  l.hierarchicalA2a = layout.getHierarchicalA2a();
  l.distributedOptimizer = layout.getDistributedOptimizer();
  l.seq = request.seq;
  l.globalBatch = request.globalBatch;
  l.microBatch = request.microBatch;
  l.microBatches = request.globalBatch / (request.microBatch * l.dp);
  l.recompute = request.recompute;
  l.attention = request.attention;

  PassManager lower(context);
  ConvertMoEToAscendPassOptions options;
  options.seq = l.seq;
  options.microBatch = l.microBatch;
  options.microBatches = l.microBatches;
  options.recompute = l.recompute;
  options.attention = l.attention;
  options.devicesPerNode = cluster.devicesPerNode.value;
  options.routingSkew = request.routingSkew.value_or(-1);
  lower.addPass(createConvertMoEToAscendPass(options));
  if (failed(lower.run(*result.plan)))
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
