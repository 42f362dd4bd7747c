//===- SelectMemory.cpp - keep, recompute or swap each saved tensor --------===//
//
// Writes `moe.memory` on every op that saves tensors, expanding a policy
// with Megatron's meanings into a choice per tensor; choices already on an
// op are kept, so a user can pin any tensor and let the policy fill the
// rest.
//
//===----------------------------------------------------------------------===//

#include "dialects/moe/MoEConstants.h"
#include "dialects/moe/MoEOps.h"
#include "moeplan/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "moe-select-memory"

namespace moeplan {
#define GEN_PASS_DEF_MOESELECTMEMORYPASS
#include "moeplan/Transforms/Passes.h.inc"
} // namespace moeplan

using namespace mlir;
using namespace mlir::moe;

namespace {
enum class Policy { None, Selective, Full };

class MoESelectMemoryPass
    : public moeplan::impl::MoESelectMemoryPassBase<MoESelectMemoryPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    std::optional<Policy> chosen =
        llvm::StringSwitch<std::optional<Policy>>(policy)
            .Case("none", Policy::None)
            .Case("selective", Policy::Selective)
            .Case("full", Policy::Full)
            .Default(std::nullopt);
    if (!chosen) {
      getOperation().emitError()
          << "moe-select-memory: unknown policy '" << policy
          << "'; expected none, selective or full";
      return signalPassFailure();
    }
    for (ModelOp model : getOperation().getOps<ModelOp>())
      model.walk([&](Operation *op) {
        if (op->getNumRegions() == 0)
          select(op, *chosen);
      });
  }

private:
  /// The policy's choice for a tensor of `kind` saved by `op`.
  static MemoryChoice choiceFor(Operation *op, SavedTensorKind kind,
                                Policy policy) {
    switch (policy) {
    case Policy::None:
      return MemoryChoice::Keep;
    case Policy::Selective:
      return kind == SavedTensorKind::AttentionCore ? MemoryChoice::Recompute
                                                    : MemoryChoice::Keep;
    case Policy::Full:
      // Layers recompute everything from their input; the embedding, final
      // norm, head and loss are not layers and keep theirs.
      return isa<DecoderLayerOp, MTPLayerOp>(op->getParentOp())
                 ? MemoryChoice::Recompute
                 : MemoryChoice::Keep;
    }
    llvm_unreachable("unknown policy");
  }

  void select(Operation *op, Policy policy) {
    SmallVector<SavedTensor> saved = savedTensors(op);
    if (saved.empty())
      return;
    auto given = op->getAttrOfType<MemoryAttr>(kMemoryAttr);
    NamedAttrList choices;
    for (const SavedTensor &tensor : saved) {
      StringRef name = localTensorName(tensor.name);
      std::optional<MemoryChoice> choice =
          given ? given.lookup(name) : std::nullopt;
      if (!choice)
        choice = choiceFor(op, tensor.kind, policy);
      switch (*choice) {
      case MemoryChoice::Keep:
        ++numKept;
        break;
      case MemoryChoice::Recompute:
        ++numRecomputed;
        break;
      case MemoryChoice::Swap:
        ++numSwapped;
        break;
      }
      choices.set(name, MemoryChoiceAttr::get(&getContext(), *choice));
    }
    op->setAttr(kMemoryAttr,
                MemoryAttr::get(&getContext(),
                                choices.getDictionary(&getContext())));
  }
};
} // namespace
