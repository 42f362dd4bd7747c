//===- AscendDialect.h - the ascend dialect -------------------------------===//

#ifndef DIALECTS_ASCEND_ASCENDDIALECT_H
#define DIALECTS_ASCEND_ASCENDDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/ascend/AscendDialect.h.inc"

#endif // DIALECTS_ASCEND_ASCENDDIALECT_H
