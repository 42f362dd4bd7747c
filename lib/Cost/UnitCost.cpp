//===- UnitCost.cpp - a pipeline unit's work and its price ----------------===//

#include "moeplan/Cost/UnitCost.h"

using namespace mlir;
using namespace mlir::moe;

namespace moeplan {

Grids gridsOf(LayoutAttr layout, const Sharding &sharding) {
  return {{layout.getPp(), layout.getDp(), layout.getCp(), layout.getTp()},
          {layout.getPp(), layout.getExpertDataParallel(), sharding.epOuter,
           sharding.epInner, sharding.etp}};
}

std::pair<StringRef, SmallVector<int16_t>> groupAxes(Group group) {
  switch (group) {
  case Group::TP:
    return {"attention", {Axes::tp}};
  case Group::CP:
    return {"attention", {Axes::cp}};
  case Group::EP:
    return {"experts", {Axes::epOuter, Axes::epInner}};
  case Group::EPInner:
    return {"experts", {Axes::epInner}};
  case Group::EPOuter:
    return {"experts", {Axes::epOuter}};
  case Group::ETP:
    return {"experts", {Axes::etp}};
  }
  llvm_unreachable("unknown group");
}

double workTime(const WorkItem &item, const Grids &grids,
                const ClusterSpec &cluster) {
  switch (item.kind) {
  case WorkItem::Kind::Cube: {
    KernelWork work{ComputeUnit::Cube, double(item.flops), double(item.bytes)};
    work.shape = item.shape;
    work.groups = item.groups;
    work.fp8 = item.fp8;
    work.flash = item.flash;
    return kernelTime(work, cluster.device);
  }
  case WorkItem::Kind::Vector:
    return kernelTime(
        {ComputeUnit::Vector, double(item.flops), double(item.bytes)},
        cluster.device);
  case WorkItem::Kind::Collective: {
    auto [grid, axes] = groupAxes(item.group);
    ArrayRef<int64_t> shape = grid == "attention"
                                  ? ArrayRef<int64_t>(grids.attention)
                                  : ArrayRef<int64_t>(grids.experts);
    return collectiveTime(item.collective, groupExtent(shape, axes),
                          item.bytes, cluster);
  }
  }
  llvm_unreachable("unknown work item");
}

namespace {
/// Labels a unit's leaf ops: norm0, norm1, attention, router, ...
std::string opLabel(Operation *op, int &norms) {
  if (isa<NormOp>(op))
    return "norm" + std::to_string(norms++);
  if (isa<AttentionOp, MLAAttentionOp>(op))
    return "attention";
  return op->getName().stripDialect().str();
}
} // namespace

/// Whether every saved tensor of `ops` is recomputed.
template <typename Ops> static bool recomputesEverything(const Ops &ops) {
  for (const auto &op : ops)
    for (const SavedSpec &tensor : op.saved)
      if (tensor.choice != MemoryChoice::Recompute)
        return false;
  return true;
}

bool UnitWork::isFullRecompute() const {
  return isLayer && recomputesEverything(ops);
}

UnitWork unitWorkOf(Operation *top, const MicroBatchShape &shape,
                    const Sharding &sharding) {
  UnitWork unit;
  unit.op = top;
  unit.isLayer = isa<DecoderLayerOp, MTPLayerOp>(top);
  unit.name = unitName(top);
  int norms = 0;
  // Reserved: an OpKernels is large, and moving it on growth costs more
  // than counting the leaves.
  size_t leaves = 0;
  top->walk([&](Operation *leaf) { leaves += leaf->getNumRegions() == 0; });
  unit.ops.reserve(leaves);
  top->walk([&](Operation *leaf) {
    if (leaf->getNumRegions() != 0)
      return;
    std::string prefix =
        unit.isLayer ? unit.name + "." + opLabel(leaf, norms) : unit.name;
    OpKernels work = lowerOpKernels(leaf, shape, sharding, prefix);
    unit.denseParams += work.denseParams;
    unit.expertParams += work.expertParams;
    unit.ops.push_back(std::move(work));
  });
  return unit;
}

PricedUnit priceUnit(const UnitWork &unit, const Grids &grids,
                     const ClusterSpec &cluster) {
  PricedUnit priced;
  priced.isLayer = unit.isLayer;
  for (const OpKernels &op : unit.ops) {
    PricedUnit::Op &p = priced.ops.emplace_back();
    for (const WorkItem &item : op.forward) {
      double time = workTime(item, grids, cluster);
      p.forward += time;
      if (item.isAttentionCore)
        p.core += time;
    }
    for (const WorkItem &item : op.backward)
      p.backward += workTime(item, grids, cluster);
    p.saved = op.saved;
  }
  return priced;
}

bool PricedUnit::isFullRecompute() const {
  return isLayer && recomputesEverything(ops);
}

double PricedUnit::time() const {
  // Full recompute reruns the layer's forward; otherwise each op reruns
  // what its recomputed tensors need (OpKernels::recomputedWork).
  bool full = isFullRecompute();
  double time = 0;
  for (const Op &op : ops) {
    double rerun = 0;
    bool any = false, onlyCore = true;
    for (const SavedSpec &tensor : op.saved)
      if (tensor.choice == MemoryChoice::Recompute) {
        any = true;
        onlyCore &= tensor.kind == SavedTensorKind::AttentionCore;
      }
    if (full)
      rerun = op.forward;
    else if (any)
      rerun = onlyCore ? op.core : op.forward;
    time += op.forward + op.backward + rerun;
  }
  return time;
}

int64_t PricedUnit::bytesChosen(MemoryChoice choice) const {
  int64_t bytes = 0;
  for (const Op &op : ops)
    for (const SavedSpec &tensor : op.saved)
      if (tensor.choice == choice)
        bytes += tensor.bytes;
  return bytes;
}

int64_t PricedUnit::savedBytes(int64_t layerInputBytes) const {
  return isFullRecompute() ? layerInputBytes : bytesChosen(MemoryChoice::Keep);
}

int64_t PricedUnit::transientBytes() const {
  bool full = isFullRecompute();
  int64_t all = 0, oneOp = 0;
  for (const Op &op : ops) {
    int64_t recomputed = 0;
    for (const SavedSpec &tensor : op.saved)
      if (full || tensor.choice == MemoryChoice::Recompute)
        recomputed += tensor.bytes;
    all += recomputed;
    oneOp = std::max(oneOp, recomputed);
  }
  // Swapped tensors come back one unit ahead, so while this unit's
  // backward runs its own and the next unit's are on the device; the next
  // unit's are taken to be as large as its own.
  return (full ? all : oneOp) + 2 * swappedBytes();
}

double PricedUnit::recomputeTime() const {
  double time = this->time();
  for (const Op &op : ops)
    time -= op.forward + op.backward;
  // What is left is the rerun, up to rounding.
  return std::max(0.0, time);
}

int64_t PricedUnit::swappedBytes() const {
  return isFullRecompute() ? 0 : bytesChosen(MemoryChoice::Swap);
}

int64_t layerInputBytes(ModelOp model, const MicroBatchShape &shape,
                        const Sharding &sharding) {
  int64_t tokens =
      shape.tokens() / sharding.cp / (sharding.sp ? sharding.tp : 1);
  return 2 * model.getHiddenSize() * tokens;
}

} // namespace moeplan
