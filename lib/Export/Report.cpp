//===- Report.cpp - the moe-plan report (JSON contract and text) ----------===//

#include "moeplan/Export/Report.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::moe;

namespace moeplan {

FailureOr<ModelSummary> summarizeModel(ModelOp model, int64_t seq,
                                       FlopsConvention convention) {
  ModelSummary summary;
  summary.name = model.getSymName().str();
  FailureOr<ParamCounts> params = countParameters(model);
  FailureOr<double> flops = flopsPerToken(model, seq, convention);
  if (failed(params) || failed(flops))
    return failure();
  summary.params = *params;
  summary.flopsPerToken = *flops;
  summary.seq = seq;
  summary.convention = convention;
  for (DecoderLayerOp layer : model.getDecoderLayers())
    ++(layer.isMoE() ? summary.moeLayers : summary.denseLayers);
  summary.mtpLayers = llvm::range_size(model.getMTPLayers());
  return summary;
}

void writeReportJSON(const Report &report, llvm::raw_ostream &os) {
  const ModelSummary &m = report.model;
  llvm::json::OStream json(os, 2);
  json.object([&] {
    json.attribute("schema", "moe-report/1");
    json.attributeObject("model", [&] {
      json.attribute("name", m.name);
      json.attribute("total_params", m.params.total);
      json.attribute("active_params", m.params.active);
      json.attribute("active_params_with_embedding",
                     m.params.active + m.params.embedding);
      json.attribute("flops_per_token", m.flopsPerToken);
      json.attribute("flops_convention", stringifyFlopsConvention(m.convention));
      json.attribute("seq", m.seq);
      json.attribute("mtp_params", m.params.mtp);
      json.attribute("embedding_params", m.params.embedding);
      json.attribute("lm_head_params", m.params.head);
      json.attribute("routed_expert_params", m.params.routedExperts);
      json.attributeObject("layers", [&] {
        json.attribute("dense", m.denseLayers);
        json.attribute("moe", m.moeLayers);
        json.attribute("mtp", m.mtpLayers);
      });
    });
  });
  os << "\n";
}

namespace {
/// `value` scaled by powers of 1000 to one of `units` (the first is for
/// values below 1000), e.g. 718.6 B, 39.2 B, 7.50 T.
std::string scaled(double value, llvm::ArrayRef<const char *> units,
                   const char *format) {
  size_t unit = 0;
  while (value >= 1000 && unit + 1 < units.size()) {
    value /= 1000;
    ++unit;
  }
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format(format, value) << " "
                                 << units[unit];
  return text;
}

/// Parameter counts: 1.3 M, 718.6 B, 1.0 T.
std::string humanCount(double value) {
  return scaled(value, {"", "K", "M", "B", "T"}, "%.1f");
}

void row(llvm::raw_ostream &os, llvm::StringRef label, const llvm::Twine &value) {
  os << "  " << llvm::left_justify(label, 20) << value << "\n";
}
} // namespace

void writeReportText(const Report &report, llvm::raw_ostream &os) {
  const ModelSummary &m = report.model;
  os << "Model " << m.name << "\n";
  row(os, "parameters", humanCount(m.params.total) + " total, " +
                            humanCount(m.params.active) + " active per token");
  row(os, "", "(active excludes the input embedding; " +
                  humanCount(m.params.active + m.params.embedding) +
                  " with it)");
  if (m.mtpLayers)
    row(os, "MTP parameters", humanCount(m.params.mtp) +
                                  " (not in the total, as published)");
  row(os, "layers", llvm::Twine(m.denseLayers) + " dense, " +
                        llvm::Twine(m.moeLayers) + " MoE, " +
                        llvm::Twine(m.mtpLayers) + " MTP");
  row(os, "FLOPs per token",
      scaled(m.flopsPerToken, {"FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP"},
             "%.2f") +
          " at seq " + llvm::Twine(m.seq));
  row(os, "", "(training, forward + backward; convention " +
                  stringifyFlopsConvention(m.convention) + ")");
}

} // namespace moeplan
