//===- PlanPipeline.cpp - the registered planning pipeline ----------------===//

#include "moeplan/Pipelines/PlanPipeline.h"
#include "moeplan/Conversion/Passes.h"
#include "moeplan/Cost/Cluster.h"
#include "moeplan/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace moeplan {

/// The node size of the cluster `spec` names, or 8 when it does not load:
/// moe-shard, the pipeline's first pass, reports that cluster's error.
static int64_t devicesPerNodeOf(llvm::StringRef spec) {
  llvm::Expected<ClusterSpec> cluster = loadCluster(spec);
  if (!cluster) {
    llvm::consumeError(cluster.takeError());
    return 8;
  }
  return cluster->devicesPerNode.value;
}

void addShardPass(OpPassManager &pm, const PlanPipelineOptions &options) {
  MoEShardPassOptions shard;
  shard.cluster = options.cluster;
  shard.tp = options.tp;
  shard.pp = options.pp;
  shard.vpp = options.vpp;
  shard.ep = options.ep;
  shard.etp = options.etp;
  shard.cp = options.cp;
  shard.sp = options.sp;
  shard.tpExtendEp = options.tpExtendEp;
  shard.hierarchicalA2a = options.hierarchicalA2a;
  shard.distributedOptimizer = options.distributedOptimizer;
  shard.seq = options.seq;
  shard.globalBatch = options.globalBatch;
  shard.microBatch = options.microBatch;
  shard.precision = options.precision;
  shard.attention = options.attention;
  shard.routingSkew = options.routingSkew;
  pm.addPass(createMoEShardPass(shard));
}

void buildDecisionPipeline(OpPassManager &pm,
                           const PlanPipelineOptions &options) {
  addShardPass(pm, options);

  // The node size decides the expert group's split across nodes, which
  // names some communications.
  MoEPlanOverlapPassOptions overlap;
  overlap.policy = options.overlap;
  overlap.devicesPerNode = devicesPerNodeOf(options.cluster);
  pm.addPass(createMoEPlanOverlapPass(overlap));

  MoESelectMemoryPassOptions memory;
  memory.policy = options.recompute;
  memory.cluster = options.cluster;
  memory.swap = options.swap;
  pm.addPass(createMoESelectMemoryPass(memory));

  MoEBalanceStagesPassOptions stages;
  stages.cluster = options.cluster;
  stages.layout = options.pipelineLayout;
  pm.addPass(createMoEBalanceStagesPass(stages));
}

void buildPlanPipeline(OpPassManager &pm, const PlanPipelineOptions &options) {
  buildDecisionPipeline(pm, options);
  ConvertMoEToAscendPassOptions lowering;
  lowering.devicesPerNode = devicesPerNodeOf(options.cluster);
  pm.addPass(createConvertMoEToAscendPass(lowering));
  // The plan the pipeline hands on is checked as a whole (its memory only
  // where a later evaluation records it, see Planning.cpp).
  AscendVerifyPlanPassOptions verify;
  verify.cluster = options.cluster;
  pm.addPass(createAscendVerifyPlanPass(verify));
}

void registerPlanPipeline() {
  PassPipelineRegistration<PlanPipelineOptions>(
      "moe-plan-pipeline",
      "Plan a moe model on a cluster: moe-shard, moe-select-memory, "
      "moe-plan-overlap, moe-balance-stages, convert-moe-to-ascend, "
      "ascend-verify-plan",
      buildPlanPipeline);
}

} // namespace moeplan
