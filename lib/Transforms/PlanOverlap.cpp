//===- PlanOverlap.cpp - what each communication hides under ---------------===//
//
// Writes `moe.overlap` on every op that communicates under the model's
// layout, naming each communication the work model gives the op, so the IR
// shows what will be priced; choices already on an op are kept.
//
//===----------------------------------------------------------------------===//

#include "dialects/moe/MoEConstants.h"
#include "dialects/moe/MoEOps.h"
#include "moeplan/Cost/OpKernels.h"
#include "moeplan/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "moe-plan-overlap"

namespace moeplan {
#define GEN_PASS_DEF_MOEPLANOVERLAPPASS
#include "moeplan/Transforms/Passes.h.inc"
} // namespace moeplan

using namespace mlir;
using namespace mlir::moe;
using namespace moeplan;

namespace {
class MoEPlanOverlapPass
    : public moeplan::impl::MoEPlanOverlapPassBase<MoEPlanOverlapPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    if (policy != "none" && policy != "fb" && !policy.empty()) {
      getOperation().emitError() << "moe-plan-overlap: unknown policy '"
                                 << policy << "'; expected none or fb";
      return signalPassFailure();
    }
    if (devicesPerNode <= 0) {
      getOperation().emitError()
          << "moe-plan-overlap option devices-per-node must be positive, got "
          << devicesPerNode;
      return signalPassFailure();
    }
    for (ModelOp model : getOperation().getOps<ModelOp>())
      if (failed(plan(model)))
        return signalPassFailure();
  }

private:
  LogicalResult plan(ModelOp model);
};
} // namespace

LogicalResult MoEPlanOverlapPass::plan(ModelOp model) {
  auto layout = model->getAttrOfType<LayoutAttr>(kLayoutAttr);
  auto training = model->getAttrOfType<TrainingAttr>(kTrainingAttr);
  if (!layout || !layout.isComplete() || !training || !training.isComplete())
    return model.emitError("moe-plan-overlap needs the model's complete "
                           "moe.layout and moe.training; run moe-shard first");
  // Which collectives an op runs depends on the layout only; the skew and
  // sizes do not change their names.
  MicroBatchShape shape{training.getSeq(), training.getMicroBatch()};
  Sharding sharding = shardingOf(
      model, layout, shape.seq, shape.microBatch, devicesPerNode,
      defaultRoutingSkew(),
      training.getAttention() == AttentionCore::Unfused,
      training.getPrecision() == Precision::FP8);
  // Without a policy, the choices set by hand decide: fb if any is.
  OverlapChoice fill = policy == "fb" || (policy.empty() && anyFBOverlap(model))
                           ? OverlapChoice::FB
                           : OverlapChoice::Blocking;
  // The first hand-set choice that differs from the policy: forward/backward
  // overlap pairs whole micro-batches, so the model cannot mix the two.
  Operation *conflict = nullptr;
  std::string conflictName;
  model.walk([&](Operation *op) {
    if (op->getNumRegions() != 0)
      return;
    OpKernels work = lowerOpKernels(op, shape, sharding, "");
    llvm::SetVector<StringRef> communications;
    for (ArrayRef<WorkItem> items : {ArrayRef<WorkItem>(work.forward),
                                     ArrayRef<WorkItem>(work.backward)})
      for (const WorkItem &item : items)
        if (item.kind == WorkItem::Kind::Collective)
          communications.insert(item.communication);
    auto given = op->getAttrOfType<OverlapAttr>(kOverlapAttr);
    if (communications.empty() && !given)
      return;
    NamedAttrList choices;
    if (given)
      choices.append(given.getChoices().getValue());
    for (StringRef name : communications) {
      std::optional<OverlapChoice> choice =
          given ? given.lookup(name) : std::nullopt;
      if (choice && *choice != fill && !conflict) {
        conflict = op;
        conflictName = name.str();
      }
      choice = choice.value_or(fill);
      ++(*choice == OverlapChoice::FB ? numOverlapped : numBlocking);
      choices.set(name, OverlapChoiceAttr::get(&getContext(), *choice));
    }
    op->setAttr(kOverlapAttr, OverlapAttr::get(&getContext(),
                                               choices.getDictionary(
                                                   &getContext())));
  });
  if (conflict)
    return conflict->emitOpError()
           << "sets '" << conflictName << "' by hand to the opposite of "
           << "policy '" << policy
           << "'; forward/backward overlap pairs whole micro-batches, so "
              "every communication of a model hides under it or none does";
  return success();
}
