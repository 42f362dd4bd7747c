//===- PlanJSON.h - a plan as versioned JSON (moe-plan/1) -----------------===//
//
// The runnable plan in full: the ranks and their communicator groups, the
// layer layout, per (stage, chunk) the kernel and collective sequence with
// streams and dependencies, the micro-batch order, the recompute and swap
// choices, and the predicted metrics. docs/plan-schema.md documents it and
// docs/plan.schema.json is its JSON Schema.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_EXPORT_PLANJSON_H
#define MOEPLAN_EXPORT_PLANJSON_H

#include "moeplan/Export/Report.h"

namespace moeplan {

/// Writes `report`'s plan (which must have a cluster and a plan) as
/// `"schema": "moe-plan/1"` JSON.
void writePlanJSON(const Report &report, llvm::raw_ostream &os);

} // namespace moeplan

#endif // MOEPLAN_EXPORT_PLANJSON_H
