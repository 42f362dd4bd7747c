//===- Report.cpp - the moe-plan report (JSON contract and text) ----------===//

#include "moeplan/Export/JSONText.h"
#include "moeplan/Export/Report.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

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

PlanMetrics computeMetrics(const ModelSummary &model, const ClusterSpec &cluster,
                           const PlanResult &plan) {
  PlanMetrics m;
  const ParallelLayout &layout = plan.layout;
  m.stepTime = plan.simulation.stepTime;
  double tokensPerStep = double(layout.globalBatch) * layout.seq;
  m.tokensPerSecond = tokensPerStep / m.stepTime;
  m.tokensPerSecondPerDevice = m.tokensPerSecond / cluster.devices;
  m.mfu = model.flopsPerToken * m.tokensPerSecond /
          (cluster.devices * cluster.peakFlopsForMFU.value);
  m.capacityBytes = cluster.device.memoryBytes.value;
  for (const StageResult &stage : plan.simulation.stages)
    if (stage.peakBytes > m.peakBytes) {
      m.peakBytes = stage.peakBytes;
      m.peakStage = stage.stage;
    }
  return m;
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

namespace {
void writeModelJSON(llvm::json::OStream &json, const ModelSummary &m) {
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
}

void writeClusterJSON(llvm::json::OStream &json, const ClusterSpec &c) {
  json.attributeObject("cluster", [&] {
    json.attribute("preset", c.preset);
    json.attribute("devices", c.devices);
    json.attribute("devices_per_node", int64_t(c.devicesPerNode.value));
    json.attribute("peak_tflops", c.peakFlopsForMFU.value / 1e12);
    json.attribute("device", c.device.name);
    json.attributeArray("constants", [&] {
      for (const auto &[name, constant] : c.constants())
        json.object([&] {
          json.attribute("name", name);
          json.attribute("value", constant->value);
          json.attribute("source", constant->source);
          json.attribute("assumption", constant->assumption);
        });
    });
  });
}
} // namespace

void writeStageMemoryJSON(llvm::json::OStream &json, const StageResult &s) {
  json.object([&] {
    json.attribute("stage", s.stage);
    json.attribute("peak_bytes", s.peakBytes);
    json.attribute("weights_bytes", s.weightsBytes);
    json.attribute("grads_bytes", s.gradsBytes);
    json.attribute("optimizer_bytes", s.optimizerBytes);
    json.attribute("activations_bytes", s.peakActivationBytes);
    json.attribute("reserve_bytes", s.reserveBytes);
  });
}

void writeParallelJSON(llvm::json::OStream &json, const ParallelLayout &l) {
  json.attributeObject("parallel", [&] {
    json.attribute("tp", l.tp);
    json.attribute("pp", l.pp);
    json.attribute("vpp", l.vpp);
    json.attribute("ep", l.ep);
    json.attribute("etp", l.etp);
    json.attribute("cp", l.cp);
    json.attribute("dp", l.dp);
    json.attribute("edp", l.edp);
    json.attribute("sp", l.sp);
    json.attribute("tp_extend_ep", l.tpExtendEp);
    json.attribute("hierarchical_a2a", l.hierarchicalA2a);
    json.attribute("distributed_optimizer", l.distributedOptimizer);
    json.attribute("micro_batch", l.microBatch);
    json.attribute("global_batch", l.globalBatch);
    json.attribute("micro_batches", l.microBatches);
    json.attribute("seq", l.seq);
    json.attribute("recompute", l.recompute);
    json.attribute("recompute_chosen", l.recomputeChosen);
    json.attribute("attention", l.attention);
    json.attribute("precision", l.precision);
    json.attribute("fb_overlap", l.fbOverlap);
    json.attribute("routing_skew", l.routingSkew);
    json.attribute("expert_imbalance", l.expertImbalance);
  });
}

/// The communication kinds the report accounts for, in its order.
constexpr CommKind kReportedCommKinds[] = {CommKind::TP, CommKind::CP,
                                           CommKind::EP, CommKind::PP,
                                           CommKind::DP};

static void writeReportJSONText(const Report &report, llvm::raw_ostream &os) {
  llvm::json::OStream json(os, 2);
  json.object([&] {
    json.attribute("schema", "moe-report/1");
    writeModelJSON(json, report.model);
    if (!report.cluster || !report.plan)
      return;
    const ClusterSpec &cluster = *report.cluster;
    const PlanResult &plan = *report.plan;
    const ParallelLayout &l = plan.layout;
    const SimulationResult &sim = plan.simulation;
    PlanMetrics m = computeMetrics(report.model, cluster, plan);
    writeClusterJSON(json, cluster);
    writeParallelJSON(json, l);
    json.attribute("step_time_s", m.stepTime);
    json.attribute("tokens_per_s", m.tokensPerSecond);
    json.attribute("tokens_per_s_per_device", m.tokensPerSecondPerDevice);
    json.attribute("mfu", m.mfu);
    json.attributeObject("memory", [&] {
      json.attribute("capacity_bytes", m.capacityBytes);
      json.attribute("peak_bytes", m.peakBytes);
      json.attribute("fits", m.peakBytes <= m.capacityBytes);
      json.attribute("peak_stage", m.peakStage);
      json.attributeArray("stages", [&] {
        for (const StageResult &s : sim.stages)
          writeStageMemoryJSON(json, s);
      });
    });
    json.attributeObject("memory_choices", [&] {
      json.attribute("policy", l.recompute);
      json.attribute("optimizer_on_host", l.swapOptimizer);
      json.attributeArray("virtual_stages", [&] {
        for (auto [v, c] : llvm::enumerate(plan.memoryChoices))
          json.object([&] {
            json.attribute("virtual_stage", int64_t(v));
            json.attribute("in_flight", c.inFlight);
            json.attribute("kept_bytes", c.keptBytes);
            json.attribute("recomputed_tensors", c.recomputedTensors);
            json.attribute("recomputed_bytes", c.recomputedBytes);
            json.attribute("full_recompute_layers", c.fullRecomputeLayers);
            json.attribute("recompute_s", c.recomputeSeconds);
            json.attribute("swapped_tensors", c.swappedTensors);
            json.attribute("swapped_bytes", c.swappedBytes);
            json.attribute("peak_bytes", c.peakBytes);
            json.attribute("peak_if_kept_bytes", c.peakIfKeptBytes);
          });
      });
    });
    json.attributeObject("pipeline", [&] {
      json.attribute("layout_string", plan.pipeline.megatronString());
      json.attributeArray("layout", [&] {
        for (const std::vector<std::string> &stage : plan.pipeline.stages)
          json.array([&] {
            for (const std::string &unit : stage)
              json.value(unit);
          });
      });
      json.attributeArray("stage_time_s", [&] {
        for (double time : plan.pipeline.stageTimes)
          json.value(time);
      });
      json.attribute("bubble_fraction", sim.bubbleTime / sim.stepTime);
    });
    json.attributeObject("breakdown", [&] {
      json.attribute("compute_s", sim.computeTime);
      json.attribute("exposed_comm_s", sim.exposedCommTime);
      json.attribute("bubble_s", sim.bubbleTime);
      json.attribute("critical_stage", sim.criticalStage);
    });
    // Per device of the critical stage, seconds per step.
    const StageResult &critical = sim.stages[sim.criticalStage];
    json.attributeObject("communication", [&] {
      for (CommKind kind : kReportedCommKinds)
        json.attributeObject(stringifyCommKind(kind), [&] {
          const CommTime &time =
              critical.communication[static_cast<int>(kind)];
          json.attribute("total_s", time.total);
          json.attribute("hidden_s", time.hidden());
        });
    });
    if (report.model.moeLayers) {
      // No placement is chosen yet, so the imbalance stays the routing
      // skew's expectation.
      json.attributeObject("experts", [&] {
        json.attribute("imbalance_before", l.expertImbalance);
        json.attribute("imbalance_after", l.expertImbalance);
        json.attribute("migration_s", 0.0);
      });
    }
  });
  os << "\n";
}

//===----------------------------------------------------------------------===//
// Text
//===----------------------------------------------------------------------===//

namespace {
/// `value` scaled by powers of `base` to one of `units` (the first is for
/// values below `base`), e.g. 718.6 B, 39.2 B, 7.50 TFLOP.
std::string scaled(double value, llvm::ArrayRef<const char *> units,
                   const char *format, double base = 1000) {
  size_t unit = 0;
  while (value >= base && unit + 1 < units.size()) {
    value /= base;
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

} // namespace

std::string humanBytes(double bytes) {
  return scaled(bytes, {"B", "KiB", "MiB", "GiB", "TiB"}, "%.1f", 1024);
}

namespace {

std::string seconds(double s) {
  return s >= 1 ? scaled(s, {"s"}, "%.3f")
                : scaled(s * 1e3, {"ms"}, "%.3f");
}

std::string fixed(double value, const char *format) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format(format, value);
  return text;
}

void row(llvm::raw_ostream &os, llvm::StringRef label, const llvm::Twine &value) {
  os << "  " << llvm::left_justify(label, 20) << value << "\n";
}

void writeModelText(const ModelSummary &m, llvm::raw_ostream &os) {
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
} // namespace

void writeReportText(const Report &report, llvm::raw_ostream &os) {
  if (!report.cluster || !report.plan) {
    writeModelText(report.model, os);
    return;
  }
  const ClusterSpec &c = *report.cluster;
  const PlanResult &plan = *report.plan;
  const ParallelLayout &l = plan.layout;
  const SimulationResult &sim = plan.simulation;
  PlanMetrics m = computeMetrics(report.model, c, plan);
  // A plan that does not fit says so before anything else.
  if (m.peakBytes > m.capacityBytes)
    os << "DOES NOT FIT: stage " << m.peakStage << " needs "
       << humanBytes(m.peakBytes) << " of " << humanBytes(m.capacityBytes)
       << ", " << humanBytes(m.peakBytes - m.capacityBytes) << " short\n\n";
  writeModelText(report.model, os);

  os << "\nCluster " << c.preset << ": " << c.devices << " × " << c.device.name
     << ", " << int64_t(c.devicesPerNode.value) << " per node\n";
  os << "\nPlan\n";
  std::string options;
  for (auto [on, name] : {std::pair<bool, const char *>{l.sp, "SP"},
                          {l.tpExtendEp, "TP-extended EP"},
                          {l.hierarchicalA2a, "hierarchical all-to-all"},
                          {l.distributedOptimizer, "distributed optimizer"},
                          {l.fbOverlap, "forward/backward overlap"}})
    if (on)
      options += std::string(options.empty() ? " (" : ", ") + name;
  if (!options.empty())
    options += ")";
  row(os, "layout", "TP " + llvm::Twine(l.tp) + " · PP " + llvm::Twine(l.pp) +
                        " · VPP " + llvm::Twine(l.vpp) + " · EP " +
                        llvm::Twine(l.ep) + " · ETP " + llvm::Twine(l.etp) +
                        " · CP " + llvm::Twine(l.cp) + " · DP " +
                        llvm::Twine(l.dp) + options);
  row(os, "batch", llvm::Twine(l.globalBatch) + " sequences of " +
                       llvm::Twine(l.seq) + " tokens, micro-batch " +
                       llvm::Twine(l.microBatch) + " (" +
                       llvm::Twine(l.microBatches) + " per step and replica)");
  row(os, "recompute", l.recompute +
                           (l.recompute == "auto"
                                ? std::string(" (per tensor, moe-select-memory)")
                                : std::string()) +
                           ", " + l.attention + " attention, " + l.precision);
  if (report.model.moeLayers)
    row(os, "expert load", "busiest expert rank " +
                               fixed(l.expertImbalance, "%.3f") +
                               "x the mean (routing skew CV " +
                               fixed(l.routingSkew, "%.3f") +
                               ", docs/load-imbalance.md)");
  if (plan.pipeline.stages.size() > 1) {
    const std::vector<double> &times = plan.pipeline.stageTimes;
    double slowest = *std::max_element(times.begin(), times.end());
    double mean = 0;
    for (double time : times)
      mean += time / times.size();
    row(os, "pipeline", plan.pipeline.megatronString());
    row(os, "", "slowest virtual stage " + seconds(slowest) + ", mean " +
                    seconds(mean) + " per micro-batch");
  }

  os << "\nPredicted step\n";
  row(os, "step time", seconds(m.stepTime));
  row(os, "tokens/s", fixed(m.tokensPerSecond, "%.0f") + " (" +
                          fixed(m.tokensPerSecondPerDevice, "%.1f") +
                          " per device)");
  row(os, "MFU", fixed(100 * m.mfu, "%.1f") + "% of " +
                     fixed(c.peakFlopsForMFU.value / 1e12, "%.1f") +
                     " TFLOPS per device, " +
                     stringifyFlopsConvention(report.model.convention) +
                     " FLOPs");
  row(os, "time of stage " + llvm::Twine(sim.criticalStage).str(),
      "compute " + seconds(sim.computeTime) + " · exposed communication " +
          seconds(sim.exposedCommTime) + " · bubble " +
          seconds(sim.bubbleTime) + " (" +
          fixed(100 * sim.bubbleTime / sim.stepTime, "%.1f") + "%)");

  const StageResult &critical = sim.stages[sim.criticalStage];
  std::string communication;
  for (CommKind kind : kReportedCommKinds) {
    const CommTime &time = critical.communication[static_cast<int>(kind)];
    if (time.total <= 0)
      continue;
    if (!communication.empty())
      communication += " · ";
    communication += stringifyCommKind(kind).str() + " " + seconds(time.total) +
                     " (" + fixed(100 * time.hidden() / time.total, "%.0f") +
                     "% hidden)";
  }
  if (!communication.empty())
    row(os, "communication", communication);

  os << "\nMemory per device (capacity " << humanBytes(m.capacityBytes) << ")\n";
  if (m.peakBytes <= m.capacityBytes)
    row(os, "peak", humanBytes(m.peakBytes) + " on stage " +
                        llvm::Twine(m.peakStage) + ": fits");
  else
    row(os, "peak", humanBytes(m.peakBytes) + " on stage " +
                        llvm::Twine(m.peakStage) + ": DOES NOT FIT, " +
                        humanBytes(m.peakBytes - m.capacityBytes) + " short");
  os << "  " << llvm::left_justify("stage", 8) << llvm::right_justify("weights", 12)
     << llvm::right_justify("grads", 12) << llvm::right_justify("optimizer", 12)
     << llvm::right_justify("activations", 13) << llvm::right_justify("reserve", 12)
     << llvm::right_justify("peak", 12) << "\n";
  for (const StageResult &s : sim.stages)
    os << "  " << llvm::left_justify(std::to_string(s.stage), 8)
       << llvm::right_justify(humanBytes(s.weightsBytes), 12)
       << llvm::right_justify(humanBytes(s.gradsBytes), 12)
       << llvm::right_justify(humanBytes(s.optimizerBytes), 12)
       << llvm::right_justify(humanBytes(s.peakActivationBytes), 13)
       << llvm::right_justify(humanBytes(s.reserveBytes), 12)
       << llvm::right_justify(humanBytes(s.peakBytes), 12) << "\n";

  // What the memory decisions keep, recompute and swap, where they do more
  // than keep everything.
  bool anyChoice = llvm::any_of(plan.memoryChoices, [](const auto &c) {
    return c.recomputedTensors || c.swappedTensors;
  });
  if (l.swapOptimizer)
    row(os, "optimizer state", "in host memory outside the optimizer step "
                               "(--swap-optimizer), fetched for it");
  if (anyChoice) {
    os << "\nMemory choices per virtual stage and micro-batch (x micro-batches "
          "in flight); peak: the virtual stage's part of its rank's memory as "
          "planned, and with every tensor and the optimizer state kept\n";
    os << "  " << llvm::left_justify("vstage", 8)
       << llvm::right_justify("in flight", 10) << llvm::right_justify("kept", 12)
       << llvm::right_justify("recomputed", 12)
       << llvm::right_justify("full layers", 13)
       << llvm::right_justify("rerun", 12) << llvm::right_justify("swapped", 12)
       << llvm::right_justify("peak", 12) << llvm::right_justify("if kept", 12)
       << "\n";
    for (auto [v, c] : llvm::enumerate(plan.memoryChoices))
      os << "  " << llvm::left_justify(std::to_string(v), 8)
         << llvm::right_justify(std::to_string(c.inFlight), 10)
         << llvm::right_justify(humanBytes(c.keptBytes), 12)
         << llvm::right_justify(humanBytes(c.recomputedBytes), 12)
         << llvm::right_justify(std::to_string(c.fullRecomputeLayers), 13)
         << llvm::right_justify(seconds(c.recomputeSeconds), 12)
         << llvm::right_justify(humanBytes(c.swappedBytes), 12)
         << llvm::right_justify(humanBytes(c.peakBytes), 12)
         << llvm::right_justify(humanBytes(c.peakIfKeptBytes), 12) << "\n";
  }

  os << "\nConstants (" << c.preset << "; SI units; * = assumption; "
     << "--format=json gives sources)\n";
  for (const auto &[name, constant] : c.constants())
    os << "  " << (constant->assumption ? "* " : "  ")
       << llvm::left_justify(name, 36) << llvm::format("%g", constant->value)
       << "\n";
}

void writeReportJSON(const Report &report, llvm::raw_ostream &out) {
  // Written whole, then with its numbers in shortest form (JSONText.h).
  std::string text;
  llvm::raw_string_ostream os(text);
  writeReportJSONText(report, os);
  out << tidyJSONNumbers(text);
}

} // namespace moeplan
