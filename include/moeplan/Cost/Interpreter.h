//===- Interpreter.h - execute an ascend plan and measure it --------------===//
//
// The cost interpreter: a discrete-event simulation of an `ascend.plan` on a
// cluster. Each stage runs its programs in the schedule's micro-batch order;
// within a program every op runs on its stream in issue order, events order
// streams, and a micro-batch's program waits for the stage upstream of it.
// It reports the step time, where each stage's time went, and memory over
// time. The search and every report use this one model.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_COST_INTERPRETER_H
#define MOEPLAN_COST_INTERPRETER_H

#include "dialects/ascend/AscendOps.h"
#include "moeplan/Cost/Cluster.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace moeplan {

/// One program invocation in a stage's schedule.
struct ScheduledRun {
  mlir::ascend::Phase phase;
  int64_t microBatch;
  int64_t chunk;
};

/// The order in which stage `stage` runs its forward and backward programs:
/// Megatron's 1F1B (chunks == 1) or interleaved 1F1B, with `extraWarmup`
/// more forward passes before the steady state. The optimizer step is not
/// included.
std::vector<ScheduledRun> pipelineOrder(int64_t stages, int64_t chunks,
                                        int64_t microBatches,
                                        int64_t extraWarmup, int64_t stage);

/// Seconds `op` (a kernel, collective, send/receive or swap) occupies its
/// stream on `cluster`; nullopt for ops that take no time (saves, events).
/// The interpreter uses exactly this.
std::optional<double> opDuration(mlir::Operation *op,
                                 const ClusterSpec &cluster);

/// One op as it ran, for traces.
struct TraceEvent {
  int64_t stage;
  mlir::ascend::Stream stream;
  std::string name;
  double start;    ///< seconds from the start of the step
  double duration; ///< seconds
  mlir::ascend::Phase phase;
  int64_t microBatch; ///< -1 for the optimizer step
  int64_t chunk;
};

/// What a communication step is, for the report's per-kind accounting: a
/// collective's group (by the lowering's grids: @attention's CP axis is cp,
/// its other model-parallel axes tp, @experts is ep, anything on the dp
/// stream dp), a pipeline send or receive, or a host swap.
enum class CommKind { TP, CP, EP, PP, DP, Host, None };
inline constexpr int kCommKinds = 6; ///< all but None
llvm::StringRef stringifyCommKind(CommKind kind);

/// A kind's communication on one stage over the step: the time its steps
/// took and the part the compute stream waited for.
struct CommTime {
  double total = 0;
  double exposed = 0;
  double hidden() const { return std::max(0.0, total - exposed); }
};

struct StageResult {
  int64_t stage = 0;
  int64_t weightsBytes = 0, gradsBytes = 0, optimizerBytes = 0;
  int64_t peakActivationBytes = 0; ///< saved tensors live at the peak
  int64_t reserveBytes = 0;        ///< the cluster's stated runtime reserve
  int64_t peakBytes = 0;           ///< all of the above
  double endTime = 0;              ///< when the stage's last op finished
  double computeBusy = 0;          ///< time kernels ran on the compute stream
  double exposedComm = 0;          ///< compute stream waiting on collectives
  /// Per CommKind, the communication of the step and what was exposed.
  std::array<CommTime, kCommKinds> communication;
};

struct SimulationResult {
  double stepTime = 0;
  int64_t criticalStage = 0; ///< the busiest stage: kernels + exposed comm
  double computeTime = 0;    ///< of the critical stage
  double exposedCommTime = 0;
  double bubbleTime = 0; ///< the critical stage's compute stream idle otherwise
  std::vector<StageResult> stages;
  /// Per virtual stage (chunk · stages + stage), one micro-batch's forward
  /// and backward time: its kernels and blocking collectives (compute and
  /// comm streams), pipeline, data-parallel and host transfers apart.
  std::vector<double> stageTimes;
  std::vector<TraceEvent> trace; ///< empty unless requested
};

/// Runs one training step of `plan` on `cluster`. Fails with an error on the
/// plan when it cannot run (a schedule whose dependencies deadlock, a
/// collective whose group does not fit the cluster).
mlir::FailureOr<SimulationResult> simulate(mlir::ascend::PlanOp plan,
                                           const ClusterSpec &cluster,
                                           bool recordTrace = false);

} // namespace moeplan

#endif // MOEPLAN_COST_INTERPRETER_H
