//===- MoEDialect.cpp - registration of the moe dialect -------------------===//

#include "dialects/moe/MoEDialect.h"
#include "dialects/moe/MoEOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::moe;

#include "dialects/moe/MoEDialect.cpp.inc"
#include "dialects/moe/MoEEnums.cpp.inc"

void MoEDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/moe/MoEOps.cpp.inc"
      >();
}
