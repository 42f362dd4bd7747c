//===- AscendOps.h - ops of the ascend dialect ----------------------------===//

#ifndef DIALECTS_ASCEND_ASCENDOPS_H
#define DIALECTS_ASCEND_ASCENDOPS_H

#include "dialects/ascend/AscendDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"

#include "dialects/ascend/AscendEnums.h.inc"

namespace mlir::ascend {
class ProgramOp;
class RecomputeOp;
class ScheduleOp;
class StageMemoryOp;
} // namespace mlir::ascend

#define GET_OP_CLASSES
#include "dialects/ascend/AscendOps.h.inc"

#endif // DIALECTS_ASCEND_ASCENDOPS_H
