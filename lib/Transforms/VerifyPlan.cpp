//===- VerifyPlan.cpp - check that an ascend plan can run as it says ------===//
//
// The op verifiers check each op and each program on its own; this pass
// checks what only the whole plan shows: that the members of every
// communication group issue matching operations in the same order over the
// micro-batch schedule, that streams are ordered by events where one
// consumes what another produced, that every saved tensor's life (save,
// swap out, swap in, recompute, release) is complete, that every layer sits
// on exactly one (stage, chunk) in model order, and that the memory the plan
// records (the report's peaks, its claim to fit) is what the cost
// interpreter measures.
//
//===----------------------------------------------------------------------===//

#include "dialects/ascend/AscendOps.h"
#include "moeplan/Cost/Interpreter.h"
#include "moeplan/Transforms/Passes.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Debug.h"

#include <array>
#include <map>
#include <optional>
#include <tuple>

#define DEBUG_TYPE "ascend-verify-plan"

namespace moeplan {
#define GEN_PASS_DEF_ASCENDVERIFYPLANPASS
#include "moeplan/Transforms/Passes.h.inc"
} // namespace moeplan

using namespace mlir;
using namespace mlir::ascend;
using namespace moeplan;

namespace {
constexpr int kStreams = 5;
int streamIndex(Stream stream) { return static_cast<int>(stream); }

/// The stream an op runs on; saves and releases are bookkeeping at the
/// compute stream's position, as the interpreter counts them.
Stream streamOf(Operation *op) {
  if (auto stream = op->getAttrOfType<StreamAttr>("stream"))
    return stream.getValue();
  return Stream::Compute;
}

StringRef nameOf(Operation *op) {
  if (auto name = op->getAttrOfType<StringAttr>("name"))
    return name.getValue();
  return {};
}

bool isCollective(Operation *op) {
  return isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp>(op);
}

bool isKernel(Operation *op) { return isa<CubeOp, VectorOp>(op); }

/// "all_to_all 'moe3.dispatch.all_to_all'": how messages name an op.
std::string describe(Operation *op) {
  std::string text = op->getName().stripDialect().str();
  if (StringRef name = nameOf(op); !name.empty())
    text += " '" + name.str() + "'";
  return text;
}

std::string where(ProgramOp program) {
  return ("stage " + Twine(program.getStage()) + " chunk " +
          Twine(program.getChunk()) + " " +
          stringifyPhase(program.getPhase()))
      .str();
}

/// Whether `op` runs in a run that is (or is not) the first or last of its
/// program in the step.
bool runsIn(Operation *op, bool first, bool last) {
  auto only = op->getAttrOfType<OccurrenceAttr>("only");
  return !only || (only.getValue() == Occurrence::First ? first : last);
}

/// A saved tensor of one (stage, chunk) as the plan moves it.
struct Tensor {
  enum class Place { Device, Host } place = Place::Device;
  int64_t bytes = 0;
  Operation *origin = nullptr; ///< the op that first brought it to the device
  /// Position, in the current program, of the save that produced it on the
  /// compute stream, or of the swap-in that brought it back; -1 when that
  /// happened in an earlier program (a finished run).
  int64_t savedAt = -1, swappedInAt = -1;
  Stream swapStream = Stream::Host;
  /// An optimizer state that lives in host memory between steps.
  bool resident = false;
};

/// Checks one plan; every check emits its error on the op at fault.
class PlanVerifier {
public:
  explicit PlanVerifier(PlanOp plan) : plan(plan), schedule(plan.getSchedule()) {
    stages = schedule.getStages();
    chunks = schedule.getChunks();
    microBatches = schedule.getMicroBatches();
    for (ProgramOp program : plan.getPrograms())
      programs[{program.getStage(), program.getChunk(), program.getPhase()}] =
          program;
    for (int64_t s = 0; s < stages; ++s)
      orders.push_back(pipelineOrder(stages, chunks, microBatches,
                                     schedule.getExtraWarmup(), s));
  }

  LogicalResult verifyGrids();
  LogicalResult verifyStreamsAndTensors();
  LogicalResult verifyPipelinePeers(int64_t &messages);
  LogicalResult verifyPipelineAxisCollectives();
  LogicalResult verifyLayers();
  LogicalResult verifyMemory(const ClusterSpec *cluster);

private:
  ProgramOp programOf(int64_t stage, int64_t chunk, Phase phase) const {
    auto it = programs.find({stage, chunk, phase});
    return it == programs.end() ? ProgramOp() : it->second;
  }
  /// The program's sends and receives, in issue order (looked up once).
  ArrayRef<Operation *> pipelineOpsOf(ProgramOp program) {
    auto [it, inserted] = pipelineOps.try_emplace(program.getOperation());
    if (inserted)
      for (Operation &op : program.getBody().front())
        if (isa<SendOp, RecvOp>(op))
          it->second.push_back(&op);
    return it->second;
  }
  LogicalResult walkProgram(ProgramOp program,
                            llvm::StringMap<Tensor> &tensors);
  LogicalResult finishTensors(ProgramOp program,
                              llvm::StringMap<Tensor> &tensors);

  PlanOp plan;
  ScheduleOp schedule;
  int64_t stages = 1, chunks = 1, microBatches = 1;
  std::map<std::tuple<int64_t, int64_t, Phase>, ProgramOp> programs;
  std::vector<std::vector<ScheduledRun>> orders; ///< per stage
  llvm::DenseMap<Operation *, SmallVector<Operation *>> pipelineOps;
};
} // namespace

//===----------------------------------------------------------------------===//
// Grids: who the members of a group are
//===----------------------------------------------------------------------===//

/// A group's members are the devices that differ only in its axes'
/// coordinates. The plan has one program per stage, so members on one stage
/// run the same program and issue the same collectives by construction; a
/// group that spans stages is one whose axes include the pipeline axis. That
/// is only decidable when every grid covers the same devices and, with more
/// than one stage, puts the stages on its first axis (the lowering's and
/// Megatron's rank order, which the interpreter's topology assumes).
LogicalResult PlanVerifier::verifyGrids() {
  shard::GridOp first;
  for (auto grid : plan.getBody().getOps<shard::GridOp>()) {
    if (ShapedType::isDynamicShape(grid.getShape()))
      return grid.emitError() << "grid @" << grid.getSymName()
                              << " has a dynamic shape; a plan's devices are "
                                 "counted";
    int64_t devices = ShapedType::getNumElements(grid.getShape());
    if (first && devices != ShapedType::getNumElements(first.getShape()))
      return grid.emitError()
             << "grid @" << grid.getSymName() << " has " << devices
             << " devices but @" << first.getSymName() << " has "
             << ShapedType::getNumElements(first.getShape())
             << "; every grid of a plan names the same devices";
    if (stages > 1 && (grid.getRank() == 0 || grid.getShape()[0] != stages))
      return grid.emitError()
             << "grid @" << grid.getSymName() << "'s first axis ("
             << (grid.getRank() ? grid.getShape()[0] : 0)
             << ") is not the schedule's " << stages
             << " pipeline stages; a group's members on other stages could "
                "not be told apart";
    if (!first)
      first = grid;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Streams, events and saved tensors, program by program
//===----------------------------------------------------------------------===//

namespace {
/// What each stream is known to come after: for stream S, per stream T the
/// position of the last op on T ordered before S's current point. Streams
/// run in issue order; a wait joins the recorded stream's knowledge.
struct Clocks {
  using Clock = std::array<int64_t, kStreams>;
  std::array<Clock, kStreams> seen;
  Clocks() {
    for (Clock &clock : seen)
      clock.fill(-1);
  }
  /// Whether stream `s` is ordered after position `at` of stream `t`.
  bool after(Stream s, Stream t, int64_t at) const {
    return seen[streamIndex(s)][streamIndex(t)] >= at;
  }
};
} // namespace

LogicalResult PlanVerifier::walkProgram(ProgramOp program,
                                        llvm::StringMap<Tensor> &tensors) {
  Clocks clocks;
  llvm::StringMap<std::pair<Clocks::Clock, Stream>> events;
  int64_t position = 0;
  // The last kernel on the compute stream, which a transfer of its output
  // must come after, and the last collective on the comm stream, which the
  // compute stream must wait for before the program ends.
  int64_t lastKernelAt = -1, lastCommAt = -1;
  Operation *lastKernel = nullptr, *lastComm = nullptr;
  const Phase phase = program.getPhase();

  WalkResult walked = program.walk<WalkOrder::PreOrder>(
      [&](Operation *op) -> WalkResult {
        if (isa<ProgramOp, RecomputeOp>(op))
          return WalkResult::advance();
        const int64_t at = position++;
        const Stream stream = streamOf(op);
        Clocks::Clock &mine = clocks.seen[streamIndex(stream)];
        auto fail = [&](const Twine &message) {
          op->emitError() << message;
          return WalkResult::interrupt();
        };

        // Events: a wait joins what the recording stream knew.
        if (auto record = dyn_cast<RecordOp>(op)) {
          mine[streamIndex(stream)] = at;
          events[record.getEvent()] = {mine, stream};
          return WalkResult::advance();
        }
        if (auto wait = dyn_cast<WaitOp>(op)) {
          auto event = events.find(wait.getEvent());
          if (event == events.end())
            return fail("waits for event '" + wait.getEvent() + "' in " +
                        where(program) +
                        ", which is not recorded before it in the program");
          if (event->second.second == stream)
            return fail("waits on the " + stringifyStream(stream) +
                        " stream for event '" + wait.getEvent() +
                        "', which that stream itself records: it orders "
                        "nothing");
          for (int t = 0; t < kStreams; ++t)
            mine[t] = std::max(mine[t], event->second.first[t]);
          mine[streamIndex(stream)] = at;
          return WalkResult::advance();
        }

        // A transfer of what the compute stream produced comes after it: a
        // collective on the comm stream (blocking, as Megatron's TP, CP and
        // EP ones are), a pipeline send, a gradient reduction. (A weight
        // gather reads the previous step's optimizer output and runs ahead.)
        bool consumesCompute =
            (isCollective(op) && stream == Stream::Comm) || isa<SendOp>(op) ||
            (isa<AllReduceOp, ReduceScatterOp>(op) && stream == Stream::DP);
        if (consumesCompute && lastKernel &&
            !clocks.after(stream, Stream::Compute, lastKernelAt)) {
          op->emitError() << describe(op) << " on the "
                          << stringifyStream(stream) << " stream of "
                          << where(program) << " does not wait for "
                          << describe(lastKernel)
                          << " before it: no event recorded after that kernel "
                             "is waited on by its stream";
          return WalkResult::interrupt();
        }
        mine[streamIndex(stream)] = at;
        if (isKernel(op) && stream == Stream::Compute) {
          lastKernelAt = at;
          lastKernel = op;
        } else if (isCollective(op) && stream == Stream::Comm) {
          lastCommAt = at;
          lastComm = op;
        }

        // Saved tensors.
        auto tensorOf = [&](StringRef name) -> Tensor * {
          auto it = tensors.find(name);
          return it == tensors.end() ? nullptr : &it->second;
        };
        auto sameBytes = [&](Tensor &t, int64_t bytes) {
          if (t.bytes == bytes)
            return true;
          op->emitError() << describe(op) << " moves " << bytes
                          << " bytes but the tensor has " << t.bytes << " ("
                          << describe(t.origin) << ")";
          return false;
        };
        // When a swapped-in tensor leaves the device, the compute stream
        // that used it has waited for it to arrive.
        auto usedAfterArrival = [&](Tensor &t) {
          if (t.swappedInAt < 0 ||
              clocks.after(Stream::Compute, t.swapStream, t.swappedInAt))
            return true;
          op->emitError() << "'" << nameOf(op) << "' is used in "
                          << where(program)
                          << " without the compute stream waiting for its "
                             "swap-in: no event the "
                          << stringifyStream(t.swapStream)
                          << " stream records after it is waited on";
          return false;
        };
        return llvm::TypeSwitch<Operation *, WalkResult>(op)
            .Case<SaveOp>([&](SaveOp save) {
              if (Tensor *t = tensorOf(save.getName()))
                return fail("saves '" + save.getName() + "' in " +
                            where(program) + " while " + describe(t->origin) +
                            " still holds it: a tensor is saved once, then "
                            "released or swapped");
              Tensor &t = tensors[save.getName()];
              t.bytes = save.getBytes();
              t.origin = op;
              t.savedAt = at;
              return WalkResult::advance();
            })
            .Case<SwapOutOp>([&](SwapOutOp swap) {
              Tensor *t = tensorOf(swap.getName());
              if (!t)
                return fail("swaps out '" + swap.getName() + "' in " +
                            where(program) +
                            ", which is not saved on the device");
              if (t->place == Tensor::Place::Host)
                return fail("swaps out '" + swap.getName() + "' in " +
                            where(program) +
                            ", which is already in host memory");
              if (!sameBytes(*t, swap.getBytes()))
                return WalkResult::interrupt();
              // The copy starts once compute is done writing it: after its
              // save, or for a state fetched for this program (the
              // optimizer's), after the kernels that updated it.
              int64_t producedAt = t->savedAt >= 0 ? t->savedAt : lastKernelAt;
              if (t->savedAt >= 0 || t->swappedInAt >= 0)
                if (producedAt >= 0 &&
                    !clocks.after(stream, Stream::Compute, producedAt))
                  return fail("swaps out '" + swap.getName() + "' on the " +
                              stringifyStream(stream) + " stream of " +
                              where(program) +
                              " without waiting for the compute stream to "
                              "produce it: no event recorded after it is "
                              "waited on");
              if (!usedAfterArrival(*t))
                return WalkResult::interrupt();
              t->place = Tensor::Place::Host;
              t->savedAt = t->swappedInAt = -1;
              return WalkResult::advance();
            })
            .Case<SwapInOp>([&](SwapInOp swap) {
              Tensor *t = tensorOf(swap.getName());
              if (!t && phase == Phase::Optimizer) {
                // Lives in host memory between steps: fetched for the
                // optimizer step, and sent back by its end (checked there).
                t = &tensors[swap.getName()];
                t->bytes = swap.getBytes();
                t->origin = op;
                t->resident = true;
              } else if (!t) {
                return fail("swaps in '" + swap.getName() + "' in " +
                            where(program) +
                            " before any swap-out of it: every swap-in "
                            "follows its swap-out");
              } else if (t->place == Tensor::Place::Device) {
                return fail("swaps in '" + swap.getName() + "' in " +
                            where(program) +
                            ", which is on the device: every swap-in follows "
                            "its swap-out");
              } else if (!sameBytes(*t, swap.getBytes())) {
                return WalkResult::interrupt();
              }
              t->place = Tensor::Place::Device;
              t->swappedInAt = at;
              t->swapStream = stream;
              return WalkResult::advance();
            })
            .Case<ReleaseOp>([&](ReleaseOp release) {
              Tensor *t = tensorOf(release.getName());
              if (!t)
                return fail("releases '" + release.getName() + "' in " +
                            where(program) +
                            ", which no save or recompute holds");
              if (t->place == Tensor::Place::Host)
                return fail("releases '" + release.getName() + "' in " +
                            where(program) +
                            " while it is in host memory: it is swapped out "
                            "and never swapped back in");
              if (!sameBytes(*t, release.getBytes()) || !usedAfterArrival(*t))
                return WalkResult::interrupt();
              tensors.erase(release.getName());
              return WalkResult::advance();
            })
            .Default([](Operation *) { return WalkResult::advance(); });
      });
  if (walked.wasInterrupted())
    return failure();

  if (lastComm && !clocks.after(Stream::Compute, Stream::Comm, lastCommAt))
    return lastComm->emitError()
           << "the compute stream of " << where(program)
           << " never waits for the result of " << describe(lastComm);
  return success();
}

/// What is still held when a tensor's last program ends.
LogicalResult PlanVerifier::finishTensors(ProgramOp program,
                                          llvm::StringMap<Tensor> &tensors) {
  for (auto &entry : tensors) {
    const Tensor &t = entry.second;
    if (t.resident && t.place == Tensor::Place::Host)
      continue;
    InFlightDiagnostic diag = t.origin->emitError();
    if (t.resident)
      diag << "swaps in '" << entry.getKey() << "' for " << where(program)
           << " and never swaps it back out for the next step";
    else if (t.place == Tensor::Place::Host)
      diag << "'" << entry.getKey() << "' is swapped out and never swapped "
           << "back in nor released by " << where(program);
    else
      diag << "saves '" << entry.getKey() << "', which " << where(program)
           << " neither releases nor recomputes";
    return failure();
  }
  return success();
}

LogicalResult PlanVerifier::verifyStreamsAndTensors() {
  for (int64_t stage = 0; stage < stages; ++stage) {
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      // A tensor lives from a micro-batch's forward to its backward.
      llvm::StringMap<Tensor> tensors;
      ProgramOp forward = programOf(stage, chunk, Phase::Forward);
      ProgramOp backward = programOf(stage, chunk, Phase::Backward);
      if (failed(walkProgram(forward, tensors)) ||
          failed(walkProgram(backward, tensors)) ||
          failed(finishTensors(backward, tensors)))
        return failure();
    }
    if (ProgramOp optimizer = programOf(stage, 0, Phase::Optimizer)) {
      llvm::StringMap<Tensor> tensors;
      if (failed(walkProgram(optimizer, tensors)) ||
          failed(finishTensors(optimizer, tensors)))
        return failure();
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Matching peers: pipeline sends and receives over the schedule
//===----------------------------------------------------------------------===//

namespace {
/// One message over a pipeline link: which run it belongs to on the
/// receiving side, and what it carries.
struct Message {
  int64_t microBatch, chunk; ///< the receiving run's
  StringRef name;
  int64_t bytes;
  Operation *op;
  int64_t stage, senderChunk; ///< the op's own run
};
} // namespace

/// Forward runs send to the next virtual stage (chunk · stages + stage) and
/// backward runs to the previous one. Over one link (stage s to its
/// neighbour, per direction) the sender's sends, in its schedule's order,
/// must be the receiver's receives in its order: the same micro-batch and
/// chunk, name and bytes, one for one. (The interpreter orders the stages
/// by the runs' ends and does not look at the messages, so a mismatch would
/// otherwise go unnoticed.)
LogicalResult PlanVerifier::verifyPipelinePeers(int64_t &messages) {
  const int64_t virtualStages = stages * chunks;
  for (Phase phase : {Phase::Forward, Phase::Backward}) {
    const int64_t step = phase == Phase::Forward ? 1 : -1;
    const Peer toward = phase == Phase::Forward ? Peer::Next : Peer::Previous;
    const Peer from = phase == Phase::Forward ? Peer::Previous : Peer::Next;
    for (int64_t sender = 0; sender < stages; ++sender) {
      int64_t receiver = ((sender + step) % stages + stages) % stages;
      std::vector<Message> sent, received;
      auto collect = [&](int64_t stage, Peer peer, bool sending,
                         std::vector<Message> &out) -> LogicalResult {
        std::vector<int64_t> runs(chunks, 0);
        for (const ScheduledRun &run : orders[stage]) {
          if (run.phase != phase)
            continue;
          ProgramOp program = programOf(stage, run.chunk, phase);
          int64_t &count = runs[run.chunk];
          bool first = count == 0, last = count == microBatches - 1;
          ++count;
          int64_t v = run.chunk * stages + stage;
          int64_t peerStage = sending ? v + step : v - step;
          bool exists = peerStage >= 0 && peerStage < virtualStages;
          for (Operation *op : pipelineOpsOf(program)) {
            auto send = dyn_cast<SendOp>(op);
            auto recv = dyn_cast<RecvOp>(op);
            if (sending ? !send || send.getPeer() != peer
                        : !recv || recv.getPeer() != peer)
              continue;
            if (!exists)
              return op->emitError()
                     << describe(op) << " of " << where(program)
                     << " has no peer: virtual stage " << v << " is the "
                     << (peer == Peer::Next ? "last" : "first")
                     << " of the pipeline";
            if (!runsIn(op, first, last))
              continue;
            int64_t peerChunk = sending ? peerStage / stages : run.chunk;
            out.push_back({run.microBatch, peerChunk,
                           send ? send.getName() : recv.getName(),
                           send ? send.getBytes() : recv.getBytes(), op, stage,
                           run.chunk});
          }
        }
        return success();
      };
      if (failed(collect(sender, toward, /*sending=*/true, sent)) ||
          failed(collect(receiver, from, /*sending=*/false, received)))
        return failure();
      size_t common = std::min(sent.size(), received.size());
      for (size_t i = 0; i < common; ++i) {
        const Message &s = sent[i], &r = received[i];
        if (s.microBatch == r.microBatch && s.chunk == r.chunk &&
            s.name == r.name && s.bytes == r.bytes)
          continue;
        InFlightDiagnostic diag = s.op->emitError();
        diag << describe(s.op) << " (" << s.bytes << " bytes) of stage "
             << s.stage << " chunk " << s.senderChunk << ", micro-batch "
             << s.microBatch << ", is message " << i << " " << stringifyPhase(phase)
             << " from stage " << sender << " to stage " << receiver
             << "; the receiver's message " << i << " is " << describe(r.op)
             << " (" << r.bytes << " bytes) of chunk " << r.chunk
             << ", micro-batch " << r.microBatch;
        diag.attachNote(r.op->getLoc()) << "the receive";
        return failure();
      }
      if (sent.size() != received.size()) {
        const Message &extra =
            sent.size() > received.size() ? sent[common] : received[common];
        return extra.op->emitError()
               << "stage " << sender << " sends " << sent.size() << " "
               << stringifyPhase(phase) << " messages per step to stage "
               << receiver << ", which receives " << received.size()
               << "; the first without a peer is " << describe(extra.op)
               << " of stage " << extra.stage << " chunk " << extra.senderChunk
               << ", micro-batch " << extra.microBatch;
      }
      messages += sent.size();
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Matching peers: collectives whose group spans the pipeline
//===----------------------------------------------------------------------===//

/// A collective on the pipeline axis has members on every stage, which run
/// different programs in different orders (their warm-ups differ): each
/// stage must issue the same such collectives (kind, name, group, bytes) in
/// the same order over its whole step.
LogicalResult PlanVerifier::verifyPipelineAxisCollectives() {
  if (stages == 1)
    return success();
  auto spansPipeline = [](Operation *op) {
    auto axes = op->getAttrOfType<DenseI16ArrayAttr>("grid_axes");
    return axes && llvm::is_contained(axes.asArrayRef(), 0);
  };
  bool any = false;
  plan.walk([&](Operation *op) {
    any |= isCollective(op) && spansPipeline(op);
    return any ? WalkResult::interrupt() : WalkResult::advance();
  });
  if (!any)
    return success();

  struct Issued {
    Operation *op;
    int64_t microBatch;
  };
  llvm::DenseMap<Operation *, SmallVector<Operation *>> axisOps;
  auto axisOpsOf = [&](ProgramOp program) -> ArrayRef<Operation *> {
    auto [it, inserted] = axisOps.try_emplace(program.getOperation());
    if (inserted)
      program.walk([&](Operation *op) {
        if (isCollective(op) && spansPipeline(op))
          it->second.push_back(op);
      });
    return it->second;
  };
  auto sequenceOf = [&](int64_t stage) {
    std::vector<Issued> sequence;
    std::vector<int64_t> runs(chunks * 2, 0);
    auto add = [&](ProgramOp program, int64_t microBatch, bool first,
                   bool last) {
      for (Operation *op : axisOpsOf(program))
        if (runsIn(op, first, last))
          sequence.push_back({op, microBatch});
    };
    for (const ScheduledRun &run : orders[stage]) {
      int64_t &count = runs[run.chunk * 2 + (run.phase == Phase::Backward)];
      add(programOf(stage, run.chunk, run.phase), run.microBatch, count == 0,
          count == microBatches - 1);
      ++count;
    }
    if (ProgramOp optimizer = programOf(stage, 0, Phase::Optimizer))
      add(optimizer, -1, true, true);
    return sequence;
  };
  auto same = [](Operation *a, Operation *b) {
    return a->getName() == b->getName() && nameOf(a) == nameOf(b) &&
           a->getAttr("grid") == b->getAttr("grid") &&
           a->getAttr("grid_axes") == b->getAttr("grid_axes") &&
           a->getAttr("bytes") == b->getAttr("bytes");
  };
  std::vector<Issued> reference = sequenceOf(0);
  for (int64_t stage = 1; stage < stages; ++stage) {
    std::vector<Issued> sequence = sequenceOf(stage);
    for (size_t i = 0; i < std::max(reference.size(), sequence.size()); ++i) {
      if (i < reference.size() && i < sequence.size() &&
          same(reference[i].op, sequence[i].op))
        continue;
      if (i >= sequence.size())
        return reference[i].op->emitError()
               << describe(reference[i].op)
               << " spans the pipeline axis, but stage " << stage
               << " issues only " << sequence.size()
               << " such collectives per step to stage 0's "
               << reference.size();
      InFlightDiagnostic diag = sequence[i].op->emitError();
      diag << describe(sequence[i].op) << " is stage " << stage
           << "'s collective " << i << " on the pipeline axis (micro-batch "
           << sequence[i].microBatch << "), but its peer on stage 0 issues ";
      if (i < reference.size()) {
        diag << describe(reference[i].op) << " there (micro-batch "
             << reference[i].microBatch << ")";
        diag.attachNote(reference[i].op->getLoc()) << "stage 0's";
      } else {
        diag << "only " << reference.size();
      }
      diag << "; every member issues the same kind, bytes and order";
      return failure();
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Layers: each on one (stage, chunk), in model order
//===----------------------------------------------------------------------===//

namespace {
/// The unit an op's work belongs to: the lowering names every op
/// `<unit>.<label>` ("moe3.attention.core"); pipeline messages
/// ("activations") and the optimizer's kernels belong to none.
StringRef unitOf(Operation *op) {
  StringRef name = nameOf(op);
  if (name.empty())
    return {};
  auto [unit, rest] = name.split('.');
  return rest.empty() && !isa<RecomputeOp>(op) ? StringRef() : unit;
}

/// A decoder layer's index ("dense0", "moe3") or an MTP layer's ("mtp0").
std::optional<std::pair<bool, int64_t>> layerIndexOf(StringRef unit) {
  bool mtp = unit.consume_front("mtp");
  if (!mtp && !unit.consume_front("dense") && !unit.consume_front("moe"))
    return std::nullopt;
  int64_t index;
  if (unit.empty() || unit.getAsInteger(10, index))
    return std::nullopt;
  return std::make_pair(mtp, index);
}
} // namespace

LogicalResult PlanVerifier::verifyLayers() {
  struct Placed {
    int64_t stage, chunk;
    Operation *first;
  };
  llvm::StringMap<Placed> placed;
  std::vector<std::string> order; // units in the order first seen
  for (auto &[key, program] : programs) {
    if (program.getPhase() == Phase::Optimizer)
      continue;
    WalkResult walked = program.walk<WalkOrder::PreOrder>([&](Operation *op) {
      StringRef unit = unitOf(op);
      if (unit.empty())
        return WalkResult::advance();
      auto [it, inserted] = placed.try_emplace(
          unit, Placed{program.getStage(), program.getChunk(), op});
      if (inserted) {
        order.push_back(unit.str());
        return WalkResult::advance();
      }
      if (it->second.stage == program.getStage() &&
          it->second.chunk == program.getChunk())
        return WalkResult::advance();
      InFlightDiagnostic diag = op->emitError();
      diag << (layerIndexOf(unit) ? "layer '" : "unit '") << unit
           << "' has work on stage " << program.getStage() << " chunk "
           << program.getChunk() << " but also on stage " << it->second.stage
           << " chunk " << it->second.chunk
           << "; every layer sits on exactly one (stage, chunk)";
      diag.attachNote(it->second.first->getLoc()) << "its work there";
      return WalkResult::interrupt();
    });
    if (walked.wasInterrupted())
      return failure();
  }

  // Decoder layers 0..n-1 and MTP layers 0..k-1 each once, each run after
  // the one before it: on the same or a later virtual stage.
  auto virtualStage = [&](const Placed &p) { return p.chunk * stages + p.stage; };
  for (bool mtp : {false, true}) {
    std::map<int64_t, std::string> layers;
    for (const std::string &unit : order) {
      auto index = layerIndexOf(unit);
      if (!index || index->first != mtp)
        continue;
      auto [it, inserted] = layers.emplace(index->second, unit);
      if (!inserted)
        return placed[unit].first->emitError()
               << "layer " << index->second << " appears as both '"
               << it->second << "' and '" << unit << "'";
    }
    const char *kind = mtp ? "MTP layer" : "decoder layer";
    int64_t expected = 0;
    const std::string *previous = nullptr;
    for (auto &[index, unit] : layers) {
      if (index != expected)
        return placed[unit].first->emitError()
               << "the plan has " << kind << " " << index << " ('" << unit
               << "') but no " << kind << " " << expected;
      ++expected;
      if (previous && virtualStage(placed[unit]) <
                          virtualStage(placed[*previous])) {
        const Placed &p = placed[unit], &q = placed[*previous];
        return p.first->emitError()
               << "layer '" << unit << "' sits on virtual stage "
               << virtualStage(p) << " (stage " << p.stage << " chunk "
               << p.chunk << "), before layer '" << *previous
               << "' on virtual stage " << virtualStage(q)
               << "; the pipeline runs layers in model order";
      }
      previous = &unit;
    }
  }
  // The pipeline starts with the embedding and ends with the loss.
  if (auto it = placed.find("embedding");
      it != placed.end() && virtualStage(it->second) != 0)
    return it->second.first->emitError()
           << "the embedding sits on stage " << it->second.stage << " chunk "
           << it->second.chunk << ", not on the first virtual stage";
  if (auto it = placed.find("loss");
      it != placed.end() &&
      virtualStage(it->second) != stages * chunks - 1)
    return it->second.first->emitError()
           << "the loss sits on stage " << it->second.stage << " chunk "
           << it->second.chunk << ", not on the last virtual stage";
  return success();
}

//===----------------------------------------------------------------------===//
// Memory: the recorded peaks and the claim to fit
//===----------------------------------------------------------------------===//

/// The plan's memory numbers are the interpreter's: rather than keep a
/// second account of live bytes here that could drift from it, the check
/// runs the cost interpreter (lib/Cost, the one model every report and the
/// search use) and compares what the plan records: each
/// `ascend.stage_memory`'s `peak` (the high-water mark the report states
/// for the stage: static memory, live saved tensors at their peak and the
/// runtime reserve) and the plan's `fits_in` (a claim that every stage fits
/// in that many bytes, which must not exceed the cluster's devices).
LogicalResult PlanVerifier::verifyMemory(const ClusterSpec *cluster) {
  auto fitsIn = plan->getAttrOfType<IntegerAttr>(kFitsInAttr);
  bool recorded = fitsIn != nullptr;
  for (StageMemoryOp memory : plan.getStageMemories())
    recorded |= memory->hasAttr(kPeakAttr);
  if (!recorded)
    return success();
  if (!cluster)
    return plan.emitError()
           << "the plan records its memory ('" << kPeakAttr << "' or '"
           << kFitsInAttr
           << "'); checking it needs the cluster: pass cluster=PRESET[:N]";
  int64_t capacity = cluster->device.memoryBytes.value;
  if (fitsIn && fitsIn.getInt() > capacity)
    return plan.emitError() << "claims to fit in " << fitsIn.getInt()
                            << " bytes per device, more than the "
                            << capacity << " of " << cluster->preset
                            << "'s devices";
  FailureOr<SimulationResult> simulated = simulate(plan, *cluster);
  if (failed(simulated))
    return failure();
  for (StageMemoryOp memory : plan.getStageMemories()) {
    const StageResult &stage = simulated->stages[memory.getStage()];
    if (auto peak = memory->getAttrOfType<IntegerAttr>(kPeakAttr);
        peak && peak.getInt() != stage.peakBytes)
      return memory.emitError()
             << "stage " << stage.stage << "'s memory high-water mark is "
             << stage.peakBytes << " bytes (weights " << stage.weightsBytes
             << ", grads " << stage.gradsBytes << ", optimizer "
             << stage.optimizerBytes << ", activations "
             << stage.peakActivationBytes << ", reserve " << stage.reserveBytes
             << ") but the plan's report says " << peak.getInt();
    if (fitsIn && stage.peakBytes > fitsIn.getInt())
      return memory.emitError()
             << "the plan claims to fit in " << fitsIn.getInt()
             << " bytes per device, but stage " << stage.stage
             << "'s memory high-water mark is " << stage.peakBytes
             << " bytes (activations " << stage.peakActivationBytes << "), "
             << stage.peakBytes - fitsIn.getInt() << " over";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {
class AscendVerifyPlanPass
    : public moeplan::impl::AscendVerifyPlanPassBase<AscendVerifyPlanPass> {
public:
  using Base::Base;
  explicit AscendVerifyPlanPass(ClusterSpec given) : given(std::move(given)) {}

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<ClusterSpec> spec = given;
    if (!spec && !cluster.empty()) {
      llvm::Expected<ClusterSpec> loaded = loadCluster(cluster);
      if (!loaded) {
        module.emitError(llvm::toString(loaded.takeError()));
        return signalPassFailure();
      }
      spec = std::move(*loaded);
    }
    bool ok = true;
    for (PlanOp plan : module.getOps<PlanOp>()) {
      PlanVerifier verifier(plan);
      int64_t messages = 0;
      // Each class of defect is reported at its first instance; the memory
      // check simulates the plan, so it runs only on a plan that can run.
      bool structural = succeeded(verifier.verifyGrids()) &&
                        succeeded(verifier.verifyStreamsAndTensors());
      structural &= succeeded(verifier.verifyPipelinePeers(messages));
      structural &= succeeded(verifier.verifyPipelineAxisCollectives());
      structural &= succeeded(verifier.verifyLayers());
      ok &= structural &&
            succeeded(verifier.verifyMemory(spec ? &*spec : nullptr));
      ++numPlans;
      numMessages += messages;
    }
    if (!ok)
      signalPassFailure();
  }

private:
  /// A cluster given as loaded, which may differ from its file (a test's or
  /// a caller's changed constants): the evaluation checks against the
  /// cluster it priced with.
  std::optional<ClusterSpec> given;
};
} // namespace

std::unique_ptr<Pass> moeplan::createAscendVerifyPlanPass(ClusterSpec cluster) {
  return std::make_unique<AscendVerifyPlanPass>(std::move(cluster));
}
