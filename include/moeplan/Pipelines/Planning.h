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
  /// none, selective, full, or auto: moe-select-memory decides per tensor
  /// the least added time that fits.
  std::string recompute = "none";
  bool swap = true; ///< let auto send tensors to host memory
  /// flash or unfused; empty: the model's #moe.training, else flash.
  std::string attention;
  /// bf16 or fp8 (linear layers); empty: the model's, else bf16.
  std::string precision;
  /// Overlap steady-state backward with forward; unset: as the model's
  /// hand-set moe.overlap choices say, else not.
  std::optional<bool> fbOverlap;
  std::optional<double> routingSkew; ///< expert-load CV; unset: the default
  /// A Megatron --pipeline-model-parallel-layout string to honour; empty:
  /// moe-balance-stages balances the stages.
  std::string pipelineLayout;
};

/// The layout the plan uses, every dimension decided.
struct ParallelLayout {
  int64_t tp = 1, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 1;
  int64_t edp = 1; ///< expert data parallelism
  bool sp = false, tpExtendEp = false, hierarchicalA2a = false;
  bool distributedOptimizer = false;
  int64_t seq = 0, globalBatch = 0, microBatch = 0, microBatches = 0;
  std::string recompute;
  bool recomputeChosen = false; ///< decided per tensor by --recompute=auto
  /// The optimizer state lives in host memory outside the optimizer step.
  bool swapOptimizer = false;
  double routingSkew = 0;     ///< expert-load CV assumed (MoE models)
  double expertImbalance = 1; ///< busiest expert rank's load over the mean
  std::string attention;
  std::string precision;
  bool fbOverlap = false;
};

/// Which units each virtual pipeline stage holds (virtual stage v is chunk
/// v / PP of pipeline rank v % PP, as Megatron numbers them).
struct PipelineLayout {
  /// Per virtual stage, its units in order: "embedding", "dense0", "moe3",
  /// "mtp0", "final_norm", "lm_head", "loss", and "noop" for the no-op
  /// layers that pad a stage.
  std::vector<std::vector<std::string>> stages;
  /// Per virtual stage, the time of one micro-batch's forward and backward
  /// there (kernels and blocking collectives, recompute included), in s.
  std::vector<double> stageTimes;

  /// Megatron-Core's --pipeline-model-parallel-layout string, e.g.
  /// "Et|(tt|)*30L": E embedding, t a decoder layer, m an MTP layer, L the
  /// final norm, head and loss, `|` between virtual stages.
  std::string megatronString() const;
  /// Decoder layers per virtual stage after padding with no-op layers, and
  /// the indices of the no-op layers in that padded numbering (MindSpeed's
  /// --noop-layers).
  int64_t paddedLayersPerStage() const;
  std::vector<int64_t> noopLayers() const;
};

/// What the moe.memory decisions do on one virtual stage, per micro-batch.
struct StageMemoryChoices {
  int64_t keptBytes = 0;       ///< tensors kept on the device
  int64_t recomputedBytes = 0; ///< tensors recomputed before backward
  int64_t swappedBytes = 0;    ///< tensors sent to host memory and back
  int64_t recomputedTensors = 0, swappedTensors = 0;
  int64_t fullRecomputeLayers = 0; ///< layers recomputed whole
  double recomputeSeconds = 0;     ///< forward work rerun
  /// Micro-batches in flight on the stage at most, which each kept tensor
  /// is held for.
  int64_t inFlight = 0;
  /// The stage's device memory as the planner estimates it (weights,
  /// gradients, optimizer state, kept tensors of the micro-batches in
  /// flight and the largest transient; the runtime reserve apart), with
  /// these decisions and with every tensor and the optimizer state kept.
  double peakBytes = 0, peakIfKeptBytes = 0;
};

/// What a unit's moe.memory decisions amount to, in the terms the runtimes'
/// recompute flags speak.
enum class UnitMemory {
  Keep,     ///< every tensor kept
  CoreOnly, ///< only the attention core's statistics recomputed (selective)
  Full,     ///< a layer recomputed whole
  Other,    ///< any other mix of recompute and swap
};

/// A plan's memory decisions as the runtimes' recompute flags can run
/// them: selective recompute of every layer's attention core, or block
/// recompute of the first `layers` decoder layers of every virtual stage
/// (and of the MTP layers, with `mtp`); everything else kept.
struct RoundedMemory {
  bool selective = false;
  int64_t layers = 0;
  bool mtp = false;
};

struct PlanResult {
  ParallelLayout layout;
  PipelineLayout pipeline;
  /// Per virtual stage, per unit (as `pipeline.stages` lists them), what
  /// its memory decisions amount to.
  std::vector<std::vector<UnitMemory>> unitMemory;
  /// Set on a plan re-evaluated with its memory decisions rounded to block
  /// recompute (evaluateRounded), with the step the decisions predicted.
  std::optional<RoundedMemory> rounded;
  double unroundedStepTime = 0;
  /// Per virtual stage, what its memory decisions keep, recompute and swap.
  std::vector<StageMemoryChoices> memoryChoices;
  mlir::OwningOpRef<mlir::ModuleOp> plan; ///< the lowered ascend plan
  SimulationResult simulation;
};

/// Checks `request` against `model` and `cluster`, runs the planning
/// pipeline and simulates. Errors name the flag and the fix and are
/// emitted on `model`. With recompute "auto", moe-select-memory decides
/// per tensor. The plan records each stage's high-water mark and, when the
/// decision passes planned every stage within the device, its claim to fit
/// (see ascend-verify-plan). `verify` checks the IR after every pass and
/// runs ascend-verify-plan on the plan, its recorded memory against the
/// interpreter; the search, whose candidates are the single plans the tests
/// verify, leaves it off, and the plan it reports is evaluated again.
mlir::FailureOr<PlanResult> evaluatePlan(mlir::moe::ModelOp model,
                                         const ClusterSpec &cluster,
                                         const PlanRequest &request,
                                         bool recordTrace = false,
                                         bool verify = true);

/// What a request cannot beat, from moe-shard's layout alone, before the
/// passes that decide memory, overlap and stages.
struct PlanBounds {
  /// The fullest device's peak memory is at least the whole model's
  /// weights, gradients and optimizer state spread evenly over the pipeline
  /// ranks, plus the runtime reserve: the interpreter's peak counts all
  /// three (an optimizer state swapped to host memory is back on the device
  /// for its step), and the fullest rank holds at least the mean.
  int64_t memoryBytes = 0;
  /// The step is at least the compute kernels of every micro-batch's
  /// forward and backward spread evenly over the pipeline ranks: each rank
  /// runs its kernels one at a time on its compute stream, recompute only
  /// adds to them, and the slowest rank is at least the mean. The same
  /// holds for the units' collectives on the comm stream; without
  /// forward/backward overlap they block the compute stream, and the two
  /// add up. Without virtual stages the pipeline's fill and drain add to
  /// it (see planBounds).
  double stepSeconds = 0;
  /// The layout moe-shard decided (the options and what the schedule runs
  /// are the request's), for checks before planning.
  ParallelLayout layout;
};

/// The bounds of `request`; fails with moe-shard's error when the layout is
/// invalid. test/tools/moe-plan/search.test checks both against every
/// priced candidate of a search.
mlir::FailureOr<PlanBounds> planBounds(mlir::moe::ModelOp model,
                                       const ClusterSpec &cluster,
                                       const PlanRequest &request);

/// How the runtimes can run `plan`'s memory decisions when their presets
/// (nothing, selective, or full recompute of every layer) cannot run them
/// as they are: only attention cores recomputed, on some layers, rounds up
/// to selective on all; anything else to the fewest leading layers per
/// virtual stage that cover every layer with a recompute or swap, each
/// recomputed whole. Rounding only turns kept tensors into recomputed ones;
/// a whole layer's recompute has a larger transient than one op's, so the
/// rounded plan is priced again (evaluateRounded) and says whether it fits.
/// Nullopt when a preset runs them exactly.
std::optional<RoundedMemory> roundedMemoryOf(const PlanResult &plan);

/// `plan` re-evaluated with its memory decisions rounded to `rounded` and
/// its stage placements kept, so a launch script can say what it will run.
/// Block recompute takes the fewest leading layers per virtual stage whose
/// plan fits, up to `rounded.layers`. `verify` as for evaluatePlan.
mlir::FailureOr<PlanResult> evaluateRounded(mlir::moe::ModelOp model,
                                            const ClusterSpec &cluster,
                                            const PlanRequest &request,
                                            const PlanResult &plan,
                                            RoundedMemory rounded,
                                            bool verify = true);

} // namespace moeplan

#endif // MOEPLAN_PIPELINES_PLANNING_H
