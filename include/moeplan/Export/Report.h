//===- Report.h - the moe-plan report (JSON contract and text) ------------===//
//
// The JSON form follows the `moe-report/1` contract of docs/report.md; the
// text form says the same for people, with units.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_EXPORT_REPORT_H
#define MOEPLAN_EXPORT_REPORT_H

#include "moeplan/Analysis/ModelAnalysis.h"
#include "moeplan/Pipelines/Planning.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace moeplan {

/// What the report says about the model.
struct ModelSummary {
  std::string name;
  ParamCounts params;
  int64_t denseLayers = 0;
  int64_t moeLayers = 0;
  int64_t mtpLayers = 0;
  int64_t seq = 0;
  FlopsConvention convention = FlopsConvention::MegatronCore;
  double flopsPerToken = 0;
};

/// Summarises `model` at sequence length `seq`; fails with an error on the
/// model when a count overflows.
mlir::FailureOr<ModelSummary> summarizeModel(mlir::moe::ModelOp model,
                                             int64_t seq,
                                             FlopsConvention convention);

/// The throughput figures of a simulated plan.
struct PlanMetrics {
  double stepTime = 0;
  double tokensPerSecond = 0;
  double tokensPerSecondPerDevice = 0;
  double mfu = 0; ///< model FLOPs per second over the cluster's peak
  int64_t capacityBytes = 0;
  int64_t peakBytes = 0; ///< of the fullest stage
  int64_t peakStage = 0;
};
PlanMetrics computeMetrics(const ModelSummary &model, const ClusterSpec &cluster,
                           const PlanResult &plan);

/// Bytes for people: "55.4 GiB".
std::string humanBytes(double bytes);

/// A model-only report when `cluster` and `plan` are null, else the plan's.
struct Report {
  ModelSummary model;
  const ClusterSpec *cluster = nullptr;
  const PlanResult *plan = nullptr;
};

void writeReportJSON(const Report &report, llvm::raw_ostream &os);

/// One pipeline stage's memory, in the report and the plan JSON.
void writeStageMemoryJSON(llvm::json::OStream &json, const StageResult &stage);

/// The `parallel` object of the report and the plan JSON.
void writeParallelJSON(llvm::json::OStream &json, const ParallelLayout &layout);
void writeReportText(const Report &report, llvm::raw_ostream &os);

} // namespace moeplan

#endif // MOEPLAN_EXPORT_REPORT_H
