//===- PlanPipeline.h - the registered planning pipeline ------------------===//
//
// moe-plan-pipeline: from a moe model to an ascend plan, every decision
// written on the IR on the way. moe-opt runs it by name; moe-plan builds the
// same passes from its flags (Planning.h), so both predict the same.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_PIPELINES_PLANPIPELINE_H
#define MOEPLAN_PIPELINES_PLANPIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace moeplan {

/// The planning pipeline's options: the cluster, the training setup and the
/// layout fields a user fixes; what is left open the passes decide.
struct PlanPipelineOptions
    : public mlir::PassPipelineOptions<PlanPipelineOptions> {
  Option<std::string> cluster{*this, "cluster",
                              llvm::cl::desc("cluster preset[:devices] or file")};
  Option<int64_t> seq{*this, "seq", llvm::cl::desc("sequence length"),
                      llvm::cl::init(0)};
  Option<int64_t> globalBatch{*this, "global-batch",
                              llvm::cl::desc("sequences per step"),
                              llvm::cl::init(0)};
  Option<int64_t> microBatch{*this, "micro-batch",
                             llvm::cl::desc("sequences per micro-batch"),
                             llvm::cl::init(0)};
  Option<std::string> precision{*this, "precision",
                                llvm::cl::desc("bf16 or fp8 linear layers")};
  Option<std::string> attention{*this, "attention",
                                llvm::cl::desc("attention core: flash or unfused")};
  Option<double> routingSkew{
      *this, "routing-skew",
      llvm::cl::desc("coefficient of variation of expert loads (-1: default)"),
      llvm::cl::init(-1)};
  Option<int64_t> tp{*this, "tp", llvm::cl::desc("TP (0: open)"),
                     llvm::cl::init(0)};
  Option<int64_t> pp{*this, "pp", llvm::cl::desc("PP (0: open)"),
                     llvm::cl::init(0)};
  Option<int64_t> vpp{*this, "vpp", llvm::cl::desc("VPP (0: open)"),
                      llvm::cl::init(0)};
  Option<int64_t> ep{*this, "ep", llvm::cl::desc("EP (0: open)"),
                     llvm::cl::init(0)};
  Option<int64_t> etp{*this, "etp", llvm::cl::desc("ETP (0: open)"),
                      llvm::cl::init(0)};
  Option<int64_t> cp{*this, "cp", llvm::cl::desc("CP (0: open)"),
                     llvm::cl::init(0)};
  Option<std::string> sp{*this, "sp",
                         llvm::cl::desc("sequence parallelism: auto, true or false"),
                         llvm::cl::init("auto")};
  Option<bool> tpExtendEp{*this, "tp-extend-ep",
                          llvm::cl::desc("TP-extended expert parallelism"),
                          llvm::cl::init(false)};
  Option<bool> hierarchicalA2a{*this, "hierarchical-a2a",
                               llvm::cl::desc("hierarchical expert dispatch"),
                               llvm::cl::init(false)};
  Option<bool> distributedOptimizer{
      *this, "distributed-optimizer",
      llvm::cl::desc("shard optimizer state over data-parallel replicas"),
      llvm::cl::init(false)};
  Option<std::string> recompute{
      *this, "recompute",
      llvm::cl::desc("memory policy for open tensors: none, selective, full, "
                     "or auto (the least added time that fits)"),
      llvm::cl::init("none")};
  Option<bool> swap{*this, "swap",
                    llvm::cl::desc("let auto send tensors to host memory "
                                   "(as moe-plan, on unless swap=false)"),
                    llvm::cl::init(true)};
  Option<std::string> overlap{
      *this, "overlap",
      llvm::cl::desc("overlap policy for open communications: none, fb, or "
                     "empty (as the hand-set choices say, else none)"),
      llvm::cl::init("")};
  Option<std::string> pipelineLayout{
      *this, "pipeline-layout",
      llvm::cl::desc("a Megatron pipeline layout string to honour")};
};

/// moe-shard alone, with `options`' layout and training setup: the first
/// pass of the decision pipeline.
void addShardPass(mlir::OpPassManager &pm, const PlanPipelineOptions &options);

/// The passes that decide: moe-shard, moe-plan-overlap, moe-select-memory,
/// moe-balance-stages. Overlap comes first because its extra warm-up holds
/// more micro-batches in flight; memory and overlap come before the stage
/// split so the balancer prices what they chose.
void buildDecisionPipeline(mlir::OpPassManager &pm,
                           const PlanPipelineOptions &options);

/// The decisions, then convert-moe-to-ascend and ascend-verify-plan.
void buildPlanPipeline(mlir::OpPassManager &pm,
                       const PlanPipelineOptions &options);

/// Registers `moe-plan-pipeline` with the pass registry.
void registerPlanPipeline();

} // namespace moeplan

#endif // MOEPLAN_PIPELINES_PLANPIPELINE_H
