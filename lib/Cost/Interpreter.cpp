//===- Interpreter.cpp - execute an ascend plan and measure it ------------===//
//
// Programs are compiled once into flat steps with their durations on the
// cluster; each (stage, micro-batch, chunk, phase) run then replays the
// steps, so the cost grows with the schedule, not with re-deriving costs.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Cost/Interpreter.h"
#include "moeplan/Cost/KernelCost.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <map>

using namespace mlir;
using namespace mlir::ascend;

namespace moeplan {

StringRef stringifyCommKind(CommKind kind) {
  switch (kind) {
  case CommKind::TP:
    return "tp";
  case CommKind::CP:
    return "cp";
  case CommKind::EP:
    return "ep";
  case CommKind::PP:
    return "pp";
  case CommKind::DP:
    return "dp";
  case CommKind::Host:
    return "host";
  case CommKind::None:
    return "none";
  }
  llvm_unreachable("unknown communication kind");
}

//===----------------------------------------------------------------------===//
// Schedule order
//===----------------------------------------------------------------------===//

std::vector<ScheduledRun> pipelineOrder(int64_t stages, int64_t chunks,
                                        int64_t microBatches,
                                        int64_t extraWarmup, int64_t stage) {
  int64_t total = microBatches * chunks;
  // Megatron: 1F1B warms up with the stages downstream of this one; the
  // interleaved schedule with twice that plus a round of the other chunks.
  int64_t warmup = chunks == 1 ? stages - stage - 1
                               : (stages - stage - 1) * 2 + (chunks - 1) * stages;
  if (chunks > 1 && microBatches == stages)
    warmup = total;
  warmup = std::min(total, warmup + extraWarmup);

  // The k-th forward (or backward) of a stage: chunks advance every
  // `stages` micro-batches; backward visits the chunks in reverse.
  auto run = [&](Phase phase, int64_t k) {
    int64_t group = stages * chunks;
    int64_t inGroup = k % group;
    int64_t chunk = inGroup / stages;
    if (phase == Phase::Backward)
      chunk = chunks - 1 - chunk;
    int64_t microBatch = k / group * stages + inGroup % stages;
    if (chunks == 1)
      microBatch = k;
    return ScheduledRun{phase, microBatch, chunk};
  };

  std::vector<ScheduledRun> order;
  order.reserve(2 * total);
  for (int64_t k = 0; k < warmup; ++k)
    order.push_back(run(Phase::Forward, k));
  for (int64_t k = 0; k < total - warmup; ++k) {
    order.push_back(run(Phase::Forward, warmup + k));
    order.push_back(run(Phase::Backward, k));
  }
  for (int64_t k = total - warmup; k < total; ++k)
    order.push_back(run(Phase::Backward, k));
  return order;
}

//===----------------------------------------------------------------------===//
// Compiling programs into timed steps
//===----------------------------------------------------------------------===//

namespace {
constexpr int kStreams = 5;

enum class StepKind { Work, Save, Release, SwapOut, SwapIn, Record, Wait };

struct Step {
  StepKind kind;
  Stream stream;
  double duration = 0;
  int64_t bytes = 0;   ///< memory effect of saves, releases and swaps
  int event = -1;      ///< record/wait event index within the program
  bool isKernel = false;
  CommKind comm = CommKind::None; ///< for communication steps
  StringRef name;
  /// Runs only in the first or last micro-batch of the step.
  std::optional<Occurrence> only;
};

struct CompiledProgram {
  std::vector<Step> steps;
  int numEvents = 0;
};

/// The communication kind of `op` on `stream` (CommKind's rule).
CommKind commKindOf(Operation *op, Stream stream) {
  if (isa<SendOp, RecvOp>(op))
    return CommKind::PP;
  if (isa<SwapOutOp, SwapInOp>(op))
    return CommKind::Host;
  if (!isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp>(op))
    return CommKind::None;
  if (stream == Stream::DP)
    return CommKind::DP;
  auto grid = op->getAttrOfType<FlatSymbolRefAttr>("grid");
  if (grid && grid.getValue() == "experts")
    return CommKind::EP;
  auto axes = op->getAttrOfType<DenseI16ArrayAttr>("grid_axes");
  // @attention is [PP, DP, CP, TP].
  if (grid && grid.getValue() == "attention" && axes &&
      llvm::all_of(axes.asArrayRef(), [](int16_t axis) { return axis == 2; }))
    return CommKind::CP;
  return CommKind::TP;
}

/// The extent of a collective's group on its grid.
GroupExtent groupOf(Operation *op, FlatSymbolRefAttr gridName,
                    ArrayRef<int16_t> axes) {
  // A lookup without building a symbol table: a plan holds a few grids.
  auto grid = SymbolTable::lookupNearestSymbolFrom<shard::GridOp>(op, gridName);
  return groupExtent(grid.getShape(), axes);
}

/// Compiles a program into steps, each with its duration on the cluster.
class Compiler {
public:
  Compiler(const ClusterSpec &cluster) : cluster(cluster) {}

  CompiledProgram compile(ProgramOp program) {
    CompiledProgram out;
    llvm::StringMap<int> events;
    auto eventIndex = [&](StringRef name) {
      auto [it, inserted] = events.try_emplace(name, out.numEvents);
      if (inserted)
        ++out.numEvents;
      return it->second;
    };
    program.walk([&](Operation *op) {
      std::optional<Step> step =
          llvm::TypeSwitch<Operation *, std::optional<Step>>(op)
              .Case<SaveOp>([&](SaveOp s) {
                return Step{StepKind::Save, Stream::Compute, 0, s.getBytes()};
              })
              .Case<ReleaseOp>([&](ReleaseOp r) {
                return Step{StepKind::Release, Stream::Compute, 0,
                            r.getBytes()};
              })
              .Case<RecordOp>([&](RecordOp r) {
                return Step{StepKind::Record, r.getStream(), 0, 0,
                            eventIndex(r.getEvent())};
              })
              .Case<WaitOp>([&](WaitOp w) {
                return Step{StepKind::Wait, w.getStream(), 0, 0,
                            eventIndex(w.getEvent())};
              })
              .Default([&](Operation *op) -> std::optional<Step> {
                std::optional<double> duration = opDuration(op, cluster);
                if (!duration)
                  return std::nullopt;
                Step step{StepKind::Work, streamOf(op), *duration};
                step.isKernel = true;
                step.comm = commKindOf(op, step.stream);
                step.name = op->getAttrOfType<StringAttr>("name").getValue();
                if (auto only = op->getAttrOfType<OccurrenceAttr>("only"))
                  step.only = only.getValue();
                if (auto swap = dyn_cast<SwapOutOp>(op)) {
                  step.kind = StepKind::SwapOut;
                  step.bytes = swap.getBytes();
                } else if (auto swap = dyn_cast<SwapInOp>(op)) {
                  step.kind = StepKind::SwapIn;
                  step.bytes = swap.getBytes();
                }
                return step;
              });
      if (step)
        out.steps.push_back(*step);
    });
    return out;
  }

private:
  static Stream streamOf(Operation *op) {
    return op->getAttrOfType<StreamAttr>("stream").getValue();
  }

  const ClusterSpec &cluster;
};
} // namespace

static CollectiveKind collectiveKindOf(Operation *op) {
  return llvm::TypeSwitch<Operation *, CollectiveKind>(op)
      .Case<AllReduceOp>([](auto) { return CollectiveKind::AllReduce; })
      .Case<AllGatherOp>([](auto) { return CollectiveKind::AllGather; })
      .Case<ReduceScatterOp>([](auto) { return CollectiveKind::ReduceScatter; })
      .Default([](auto) { return CollectiveKind::AllToAll; });
}

std::optional<double> opDuration(Operation *op, const ClusterSpec &cluster) {
  return llvm::TypeSwitch<Operation *, std::optional<double>>(op)
      .Case<CubeOp>([&](CubeOp k) {
        KernelWork work{ComputeUnit::Cube, double(k.getFlops()),
                        double(k.getBytes())};
        ArrayRef<int64_t> shape = k.getShape();
        work.shape = {shape[0], shape[1], shape[2]};
        work.groups = k.getGroups();
        work.fp8 = k.getFp8();
        work.flash = k.getFlash();
        return kernelTime(work, cluster.device);
      })
      .Case<VectorOp>([&](VectorOp k) {
        KernelWork work{ComputeUnit::Vector, double(k.getFlops()),
                        double(k.getBytes())};
        return kernelTime(work, cluster.device);
      })
      .Case<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp>(
          [&](auto c) {
            return collectiveTime(collectiveKindOf(c),
                                  groupOf(c, c.getGridAttr(), c.getGridAxes()),
                                  c.getBytes(), cluster);
          })
      .Case<SendOp, RecvOp>(
          [&](auto p) { return p2pTime(p.getBytes(), cluster); })
      .Case<SwapOutOp, SwapInOp>(
          [&](auto s) { return swapTime(s.getBytes(), cluster); })
      .Default([](Operation *) { return std::nullopt; });
}

namespace {
//===----------------------------------------------------------------------===//
// Running a stage
//===----------------------------------------------------------------------===//

/// The state of one stage's streams and memory as its runs replay.
struct StageState {
  double streamFree[kStreams] = {0, 0, 0, 0, 0};
  /// The kind of the last communication each stream ran, which an event
  /// it records (and a wait on it) is charged to.
  CommKind lastComm[kStreams] = {CommKind::None, CommKind::None,
                                 CommKind::None, CommKind::None,
                                 CommKind::None};
  int64_t live = 0;
  StageResult result;
};

/// One program run in progress: where it is, its events, and the earliest
/// time its ops may start.
struct Cursor {
  const CompiledProgram *program;
  ScheduledRun what;
  double ready;
  bool first, last;
  /// A recorded event: when, and what communication it waited for.
  struct Event {
    double time = 0;
    CommKind comm = CommKind::None;
  };
  std::vector<Event> events;
  size_t next = 0;
  /// When the run's compute, its collectives and its pipeline send are
  /// done: what the neighbouring stage's run waits for. Data-parallel and
  /// host transfers run on and do not hold the pipeline.
  double handoff;

  Cursor(const CompiledProgram &program, const ScheduledRun &what,
         double ready, bool first, bool last)
      : program(&program), what(what), ready(ready), first(first), last(last),
        events(program.numEvents), handoff(ready) {}

  bool done() const { return next == program->steps.size(); }
  const Step &step() const { return program->steps[next]; }
  bool skips(const Step &step) const {
    return step.only && !(*step.only == Occurrence::First ? first : last);
  }
};

struct Runner {
  bool recordTrace;
  std::vector<TraceEvent> &trace;

  /// Replays `program` on `state`, starting no earlier than `ready`; returns
  /// its handoff time. `first` and `last` say whether this is the step's
  /// first or last run of this program.
  double run(const CompiledProgram &program, StageState &state, double ready,
             int64_t stage, const ScheduledRun &what, bool first = true,
             bool last = true) {
    Cursor cursor(program, what, ready, first, last);
    while (!cursor.done())
      execute(cursor, state, stage);
    return cursor.handoff;
  }

  /// Replays two programs together on one stage's streams: whenever the
  /// compute stream would wait for one's communication, the other computes
  /// (MindSpeed's forward/backward overlap). Returns both handoff times.
  std::pair<double, double> runPair(Cursor a, Cursor b, StageState &state,
                                    int64_t stage) {
    Cursor *current = &a, *other = &b;
    while (!a.done() || !b.done()) {
      if (current->done() ||
          (!other->done() && stall(*current, state) > stall(*other, state)))
        std::swap(current, other);
      execute(*current, state, stage);
    }
    return {a.handoff, b.handoff};
  }

private:
  /// How long the compute stream would wait at `cursor`'s next step.
  double stall(const Cursor &cursor, const StageState &state) const {
    const Step &step = cursor.step();
    if (step.kind != StepKind::Wait || step.stream != Stream::Compute ||
        cursor.skips(step))
      return 0;
    double free = std::max(state.streamFree[0], cursor.ready);
    return std::max(0.0, cursor.events[step.event].time - free);
  }

  void execute(Cursor &cursor, StageState &state, int64_t stage) {
    const Step &step = cursor.step();
    ++cursor.next;
    if (cursor.skips(step))
      return;
    double &free = state.streamFree[static_cast<int>(step.stream)];
    free = std::max(free, cursor.ready);
    switch (step.kind) {
    case StepKind::Record:
      cursor.events[step.event] = {free,
                                   state.lastComm[static_cast<int>(step.stream)]};
      break;
    case StepKind::Wait: {
      const Cursor::Event &event = cursor.events[step.event];
      if (step.stream == Stream::Compute && event.time > free)
        expose(state, event.comm, event.time - free);
      free = std::max(free, event.time);
      break;
    }
    case StepKind::Save:
    case StepKind::SwapIn:
      changeLive(state, step.bytes);
      [[fallthrough]];
    case StepKind::Work:
    case StepKind::SwapOut:
      if (step.isKernel) {
        if (recordTrace)
          trace.push_back({stage, step.stream, step.name.str(), free,
                           step.duration, cursor.what.phase,
                           cursor.what.microBatch, cursor.what.chunk});
        if (step.stream == Stream::Compute)
          state.result.computeBusy += step.duration;
        if (step.comm != CommKind::None) {
          state.result.communication[static_cast<int>(step.comm)].total +=
              step.duration;
          state.lastComm[static_cast<int>(step.stream)] = step.comm;
        }
        free += step.duration;
      }
      if (step.kind == StepKind::SwapOut)
        changeLive(state, -step.bytes);
      break;
    case StepKind::Release:
      changeLive(state, -step.bytes);
      break;
    }
    if (step.stream != Stream::DP && step.stream != Stream::Host)
      cursor.handoff = std::max(cursor.handoff, free);
  }

public:
  /// The compute stream waited `time` for communication of `kind`.
  static void expose(StageState &state, CommKind kind, double time) {
    state.result.exposedComm += time;
    if (kind != CommKind::None)
      state.result.communication[static_cast<int>(kind)].exposed += time;
  }

  static void changeLive(StageState &state, int64_t delta) {
    state.live += delta;
    state.result.peakActivationBytes =
        std::max(state.result.peakActivationBytes, state.live);
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// The step
//===----------------------------------------------------------------------===//

FailureOr<SimulationResult> simulate(PlanOp plan, const ClusterSpec &cluster,
                                     bool recordTrace) {
  ScheduleOp schedule = plan.getSchedule();
  int64_t stages = schedule.getStages(), chunks = schedule.getChunks();
  int64_t microBatches = schedule.getMicroBatches();

  if (std::optional<std::string> unsupported = fp8Unsupported(cluster.device)) {
    WalkResult walk = plan.walk([&](CubeOp kernel) {
      if (!kernel.getFp8())
        return WalkResult::advance();
      kernel.emitError(*unsupported);
      return WalkResult::interrupt();
    });
    if (walk.wasInterrupted())
      return failure();
  }

  Compiler compiler(cluster);
  std::map<std::tuple<int64_t, int64_t, Phase>, CompiledProgram> programs;
  for (ProgramOp program : plan.getPrograms())
    programs[{program.getStage(), program.getChunk(), program.getPhase()}] =
        compiler.compile(program);

  SimulationResult result;
  // One micro-batch's forward and backward per virtual stage: its kernels
  // and blocking collectives on the compute and comm streams, the work of
  // the first or last micro-batch only apart.
  result.stageTimes.assign(stages * chunks, 0);
  for (auto &[key, program] : programs) {
    auto [stage, chunk, phase] = key;
    if (phase == Phase::Optimizer)
      continue;
    for (const Step &step : program.steps)
      if (step.isKernel && !step.only &&
          (step.stream == Stream::Compute || step.stream == Stream::Comm))
        result.stageTimes[chunk * stages + stage] += step.duration;
  }
  std::vector<StageState> state(stages);
  for (StageMemoryOp memory : plan.getStageMemories()) {
    StageResult &stage = state[memory.getStage()].result;
    stage.stage = memory.getStage();
    stage.weightsBytes = memory.getWeights();
    stage.gradsBytes = memory.getGrads();
    stage.optimizerBytes = memory.getOptimizer();
  }

  // When each (micro-batch, chunk, phase) finished on each stage: the
  // upstream dependency of the next stage's run.
  std::vector<std::vector<ScheduledRun>> order(stages);
  for (int64_t s = 0; s < stages; ++s)
    order[s] = pipelineOrder(stages, chunks, microBatches,
                             schedule.getExtraWarmup(), s);
  // Flat tables, indexed by (stage, micro-batch, chunk, phase) and by
  // (stage, chunk, phase); a run not finished yet is NaN.
  auto runIndex = [&](int64_t s, int64_t microBatch, int64_t chunk,
                      Phase phase) {
    return ((s * microBatches + microBatch) * chunks + chunk) * 2 +
           (phase == Phase::Backward);
  };
  auto programIndex = [&](int64_t s, int64_t chunk, Phase phase) {
    return (s * chunks + chunk) * 2 + (phase == Phase::Backward);
  };
  std::vector<double> finished(stages * microBatches * chunks * 2,
                               std::numeric_limits<double>::quiet_NaN());
  std::vector<const CompiledProgram *> programOf(stages * chunks * 2, nullptr);
  for (auto &[key, program] : programs) {
    auto [stage, chunk, phase] = key;
    if (phase != Phase::Optimizer)
      programOf[programIndex(stage, chunk, phase)] = &program;
  }
  // The run `r` on stage `s` waits for, or -1 when none.
  auto upstream = [&](int64_t s, const ScheduledRun &r) -> int64_t {
    if (r.phase == Phase::Forward) {
      if (s > 0)
        return runIndex(s - 1, r.microBatch, r.chunk, r.phase);
      if (r.chunk > 0)
        return runIndex(stages - 1, r.microBatch, r.chunk - 1, r.phase);
      return -1;
    }
    if (s < stages - 1)
      return runIndex(s + 1, r.microBatch, r.chunk, r.phase);
    if (r.chunk < chunks - 1)
      return runIndex(0, r.microBatch, r.chunk + 1, r.phase);
    return -1;
  };
  // The plan's verifier requires a forward and a backward program for every
  // stage and chunk.
  auto program = [&](int64_t s, const ScheduledRun &r) -> const CompiledProgram & {
    const CompiledProgram *found = programOf[programIndex(s, r.chunk, r.phase)];
    assert(found && "a verified plan has every stage's programs");
    return *found;
  };

  Runner runner{recordTrace, result.trace};
  std::vector<int64_t> runsOf(stages * chunks * 2, 0);
  std::vector<size_t> next(stages, 0);
  size_t remaining = 0;
  for (auto &o : order)
    remaining += o.size();
  if (recordTrace) {
    // A trace keeps one event per op run (~180 bytes of JSON each); the
    // paper's plan needs 0.3 M, and past this many (~1.5 GB) building it
    // would exhaust memory.
    constexpr uint64_t kMaxTraceEvents = uint64_t(1) << 23;
    uint64_t events = 0;
    for (int64_t s = 0; s < stages; ++s)
      for (const ScheduledRun &r : order[s])
        events += program(s, r).steps.size();
    if (events > kMaxTraceEvents)
      return plan.emitError("a trace of this step would hold ")
             << events << " events, beyond the limit of " << kMaxTraceEvents
             << "; trace a step with fewer micro-batches (" << microBatches
             << " per replica here)";
  }
  // When a run may start: its upstream run's end, or nullopt while that has
  // not run yet.
  auto readyOf = [&](int64_t s, const ScheduledRun &r) -> std::optional<double> {
    int64_t dep = upstream(s, r);
    if (dep < 0)
      return 0.0;
    if (std::isnan(finished[dep]))
      return std::nullopt;
    return finished[dep];
  };
  auto cursorFor = [&](int64_t s, const ScheduledRun &r, double ready) {
    int64_t &runs = runsOf[programIndex(s, r.chunk, r.phase)];
    Cursor cursor(program(s, r), r, ready, runs == 0,
                  runs == microBatches - 1);
    ++runs;
    return cursor;
  };
  const bool overlap = schedule.getOverlap();

  // Run whichever stage can proceed; every pass makes progress unless the
  // schedule deadlocks.
  while (remaining) {
    bool progressed = false;
    for (int64_t s = 0; s < stages; ++s) {
      while (next[s] < order[s].size()) {
        const ScheduledRun &r = order[s][next[s]];
        std::optional<double> ready = readyOf(s, r);
        if (!ready)
          break;
        // A steady-state backward and the forward after it overlap.
        bool paired = overlap && r.phase == Phase::Backward &&
                      next[s] + 1 < order[s].size() &&
                      order[s][next[s] + 1].phase == Phase::Forward;
        if (paired) {
          const ScheduledRun &f = order[s][next[s] + 1];
          std::optional<double> forwardReady = readyOf(s, f);
          if (!forwardReady)
            break;
          auto [backEnd, forwardEnd] =
              runner.runPair(cursorFor(s, r, *ready),
                             cursorFor(s, f, *forwardReady), state[s], s);
          finished[runIndex(s, r.microBatch, r.chunk, r.phase)] = backEnd;
          finished[runIndex(s, f.microBatch, f.chunk, f.phase)] = forwardEnd;
          next[s] += 2;
          remaining -= 2;
          progressed = true;
          continue;
        }
        int64_t &runs = runsOf[programIndex(s, r.chunk, r.phase)];
        double end = runner.run(program(s, r), state[s], *ready, s, r,
                                runs == 0, runs == microBatches - 1);
        ++runs;
        finished[runIndex(s, r.microBatch, r.chunk, r.phase)] = end;
        ++next[s];
        --remaining;
        progressed = true;
      }
    }
    if (!progressed)
      return plan.emitError("the pipeline schedule deadlocks: no stage can "
                            "run its next micro-batch");
  }

  for (int64_t s = 0; s < stages; ++s) {
    StageState &st = state[s];
    auto latestStream = [&] {
      return std::max_element(std::begin(st.streamFree),
                              std::end(st.streamFree)) -
             std::begin(st.streamFree);
    };
    auto latest = [&] { return st.streamFree[latestStream()]; };
    // Communication still running after the last kernel is exposed: the
    // optimizer step waits for the gradients' reduction, and the step for
    // whatever runs after it.
    auto exposeTail = [&] {
      Runner::expose(st, st.lastComm[latestStream()],
                     latest() - st.streamFree[static_cast<int>(Stream::Compute)]);
    };
    exposeTail();
    auto optimizer = programs.find({s, 0, Phase::Optimizer});
    if (optimizer != programs.end()) {
      runner.run(optimizer->second, st, latest(), s, {Phase::Optimizer, -1, 0});
      exposeTail();
    }
    st.result.endTime = latest();
    st.result.reserveBytes = cluster.device.runtimeReserveBytes.value;
    st.result.peakBytes = st.result.weightsBytes + st.result.gradsBytes +
                          st.result.optimizerBytes +
                          st.result.peakActivationBytes +
                          st.result.reserveBytes;
    result.stages.push_back(std::move(st.result));
  }

  // The critical stage is the busiest one: its kernels and the collectives
  // it waits for. What else it spends of the step is pipeline bubble.
  auto critical = std::max_element(
      result.stages.begin(), result.stages.end(),
      [](const StageResult &a, const StageResult &b) {
        return a.computeBusy + a.exposedComm < b.computeBusy + b.exposedComm;
      });
  result.criticalStage = critical->stage;
  for (const StageResult &stage : result.stages)
    result.stepTime = std::max(result.stepTime, stage.endTime);
  result.computeTime = critical->computeBusy;
  result.exposedCommTime = critical->exposedComm;
  result.bubbleTime = std::max(
      0.0, result.stepTime - result.computeTime - result.exposedCommTime);
  return result;
}

} // namespace moeplan
