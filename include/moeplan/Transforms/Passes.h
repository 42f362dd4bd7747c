//===- Passes.h - passes of the planner -----------------------------------===//

#ifndef MOEPLAN_TRANSFORMS_PASSES_H
#define MOEPLAN_TRANSFORMS_PASSES_H

#include "dialects/ascend/AscendDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace moeplan {

#define GEN_PASS_DECL
#include "moeplan/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "moeplan/Transforms/Passes.h.inc"

} // namespace moeplan

#endif // MOEPLAN_TRANSFORMS_PASSES_H
