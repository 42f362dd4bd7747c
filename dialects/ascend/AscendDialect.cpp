//===- AscendDialect.cpp - registration of the ascend dialect -------------===//

#include "dialects/ascend/AscendDialect.h"
#include "dialects/ascend/AscendOps.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace mlir::ascend;

#include "dialects/ascend/AscendDialect.cpp.inc"
#include "dialects/ascend/AscendEnums.cpp.inc"

void AscendDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/ascend/AscendOps.cpp.inc"
      >();
}
