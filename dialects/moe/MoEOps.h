//===- MoEOps.h - ops and attributes of the moe dialect -------------------===//

#ifndef DIALECTS_MOE_MOEOPS_H
#define DIALECTS_MOE_MOEOPS_H

#include "dialects/moe/MoEDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"

#include "dialects/moe/MoEEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/moe/MoEAttrs.h.inc"

namespace mlir::moe {
class DecoderLayerOp;
class MTPLayerOp;
} // namespace mlir::moe

#define GET_OP_CLASSES
#include "dialects/moe/MoEOps.h.inc"

namespace mlir::moe {
/// True for the gated activations (two input projections of width ffn).
inline bool isGated(Activation act) {
  return act == Activation::SwiGLU || act == Activation::GeGLU;
}
} // namespace mlir::moe

#endif // DIALECTS_MOE_MOEOPS_H
