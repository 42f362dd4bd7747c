//===- UnitCostTest.cpp - the balancer prices what the lowering emits -----===//
//
// moe-balance-stages prices units from the work model without lowering
// (the fast path); the interpreter prices the ascend ops the lowering emits
// from the same work (the slow path). For every virtual stage of real plans
// the two must agree: kernels, blocking collectives and recompute, with
// pipeline, data-parallel and host transfers apart.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "dialects/ascend/AscendDialect.h"
#include "dialects/moe/MoEConstants.h"
#include "moeplan/Cost/Interpreter.h"
#include "moeplan/Cost/UnitCost.h"
#include "moeplan/Pipelines/PlanPipeline.h"
#include "moeplan/Pipelines/Planning.h"
#include "moeplan/Transforms/StageSplit.h"

#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace moeplan;

namespace {

struct Case {
  const char *model;
  const char *pipeline; ///< moe-plan-pipeline options
};

/// Per virtual stage, the balancer's price of its units.
std::vector<double> pricedByUnits(moe::ModelOp model,
                                  const ClusterSpec &cluster) {
  std::optional<StagePricing> pricing = StagePricing::of(model, cluster);
  auto layout = model->getAttrOfType<moe::LayoutAttr>(moe::kLayoutAttr);
  int64_t pp = layout.getPp();
  std::vector<double> times(pp * layout.getVpp(), 0);
  for (Operation &op : model.getBody().front()) {
    auto placement = op.getAttrOfType<moe::PlacementAttr>(moe::kPlacementAttr);
    StageUnit unit{&op, unitName(&op), 't'};
    UnitWork work = unitWorkOf(&op, pricing->shape, pricing->sharding);
    pricing->price(unit, work, priceUnit(work, pricing->grids, cluster));
    times[placement.getChunk() * pp + placement.getStage()] += unit.cost;
  }
  return times;
}

class UnitCost : public ::testing::TestWithParam<Case> {};

TEST_P(UnitCost, BalancerPricesWhatTheLoweringEmits) {
  const Case &c = GetParam();
  auto loaded = test::importModel(c.model);
  ASSERT_TRUE(loaded->module) << c.model;
  loaded->context.loadDialect<ascend::AscendDialect, shard::ShardDialect>();
  PlanPipelineOptions options;
  ASSERT_TRUE(succeeded(options.parseFromString(c.pipeline)));
  llvm::Expected<ClusterSpec> cluster = loadCluster(options.cluster);
  ASSERT_TRUE(bool(cluster)) << llvm::toString(cluster.takeError());

  PassManager decide(&loaded->context);
  buildDecisionPipeline(decide, options);
  ASSERT_TRUE(succeeded(decide.run(*loaded->module)));
  std::vector<double> fast = pricedByUnits(loaded->model(), *cluster);

  PassManager lower(&loaded->context);
  buildPlanPipeline(lower, options);
  ASSERT_TRUE(succeeded(lower.run(*loaded->module)));
  auto plan = *loaded->module->getOps<ascend::PlanOp>().begin();
  FailureOr<SimulationResult> simulated = simulate(plan, *cluster);
  ASSERT_TRUE(succeeded(simulated));
  std::vector<double> slow = simulated->stageTimes;

  ASSERT_EQ(fast.size(), slow.size());
  for (size_t v = 0; v < fast.size(); ++v) {
    EXPECT_GT(slow[v], 0) << "virtual stage " << v;
    EXPECT_NEAR(fast[v], slow[v], 1e-12 * slow[v]) << "virtual stage " << v;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Plans, UnitCost,
    ::testing::Values(
        Case{"llama-2-70b", "cluster=a100-80g:64 seq=4096 global-batch=128 "
                            "micro-batch=1 tp=8 pp=4 vpp=2 recompute=selective"},
        Case{"mixtral-8x7b", "cluster=h100-sxm:64 seq=4096 global-batch=256 "
                             "micro-batch=1 pp=4 vpp=2 ep=8 etp=1 "
                             "precision=fp8 recompute=full"},
        Case{"deepseek-v2-lite", "cluster=h800:32 seq=2048 global-batch=64 "
                                 "micro-batch=2 tp=2 pp=2 ep=8 cp=2 "
                                 "routing-skew=0.3 overlap=fb"},
        Case{"pangu-ultra-moe-718b",
             "cluster=ascend-910b:6144 seq=4096 global-batch=6144 "
             "micro-batch=2 tp=8 pp=16 vpp=2 ep=4 tp-extend-ep "
             "hierarchical-a2a distributed-optimizer recompute=full"},
        // Per-tensor choices: reruns of single ops, whole layers, swaps.
        Case{"pangu-ultra-moe-718b",
             "cluster=ascend-910b:6144 seq=4096 global-batch=6144 "
             "micro-batch=2 tp=8 pp=16 vpp=2 ep=4 tp-extend-ep "
             "distributed-optimizer recompute=auto swap"},
        Case{"llama-3.1-8b", "cluster=a100-40g:8 seq=8192 global-batch=64 "
                             "micro-batch=4 tp=4 pp=2 recompute=auto"}));

} // namespace
