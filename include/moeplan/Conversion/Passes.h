//===- Passes.h - conversions between the planner's dialects --------------===//

#ifndef MOEPLAN_CONVERSION_PASSES_H
#define MOEPLAN_CONVERSION_PASSES_H

#include "dialects/ascend/AscendDialect.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace moeplan {

#define GEN_PASS_DECL
#include "moeplan/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "moeplan/Conversion/Passes.h.inc"

} // namespace moeplan

#endif // MOEPLAN_CONVERSION_PASSES_H
