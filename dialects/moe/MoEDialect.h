//===- MoEDialect.h - the moe dialect -------------------------------------===//

#ifndef DIALECTS_MOE_MOEDIALECT_H
#define DIALECTS_MOE_MOEDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/moe/MoEDialect.h.inc"

#endif // DIALECTS_MOE_MOEDIALECT_H
