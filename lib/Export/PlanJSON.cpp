//===- PlanJSON.cpp - a plan as versioned JSON (moe-plan/1) ---------------===//
//
// Everything comes from the lowered `ascend.plan` and the simulation that
// priced it, so the file describes exactly the plan whose step time it
// states. Ops and micro-batch orders are written one per line (a compact
// JSON object or array inside the indented document) to keep a 6144-device
// plan small and still greppable. docs/plan-schema.md is the contract.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Export/JSONText.h"
#include "moeplan/Export/PlanJSON.h"

#include "dialects/ascend/AscendOps.h"

#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <map>

using namespace mlir;
using namespace mlir::ascend;

namespace moeplan {
namespace {

using llvm::json::OStream;

/// Writes a value on one line: `write` emits it to an unindented stream.
void inlineValue(OStream &json, llvm::function_ref<void(OStream &)> write) {
  json.rawValue([&](llvm::raw_ostream &os) {
    OStream line(os);
    write(line);
  });
}

/// Writes `key` with a value on one line.
void inlineAttribute(OStream &json, StringRef key,
                     llvm::function_ref<void(OStream &)> write) {
  json.attributeBegin(key);
  inlineValue(json, write);
  json.attributeEnd();
}

/// Writes `key` with `values`, an array of strings or numbers, on one line.
template <typename Range>
void inlineArray(OStream &json, StringRef key, const Range &values) {
  inlineAttribute(json, key, [&](OStream &line) {
    line.array([&] {
      for (const auto &value : values)
        line.value(value);
    });
  });
}

//===----------------------------------------------------------------------===//
// Grids and communicator groups
//===----------------------------------------------------------------------===//

/// The name of axis `axis` of grid `grid`: the lowering's @attention is
/// [PP, DP, CP, TP] and @experts is [PP, EDP, EP across nodes, EP within a
/// node, ETP].
std::string axisName(StringRef grid, int64_t axis) {
  static const char *const attention[] = {"pp", "dp", "cp", "tp"};
  static const char *const experts[] = {"pp", "edp", "ep_outer", "ep_inner",
                                        "etp"};
  if (grid == "attention" && axis < 4)
    return attention[axis];
  if (grid == "experts" && axis < 5)
    return experts[axis];
  return "axis" + std::to_string(axis);
}

/// One communicator group kind: every set of ranks that differ only in
/// `axes` of `grid`.
struct GroupKind {
  std::string grid;
  SmallVector<int64_t> shape;     ///< of the grid
  SmallVector<int16_t> axes;      ///< as the ops name them
  llvm::SetVector<StringRef> ops; ///< the op kinds using it, in IR order
};

/// Rank distance between neighbours along each axis of `shape`, row-major.
SmallVector<int64_t> rankStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// The ranks of the group of kind `group` that contains rank 0, ascending.
std::vector<int64_t> groupOfRankZero(const GroupKind &group) {
  SmallVector<int64_t> strides = rankStrides(group.shape);
  std::vector<int64_t> ranks{0};
  for (int16_t axis : group.axes) {
    std::vector<int64_t> grown;
    grown.reserve(ranks.size() * group.shape[axis]);
    for (int64_t base : ranks)
      for (int64_t c = 0; c < group.shape[axis]; ++c)
        grown.push_back(base + c * strides[axis]);
    ranks = std::move(grown);
  }
  llvm::sort(ranks);
  return ranks;
}

/// Whether every group of the kind lies within one node: a group's members
/// run from its lowest rank (zero coordinates on its axes) to that plus the
/// span minus one, and nodes hold consecutive ranks.
bool groupsWithinNodes(const GroupKind &group, int64_t span,
                       int64_t devicesPerNode) {
  SmallVector<int64_t> strides = rankStrides(group.shape);
  int64_t devices = group.shape.empty() ? 1 : strides[0] * group.shape[0];
  for (int64_t base = 0; base < devices; ++base) {
    bool lowest = llvm::all_of(group.axes, [&](int16_t axis) {
      return (base / strides[axis]) % group.shape[axis] == 0;
    });
    if (lowest && base % devicesPerNode + span > devicesPerNode)
      return false;
  }
  return true;
}

/// The group kinds the plan's collectives and pipeline transfers use,
/// ordered by grid and axes.
std::vector<GroupKind> collectGroups(PlanOp plan) {
  llvm::StringMap<SmallVector<int64_t>> grids;
  for (auto grid : plan.getBody().getOps<shard::GridOp>())
    grids[grid.getSymName()] = llvm::to_vector(grid.getShape());
  std::map<std::pair<std::string, SmallVector<int16_t>>, GroupKind> kinds;
  auto use = [&](StringRef grid, ArrayRef<int16_t> axes, StringRef op) {
    auto it = grids.find(grid);
    if (it == grids.end())
      return;
    GroupKind &kind = kinds[{grid.str(), SmallVector<int16_t>(axes)}];
    kind.grid = grid.str();
    kind.shape = it->second;
    kind.axes.assign(axes.begin(), axes.end());
    kind.ops.insert(op);
  };
  plan.walk([&](Operation *op) {
    llvm::TypeSwitch<Operation *>(op)
        .Case<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp>(
            [&](auto c) {
              use(c.getGrid(), c.getGridAxes(), op->getName().stripDialect());
            })
        // Pipeline neighbours differ in the PP coordinate of either grid.
        .Case<SendOp, RecvOp>(
            [&](auto) { use("attention", {0}, op->getName().stripDialect()); });
  });
  std::vector<GroupKind> result;
  for (auto &entry : kinds)
    result.push_back(std::move(entry.second));
  return result;
}

void writeGroup(OStream &json, const GroupKind &group, int64_t devicesPerNode) {
  SmallVector<int64_t> strides = rankStrides(group.shape);
  int64_t size = 1, span = 1;
  for (int16_t axis : group.axes) {
    size *= group.shape[axis];
    span += (group.shape[axis] - 1) * strides[axis];
  }
  std::vector<int64_t> example = groupOfRankZero(group);
  int64_t stride = example.size() > 1 ? example[1] - example[0] : 0;
  SmallVector<std::string> axes;
  for (int16_t axis : group.axes)
    axes.push_back(axisName(group.grid, axis));
  json.object([&] {
    json.attribute("grid", group.grid);
    inlineArray(json, "axes", axes);
    json.attribute("size", size);
    json.attribute("stride", stride);
    json.attribute("span", span);
    json.attribute("intra_node",
                   groupsWithinNodes(group, span, devicesPerNode));
    inlineArray(json, "ops", group.ops);
    inlineArray(json, "example", example);
  });
}

void writeRanks(OStream &json, PlanOp plan, const ClusterSpec &cluster) {
  int64_t devicesPerNode = std::max<int64_t>(1, cluster.devicesPerNode.value);
  json.attributeObject("ranks", [&] {
    json.attribute("order", "row-major, last axis fastest (Megatron)");
    json.attributeArray("grids", [&] {
      for (auto grid : plan.getBody().getOps<shard::GridOp>())
        json.object([&] {
          json.attribute("name", grid.getSymName());
          json.attributeArray("axes", [&] {
            for (auto [axis, size] : llvm::enumerate(grid.getShape()))
              inlineValue(json, [&](OStream &line) {
                line.object([&] {
                  line.attribute("name", axisName(grid.getSymName(), axis));
                  line.attribute("size", size);
                });
              });
          });
        });
    });
    json.attributeArray("groups", [&] {
      for (const GroupKind &group : collectGroups(plan))
        writeGroup(json, group, devicesPerNode);
    });
  });
}

//===----------------------------------------------------------------------===//
// Programs
//===----------------------------------------------------------------------===//

/// The fields of one op other than a recompute region, on one line.
void writeOpFields(OStream &json, Operation *op) {
  json.attribute("op", op->getName().stripDialect());
  auto named = [&](StringRef name, Stream stream) {
    json.attribute("name", name);
    json.attribute("stream", stringifyStream(stream));
  };
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](CubeOp c) {
        named(c.getName(), c.getStream());
        json.attribute("flops", c.getFlops());
        json.attribute("bytes", c.getBytes());
        json.attributeArray("shape", [&] {
          for (int64_t d : c.getShape())
            json.value(d);
        });
        json.attribute("groups", c.getGroups());
      })
      .Case([&](VectorOp v) {
        named(v.getName(), v.getStream());
        json.attribute("flops", v.getFlops());
        json.attribute("bytes", v.getBytes());
      })
      .Case<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp>([&](auto c) {
        named(c.getName(), c.getStream());
        json.attribute("bytes", c.getBytes());
        json.attribute("grid", c.getGrid());
        json.attributeArray("axes", [&] {
          for (int16_t axis : c.getGridAxes())
            json.value(axisName(c.getGrid(), axis));
        });
        if (std::optional<Occurrence> only = c.getOnly())
          json.attribute("only", stringifyOccurrence(*only));
      })
      .Case<SendOp, RecvOp>([&](auto p) {
        named(p.getName(), p.getStream());
        json.attribute("bytes", p.getBytes());
        json.attribute("peer", stringifyPeer(p.getPeer()));
      })
      // Saves and releases take effect when the compute stream reaches them.
      .Case<SaveOp, ReleaseOp>([&](auto s) {
        named(s.getName(), Stream::Compute);
        json.attribute("bytes", s.getBytes());
      })
      .Case<SwapOutOp, SwapInOp>([&](auto s) {
        named(s.getName(), s.getStream());
        json.attribute("bytes", s.getBytes());
      })
      .Case<RecordOp, WaitOp>([&](auto e) {
        json.attribute("event", e.getEvent());
        json.attribute("stream", stringifyStream(e.getStream()));
      });
}

/// The ops of `block` in issue order: one compact line each, recompute
/// regions as an object holding their body.
void writeOps(OStream &json, Block &block) {
  for (Operation &op : block) {
    if (auto recompute = dyn_cast<RecomputeOp>(op)) {
      json.object([&] {
        json.attribute("op", "recompute");
        json.attribute("name", recompute.getName());
        json.attributeArray(
            "body", [&] { writeOps(json, recompute.getBody().front()); });
      });
      continue;
    }
    inlineValue(json, [&](OStream &line) {
      line.object([&] { writeOpFields(line, &op); });
    });
  }
}

void writePrograms(OStream &json, PlanOp plan) {
  json.attributeArray("programs", [&] {
    for (ProgramOp program : plan.getPrograms())
      json.object([&] {
        json.attribute("stage", program.getStage());
        json.attribute("chunk", program.getChunk());
        json.attribute("phase", stringifyPhase(program.getPhase()));
        json.attributeArray("ops",
                            [&] { writeOps(json, program.getBody().front()); });
      });
  });
}

//===----------------------------------------------------------------------===//
// Pipeline
//===----------------------------------------------------------------------===//

/// Units per virtual stage from the forward programs when the pipeline
/// layout is not recorded: the first dotted part of every kernel,
/// collective and save name ("moe3.experts.fc1" is unit "moe3"), in order.
std::vector<std::vector<std::string>>
unitsFromPrograms(PlanOp plan, int64_t stages, int64_t chunks) {
  std::vector<std::vector<std::string>> units(stages * chunks);
  for (ProgramOp program : plan.getPrograms()) {
    if (program.getPhase() != Phase::Forward)
      continue;
    int64_t virtualStage = program.getChunk() * stages + program.getStage();
    if (virtualStage >= int64_t(units.size()))
      continue;
    llvm::SetVector<StringRef> names;
    for (Operation &op : program.getBody().front()) {
      if (isa<SendOp, RecvOp, RecordOp, WaitOp>(op))
        continue;
      if (auto name = op.getAttrOfType<StringAttr>("name"))
        names.insert(name.getValue().split('.').first);
    }
    for (StringRef name : names)
      units[virtualStage].push_back(name.str());
  }
  return units;
}

/// "F3.1": forward of micro-batch 3, chunk 1; "B" for backward.
std::string runLabel(const ScheduledRun &run) {
  return (run.phase == Phase::Forward ? "F" : "B") +
         std::to_string(run.microBatch) + "." + std::to_string(run.chunk);
}

void writePipeline(OStream &json, PlanOp plan, const PlanResult &result) {
  ScheduleOp schedule = plan.getSchedule();
  int64_t stages = schedule.getStages(), chunks = schedule.getChunks();
  int64_t microBatches = schedule.getMicroBatches();
  int64_t extraWarmup = schedule.getExtraWarmup();
  PipelineLayout layout = result.pipeline;
  if (layout.stages.empty())
    layout.stages = unitsFromPrograms(plan, stages, chunks);
  json.attributeObject("pipeline", [&] {
    json.attribute("stages", stages);
    json.attribute("chunks", chunks);
    json.attribute("micro_batches", microBatches);
    json.attribute("extra_warmup", extraWarmup);
    json.attribute("megatron_layout", layout.megatronString());
    json.attributeArray("layout", [&] {
      for (auto [virtualStage, names] : llvm::enumerate(layout.stages))
        json.object([&] {
          json.attribute("stage", int64_t(virtualStage) % stages);
          json.attribute("chunk", int64_t(virtualStage) / stages);
          inlineArray(json, "units", names);
          if (virtualStage < layout.stageTimes.size())
            json.attribute("time_s", layout.stageTimes[virtualStage]);
        });
    });
    json.attributeArray("order", [&] {
      for (int64_t stage = 0; stage < stages; ++stage)
        json.object([&] {
          json.attribute("stage", stage);
          std::vector<std::string> runs;
          for (const ScheduledRun &run :
               pipelineOrder(stages, chunks, microBatches, extraWarmup, stage))
            runs.push_back(runLabel(run));
          runs.push_back("O");
          inlineArray(json, "runs", runs);
        });
    });
  });
}

//===----------------------------------------------------------------------===//
// Summary sections
//===----------------------------------------------------------------------===//

void writeModel(OStream &json, const ModelSummary &m) {
  json.attributeObject("model", [&] {
    json.attribute("name", m.name);
    json.attribute("total_params", m.params.total);
    json.attribute("active_params", m.params.active);
    json.attribute("flops_per_token", m.flopsPerToken);
    json.attribute("flops_convention", stringifyFlopsConvention(m.convention));
  });
}

void writeCluster(OStream &json, const ClusterSpec &c) {
  json.attributeObject("cluster", [&] {
    json.attribute("preset", c.preset);
    json.attribute("devices", c.devices);
    json.attribute("devices_per_node", int64_t(c.devicesPerNode.value));
    json.attribute("device", c.device.name);
  });
}

void writePredicted(OStream &json, const PlanMetrics &m) {
  json.attributeObject("predicted", [&] {
    json.attribute("step_time_s", m.stepTime);
    json.attribute("tokens_per_s", m.tokensPerSecond);
    json.attribute("tokens_per_s_per_device", m.tokensPerSecondPerDevice);
    json.attribute("mfu", m.mfu);
    json.attribute("peak_bytes", m.peakBytes);
    json.attribute("peak_stage", m.peakStage);
    json.attribute("capacity_bytes", m.capacityBytes);
    json.attribute("fits", m.peakBytes <= m.capacityBytes);
  });
}

void writeMemory(OStream &json, const SimulationResult &sim) {
  json.attributeArray("memory", [&] {
    for (const StageResult &s : sim.stages)
      writeStageMemoryJSON(json, s);
  });
}

/// The recompute and attention choices, and the tensors swapped to host
/// memory (every swap_out of the plan).
void writeChoices(OStream &json, PlanOp plan, const ParallelLayout &l) {
  json.attributeObject("choices", [&] {
    json.attribute("recompute", l.recompute);
    json.attribute("attention", l.attention);
    json.attributeArray("swap", [&] {
      plan.walk([&](ProgramOp program) {
        program.walk([&](SwapOutOp swap) {
          json.object([&] {
            json.attribute("stage", program.getStage());
            json.attribute("chunk", program.getChunk());
            json.attribute("name", swap.getName());
            json.attribute("bytes", swap.getBytes());
          });
        });
      });
    });
  });
}

} // namespace

static void writePlanJSONText(const Report &report, llvm::raw_ostream &os) {
  assert(report.cluster && report.plan && "a plan needs a cluster and a plan");
  const ClusterSpec &cluster = *report.cluster;
  const PlanResult &result = *report.plan;
  ModuleOp module = result.plan.get();
  PlanOp plan = *module.getOps<PlanOp>().begin();
  OStream json(os, 2);
  json.object([&] {
    json.attribute("schema", "moe-plan/1");
    writeModel(json, report.model);
    writeCluster(json, cluster);
    writeParallelJSON(json, result.layout);
    writePredicted(json, computeMetrics(report.model, cluster, result));
    writeRanks(json, plan, cluster);
    writePipeline(json, plan, result);
    writeMemory(json, result.simulation);
    writeChoices(json, plan, result.layout);
    writePrograms(json, plan);
  });
  os << "\n";
}

void writePlanJSON(const Report &report, llvm::raw_ostream &out) {
  // Written whole, then with its numbers in shortest form (JSONText.h).
  std::string text;
  llvm::raw_string_ostream os(text);
  writePlanJSONText(report, os);
  out << tidyJSONNumbers(text);
}

} // namespace moeplan
