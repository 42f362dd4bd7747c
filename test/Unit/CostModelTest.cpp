//===- CostModelTest.cpp - kernel costs and the pipeline simulation -------===//
//
// Kernel times against the roofline computed by hand from the ascend-910b
// preset's constants, schedule orders against Megatron's, and simulated
// pipeline bubbles against the closed forms of ../shared/reference/
// formulas.md.
//
//===----------------------------------------------------------------------===//

#include "dialects/ascend/AscendDialect.h"
#include "moeplan/Cost/Interpreter.h"
#include "moeplan/Cost/KernelCost.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "gtest/gtest.h"

#include <sstream>

using namespace mlir;
using namespace moeplan;
using ascend::Phase;

namespace {

ClusterSpec ascend910b() {
  llvm::Expected<ClusterSpec> cluster = loadCluster("ascend-910b");
  EXPECT_TRUE(bool(cluster)) << llvm::toString(cluster.takeError());
  return *cluster;
}

constexpr double kPeak = 353.9e12, kComputeEff = 0.7, kHBM = 1.6e12,
                 kMemoryEff = 0.6, kCubeLaunch = 5e-6, kVectorLaunch = 2e-6;

TEST(KernelCost, AlignedGemmLosesOnlyTheLastWave) {
  DeviceSpec d = ascend910b().device;
  KernelWork gemm{ComputeUnit::Cube, 2.0 * 4096 * 4096 * 4096,
                  2.0 * 3 * 4096 * 4096, {4096, 4096, 4096}};
  // 16 × 16 tiles of 256 over 24 Cube cores: 11 waves, the last one with
  // 16 of 24 cores busy.
  EXPECT_DOUBLE_EQ(cubeShapeEfficiency(gemm, d), 256.0 / 264.0);
  double expected = kCubeLaunch + gemm.flops / (kPeak * kComputeEff * 256 / 264);
  EXPECT_NEAR(kernelTime(gemm, d), expected, expected * 1e-12);
}

TEST(KernelCost, SmallExpertGemmLeavesCoresIdle) {
  DeviceSpec d = ascend910b().device;
  // 128 tokens per expert and a 4096-wide output: 16 tiles for 24 cores.
  KernelWork expert{ComputeUnit::Cube, 2.0 * 128 * 4096 * 7680, 0,
                    {128, 4096, 7680}};
  EXPECT_DOUBLE_EQ(cubeShapeEfficiency(expert, d), 16.0 / 24.0);
  // Three such experts in one grouped GEMM make 48 tiles: two full waves.
  expert.groups = 3;
  EXPECT_DOUBLE_EQ(cubeShapeEfficiency(expert, d), 1.0);
}

TEST(KernelCost, UnalignedDimensionsArePadded) {
  DeviceSpec d = ascend910b().device;
  KernelWork odd{ComputeUnit::Cube, 2e9, 0, {1000, 1000, 1000}};
  // Each dimension padded to 1008 (16), the reduction to 1024 (256), and
  // 4 × 4 output tiles on 24 cores.
  double padding = std::pow(1000.0 / 1008.0, 3);
  EXPECT_NEAR(cubeShapeEfficiency(odd, d),
              padding * (1000.0 / 1024.0) * (16.0 / 24.0), 1e-12);
}

TEST(KernelCost, FP8GemmsUseTheFP8PeakAndEfficiency) {
  llvm::Expected<ClusterSpec> h100 = loadCluster("h100-sxm");
  ASSERT_TRUE(bool(h100));
  KernelWork gemm{ComputeUnit::Cube, 2.0 * 4096 * 4096 * 4096, 0,
                  {4096, 4096, 4096}};
  double bf16 = kernelTime(gemm, h100->device);
  gemm.fp8 = true;
  double fp8 = kernelTime(gemm, h100->device);
  double launch = h100->device.cubeLaunch.value;
  // 1978 against 989 TFLOPS dense, each path at its own share of its peak.
  const DeviceSpec &d = h100->device;
  double speedup = 2.0 * d.computeEfficiencyFP8.value / d.computeEfficiency.value;
  EXPECT_NEAR((bf16 - launch) / (fp8 - launch), speedup, 1e-9);
  // Never above the FP8 peak, nor slower than the BF16 path.
  EXPECT_GT(fp8 - launch, gemm.flops / d.cubeFlopsFP8.value);
  EXPECT_LT(fp8, bf16);
}

TEST(KernelCost, FlashAttentionHasItsOwnEfficiency) {
  llvm::Expected<ClusterSpec> h100 = loadCluster("h100-sxm");
  ASSERT_TRUE(bool(h100));
  const DeviceSpec &d = h100->device;
  KernelWork core{ComputeUnit::Cube, 2.0 * 4096 * 4096 * 256 * 32, 0,
                  {4096, 4096, 256}, 32};
  double gemm = kernelTime(core, d);
  core.flash = true;
  double flash = kernelTime(core, d);
  double launch = d.cubeLaunch.value;
  EXPECT_NEAR((flash - launch) / (gemm - launch),
              d.computeEfficiency.value / d.attentionEfficiency.value, 1e-9);
  EXPECT_GT(flash, gemm); // fused attention reaches less than a GEMM
}

TEST(KernelCost, VectorKernelsAreMemoryBound) {
  DeviceSpec d = ascend910b().device;
  KernelWork norm{ComputeUnit::Vector, 4.0 * 4096 * 7680,
                  2.0 * 2 * 4096 * 7680};
  EXPECT_DOUBLE_EQ(kernelTime(norm, d),
                   kVectorLaunch + norm.bytes / (kHBM * kMemoryEff));
}

//===----------------------------------------------------------------------===//
// Schedules
//===----------------------------------------------------------------------===//

std::string describe(const std::vector<ScheduledRun> &order) {
  std::ostringstream os;
  for (const ScheduledRun &r : order)
    os << (r.phase == Phase::Forward ? "F" : "B") << r.microBatch << "."
       << r.chunk << " ";
  return os.str();
}

TEST(Schedule, OneFOneBWarmsUpWithTheStagesDownstream) {
  EXPECT_EQ(describe(pipelineOrder(4, 1, 6, 0, 0)),
            "F0.0 F1.0 F2.0 F3.0 B0.0 F4.0 B1.0 F5.0 B2.0 B3.0 B4.0 B5.0 ");
  EXPECT_EQ(describe(pipelineOrder(4, 1, 6, 0, 3)),
            "F0.0 B0.0 F1.0 B1.0 F2.0 B2.0 F3.0 B3.0 F4.0 B4.0 F5.0 B5.0 ");
  // One extra warm-up forward for cross-micro-batch overlap.
  EXPECT_EQ(describe(pipelineOrder(4, 1, 6, 1, 3)),
            "F0.0 F1.0 B0.0 F2.0 B1.0 F3.0 B2.0 F4.0 B3.0 F5.0 B4.0 B5.0 ");
}

TEST(Schedule, InterleavedFollowsMegatron) {
  // Stage 0 of 2 with 2 chunks: warm-up (2-0-1)·2 + (2-1)·2 = 4 forwards;
  // chunks advance every 2 micro-batches, backward visits them in reverse.
  EXPECT_EQ(describe(pipelineOrder(2, 2, 4, 0, 0)),
            "F0.0 F1.0 F0.1 F1.1 F2.0 B0.1 F3.0 B1.1 F2.1 B0.0 F3.1 B1.0 "
            "B2.1 B3.1 B2.0 B3.0 ");
}

//===----------------------------------------------------------------------===//
// Simulated bubbles
//===----------------------------------------------------------------------===//

/// A plan of `stages` × `chunks` identical programs: a forward of one
/// vector kernel and a backward of two.
std::string uniformPlan(int stages, int chunks, int microBatches) {
  std::ostringstream os;
  os << "ascend.plan @p {\n  shard.grid @world(shape = " << stages << ")\n"
     << "  ascend.schedule stages = " << stages << ", chunks = " << chunks
     << ", micro_batches = " << microBatches << "\n";
  for (int s = 0; s < stages; ++s) {
    os << "  ascend.stage_memory stage = " << s
       << ", weights = 0, grads = 0, optimizer = 0\n";
    for (int c = 0; c < chunks; ++c)
      os << "  ascend.program stage = " << s << ", chunk = " << c
         << ", forward {\n    ascend.vector \"f\" flops = 0, bytes = 960000000\n"
         << "    ascend.save \"x\" bytes = 100\n  }\n"
         << "  ascend.program stage = " << s << ", chunk = " << c
         << ", backward {\n"
         << "    ascend.vector \"b1\" flops = 0, bytes = 960000000\n"
         << "    ascend.vector \"b2\" flops = 0, bytes = 960000000\n"
         << "    ascend.release \"x\" bytes = 100\n  }\n";
  }
  os << "}\n";
  return os.str();
}

struct Simulated {
  double step, forward, stageWork;
  SimulationResult result;
};

Simulated simulateUniform(int stages, int chunks, int microBatches) {
  MLIRContext context;
  context.loadDialect<ascend::AscendDialect>();
  auto module = parseSourceString<ModuleOp>(
      uniformPlan(stages, chunks, microBatches), &context);
  EXPECT_TRUE(module);
  auto plan = *module->getOps<ascend::PlanOp>().begin();
  ClusterSpec cluster = ascend910b();
  FailureOr<SimulationResult> result = simulate(plan, cluster);
  EXPECT_TRUE(succeeded(result));
  double forward = kVectorLaunch + 960000000 / (kHBM * kMemoryEff);
  // Ideal time of one stage: every micro-batch's forward and backward of
  // every chunk.
  double work = microBatches * chunks * 3 * forward;
  return {result->stepTime, forward, work, *result};
}

TEST(Simulation, OneDeviceHasNoBubble) {
  Simulated s = simulateUniform(1, 1, 4);
  EXPECT_NEAR(s.step, s.stageWork, 1e-12);
  EXPECT_NEAR(s.result.bubbleTime, 0, 1e-12);
  EXPECT_NEAR(s.result.computeTime, s.stageWork, 1e-12);
}

TEST(Simulation, OneFOneBBubbleMatchesClosedForm) {
  for (int m : {4, 8, 16}) {
    Simulated s = simulateUniform(4, 1, m);
    // (p - 1)/m of the ideal step.
    EXPECT_NEAR(s.result.bubbleTime / s.stageWork, 3.0 / m, 1e-9) << m;
  }
}

TEST(Simulation, InterleavedBubbleMatchesClosedForm) {
  for (int m : {4, 8, 16}) {
    Simulated s = simulateUniform(4, 2, m);
    // (p - 1)/(v·m) of the ideal step.
    EXPECT_NEAR(s.result.bubbleTime / s.stageWork, 3.0 / (2 * m), 1e-9) << m;
  }
}

TEST(Simulation, InFlightActivationsPerStage) {
  // Under 1F1B the first stage holds p micro-batches, the last one.
  Simulated s = simulateUniform(4, 1, 8);
  EXPECT_EQ(s.result.stages.front().peakActivationBytes, 4 * 100);
  EXPECT_EQ(s.result.stages.back().peakActivationBytes, 100);
}

} // namespace
