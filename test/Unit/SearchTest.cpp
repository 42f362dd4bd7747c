//===- SearchTest.cpp - the layout and architecture searches --------------===//

#include "TestSupport.h"

#include "moeplan/Analysis/ModelAnalysis.h"
#include "moeplan/Search/ArchSearch.h"
#include "moeplan/Pipelines/PlanPipeline.h"
#include "moeplan/Transforms/StageSplit.h"

#include "mlir/Pass/PassManager.h"

#include <cmath>

#include <gtest/gtest.h>

using namespace mlir;
using namespace moeplan;

namespace {

/// A reshaped DeepSeek-V3 has the sizes asked for, its new layers copy the
/// last one, and the parameters move by exactly what the shape changes.
TEST(ArchSearch, ReshapeSetsTheSizesAndCountsFollow) {
  auto loaded = test::importModel("deepseek-v3");
  ASSERT_TRUE(loaded->module);
  moe::ModelOp model = loaded->model();
  FailureOr<ParamCounts> base = countParameters(model);
  ASSERT_TRUE(succeeded(base));

  ArchShape same{61, 7168, 256, 8, 2048};
  FailureOr<OwningOpRef<ModuleOp>> copy = reshapeModel(model, same);
  ASSERT_TRUE(succeeded(copy));
  auto unchanged = *(*copy)->getOps<moe::ModelOp>().begin();
  EXPECT_EQ(countParameters(unchanged)->total, base->total);

  // One more MoE layer adds one MoE layer's parameters.
  ArchShape deeper = same;
  deeper.layers = 62;
  FailureOr<OwningOpRef<ModuleOp>> more = reshapeModel(model, deeper);
  ASSERT_TRUE(succeeded(more));
  auto grown = *(*more)->getOps<moe::ModelOp>().begin();
  auto layers = llvm::to_vector(grown.getDecoderLayers());
  ASSERT_EQ(layers.size(), 62u);
  EXPECT_EQ(layers.back().getIndex(), 61u);
  FailureOr<OpParams> layer = countOpParameters(layers.back());
  ASSERT_TRUE(succeeded(layer));
  EXPECT_EQ(countParameters(grown)->total, base->total + layer->total);

  // Half the experts, top-k 6, a wider expert and a narrower model.
  ArchShape other{55, 6144, 128, 6, 2560};
  FailureOr<OwningOpRef<ModuleOp>> reshaped = reshapeModel(model, other);
  ASSERT_TRUE(succeeded(reshaped));
  auto changed = *(*reshaped)->getOps<moe::ModelOp>().begin();
  EXPECT_EQ(changed.getHiddenSize(), 6144u);
  EXPECT_EQ(llvm::range_size(changed.getDecoderLayers()), 55);
  changed.walk([&](moe::RouterOp router) {
    EXPECT_EQ(router.getNumExperts(), 128u);
    EXPECT_EQ(router.getTopK(), 6u);
  });
  changed.walk([&](moe::ExpertsOp experts) {
    EXPECT_EQ(experts.getNumExperts(), 128u);
    EXPECT_EQ(experts.getFfnSize(), 2560u);
  });
  EXPECT_LT(countParameters(changed)->total, base->total);
}

/// A shape the dialect refuses (more experts per token than experts) is
/// an error, not a model.
TEST(ArchSearch, ReshapeRefusesAnInvalidShape) {
  auto loaded = test::importModel("deepseek-v3");
  ASSERT_TRUE(loaded->module);
  loaded->context.printOpOnDiagnostic(false);
  std::string message;
  ScopedDiagnosticHandler capture(&loaded->context, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  ArchShape impossible{61, 7168, 8, 16, 2048};
  EXPECT_TRUE(failed(reshapeModel(loaded->model(), impossible)));
  EXPECT_NE(message.find("top"), std::string::npos) << message;
}

} // namespace

namespace {
/// A splitter that keeps its tables splits exactly as a fresh one after
/// any unit changes, early or late, and when nothing changed.
TEST(StageSplitter, ReusedTablesSplitAsAFreshSplit) {
  std::vector<StageUnit> units;
  units.push_back({nullptr, "embedding", 'E', 0.002});
  for (int i = 0; i < 23; ++i)
    units.push_back({nullptr, "layer", 't', 0.010 + 0.001 * (i % 5)});
  units.push_back({nullptr, "mtp0", 'm', 0.012});
  units.push_back({nullptr, "loss", 'L', 0.004});
  for (StageUnit &u : units) {
    u.staticBytes = 1e9;
    u.savedBytes = 2e8;
  }
  std::vector<int64_t> flights = microBatchesInFlight(4, 2, 16);
  for (double budget : {std::numeric_limits<double>::infinity(), 6e9}) {
    StageSplitter splitter(4, 2, flights, budget);
    auto same = [&](llvm::ArrayRef<StageUnit> now) {
      std::optional<StageSplit> reused = splitter.split(now);
      std::optional<StageSplit> fresh = splitStages(now, 4, 2, flights, budget);
      ASSERT_EQ(reused.has_value(), fresh.has_value());
      if (fresh) {
        EXPECT_EQ(reused->stage, fresh->stage);
        EXPECT_EQ(reused->slowestNanos, fresh->slowestNanos);
      }
    };
    same(units);
    same(units); // nothing changed
    for (size_t u : {20, 3, 0, 25, 12}) {
      units[u].cost *= 1.7;
      units[u].savedBytes *= 0.5;
      same(units);
    }
  }
}
} // namespace

namespace {
/// planBounds prices units with the same leaves once; pricing every unit
/// on its own, as here, gives exactly the same bounds.
TEST(PlanBounds, PricingSameUnitsOnceChangesNothing) {
  auto loaded = test::importModel("deepseek-v3");
  ASSERT_TRUE(loaded->module);
  moe::ModelOp model = loaded->model();
  llvm::Expected<ClusterSpec> cluster = loadCluster("h800:256");
  ASSERT_TRUE(bool(cluster)) << llvm::toString(cluster.takeError());

  for (bool overlap : {false, true})
    for (int64_t vpp : {1, 2}) {
      PlanRequest request;
      request.seq = 4096;
      request.globalBatch = 512;
      request.microBatch = 1;
      request.tp = 2;
      request.pp = 8;
      request.vpp = vpp;
      request.ep = 8;
      request.etp = 1;
      request.fbOverlap = overlap;
      request.distributedOptimizer = true;
      FailureOr<PlanBounds> bounds = planBounds(model, *cluster, request);
      ASSERT_TRUE(succeeded(bounds));

      // The same layout by hand, every unit priced.
      OwningOpRef<ModuleOp> module = ModuleOp::create(model.getLoc());
      OpBuilder builder = OpBuilder::atBlockEnd(module->getBody());
      auto copy = cast<moe::ModelOp>(builder.clone(*model));
      PlanPipelineOptions options;
      ASSERT_TRUE(succeeded(options.parseFromString(
          "cluster=h800:256 seq=4096 global-batch=512 micro-batch=1 tp=2 "
          "pp=8 vpp=" + std::to_string(vpp) +
          " ep=8 etp=1 distributed-optimizer=true")));
      PassManager shard(&loaded->context);
      addShardPass(shard, options);
      ASSERT_TRUE(succeeded(shard.run(*module)));
      std::optional<StagePricing> pricing = StagePricing::of(copy, *cluster);
      ASSERT_TRUE(pricing);
      double statics = 0, compute = 0, communication = 0;
      for (Operation &op : copy.getBody().front()) {
        UnitWork work = unitWorkOf(&op, pricing->shape, pricing->sharding);
        statics +=
            pricing->weightAndGradBytes(work) + pricing->optimizerBytes(work);
        for (const OpKernels &kernels : work.ops)
          for (const auto *items : {&kernels.forward, &kernels.backward})
            for (const WorkItem &item : *items)
              (item.kind == WorkItem::Kind::Collective ? communication
                                                       : compute) +=
                  workTime(item, pricing->grids, *cluster);
      }
      EXPECT_EQ(bounds->memoryBytes,
                int64_t(statics / 8) + cluster->device.runtimeReserveBytes.value);
      double busiest =
          overlap ? std::max(compute, communication) : compute + communication;
      double m = pricing->microBatches;
      double step = busiest * m / 8;
      if (vpp == 1)
        step = std::max(step, busiest / (1 - std::pow(1 - 1 / m, 8)));
      // Summed per unit there, per item here: equal to rounding.
      EXPECT_NEAR(bounds->stepSeconds, step, 1e-12 * step);
    }
}
} // namespace
