//===- ArchSearch.cpp - the planner's search over model shapes ------------===//

#include "moeplan/Search/ArchSearch.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <set>

using namespace mlir;

namespace moeplan {

FailureOr<OwningOpRef<ModuleOp>> reshapeModel(moe::ModelOp model,
                                              const ArchShape &shape) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(model.getLoc());
  OpBuilder builder = OpBuilder::atBlockEnd(module->getBody());
  auto copy = cast<moe::ModelOp>(builder.clone(*model));
  copy.setHiddenSizeAttr(builder.getI64IntegerAttr(shape.hidden));

  // Layers come off, or are copied from the last, at the end of the stack,
  // so the dense first layers stay.
  auto layers = llvm::to_vector(copy.getDecoderLayers());
  int64_t have = layers.size();
  for (int64_t i = have - 1; i >= shape.layers; --i)
    layers[i]->erase();
  for (int64_t i = have; i < shape.layers; ++i) {
    moe::DecoderLayerOp last = layers.back();
    builder.setInsertionPointAfter(last);
    auto added = cast<moe::DecoderLayerOp>(builder.clone(*last));
    added.setIndexAttr(builder.getI64IntegerAttr(i));
    layers.push_back(added);
  }
  if (shape.experts)
    copy.walk([&](Operation *op) {
      if (auto router = dyn_cast<moe::RouterOp>(op)) {
        router.setNumExpertsAttr(builder.getI64IntegerAttr(shape.experts));
        router.setTopKAttr(builder.getI64IntegerAttr(shape.topK));
      } else if (auto experts = dyn_cast<moe::ExpertsOp>(op)) {
        experts.setNumExpertsAttr(builder.getI64IntegerAttr(shape.experts));
        experts.setFfnSizeAttr(builder.getI64IntegerAttr(shape.expertFfn));
      }
    });
  if (failed(verify(copy)))
    return failure();
  return module;
}

namespace {
/// `base` scaled by each factor, rounded to a multiple of `multiple`, at
/// least `least`, without repeats, in increasing order.
std::vector<int64_t> scaled(int64_t base, llvm::ArrayRef<double> factors,
                            int64_t multiple, int64_t least) {
  std::set<int64_t> values;
  for (double f : factors) {
    int64_t v = std::llround(base * f / multiple) * multiple;
    values.insert(std::max(v, least));
  }
  values.insert(base);
  return {values.begin(), values.end()};
}

/// The base model's sizes, and how many dense layers lead the stack.
ArchShape shapeOf(moe::ModelOp model, int64_t &denseFirst) {
  ArchShape shape;
  shape.hidden = model.getHiddenSize();
  denseFirst = 0;
  for (moe::DecoderLayerOp layer : model.getDecoderLayers()) {
    ++shape.layers;
    layer.walk([&](moe::RouterOp router) {
      shape.experts = router.getNumExperts();
      shape.topK = router.getTopK();
    });
    layer.walk([&](moe::ExpertsOp e) { shape.expertFfn = e.getFfnSize(); });
    if (!shape.experts)
      ++denseFirst;
  }
  return shape;
}
} // namespace

FailureOr<ArchSearchResult>
searchArchitectures(moe::ModelOp model, const ClusterSpec &cluster,
                    const SearchRequest &search, const ArchBudget &budget,
                    FlopsConvention convention,
                    llvm::function_ref<void(size_t, size_t)> progress) {
  FailureOr<ParamCounts> baseParams = countParameters(model);
  if (failed(baseParams))
    return failure();
  int64_t dense = 0;
  ArchShape base = shapeOf(model, dense);
  if (!base.experts)
    return model.emitError("--search-arch varies routed experts, top-k and "
                           "expert width; ")
           << model.getSymName() << " has no MoE layer";
  auto measure = [&](const ParamCounts &p) {
    return double(budget.active ? p.active : p.total);
  };
  double target = measure(*baseParams);

  // The grid: up to ±20% of the layers, ±12.5% of the width, half to one
  // and a half times the experts, top-k ±2, ±25% of the expert width.
  std::vector<int64_t> layerCounts =
      scaled(base.layers, {0.8, 0.9, 0.95, 1.05, 1.1, 1.2}, 1, dense + 1);
  std::vector<int64_t> widths = scaled(base.hidden, {0.875, 1.125}, 256, 256);
  std::vector<int64_t> expertCounts =
      scaled(base.experts, {0.5, 0.75, 1.25, 1.5}, 8, 8);
  std::vector<int64_t> ffns = scaled(base.expertFfn, {0.75, 1.25}, 128, 128);
  std::vector<ArchShape> grid;
  for (int64_t layers : layerCounts)
    for (int64_t hidden : widths)
      for (int64_t experts : expertCounts)
        for (int64_t k : {base.topK - 2, base.topK, base.topK + 2})
          for (int64_t ffn : ffns) {
            if (k < 1 || k > experts)
              continue;
            ArchShape s{layers, hidden, experts, k, ffn};
            s.isBase = layers == base.layers && hidden == base.hidden &&
                       experts == base.experts && k == base.topK &&
                       ffn == base.expertFfn;
            grid.push_back(s);
          }

  ArchSearchResult result;
  auto start = std::chrono::steady_clock::now();
  // Per shape, its reshaped model within the budget.
  std::vector<OwningOpRef<ModuleOp>> modules;
  for (ArchShape &shape : grid) {
    FailureOr<OwningOpRef<ModuleOp>> reshaped = reshapeModel(model, shape);
    if (failed(reshaped))
      return failure();
    auto copy = *(*reshaped)->getOps<moe::ModelOp>().begin();
    FailureOr<ParamCounts> params = countParameters(copy);
    if (failed(params))
      return failure();
    shape.params = *params;
    if (std::abs(measure(*params) - target) > budget.tolerance * target) {
      ++result.outsideBudget;
      continue;
    }
    result.shapes.push_back({shape});
    modules.push_back(std::move(*reshaped));
  }

  for (auto [i, entry] : llvm::enumerate(result.shapes)) {
    auto copy = *modules[i]->getOps<moe::ModelOp>().begin();
    // A shape no layout suits is a result: its error is the reason.
    std::string message;
    ScopedDiagnosticHandler capture(model.getContext(), [&](Diagnostic &d) {
      if (d.getSeverity() == DiagnosticSeverity::Error && message.empty())
        message = d.str();
      return success();
    });
    FailureOr<SearchResult> layouts =
        searchLayouts(copy, cluster, search, convention);
    if (failed(layouts)) {
      entry.rejected = message.empty() ? "the layout search failed" : message;
    } else {
      entry.candidates = layouts->candidates.size();
      if (layouts->ranking.empty()) {
        entry.rejected = "none of its " + std::to_string(entry.candidates) +
                         " layouts fits";
      } else {
        entry.best = layouts->candidates[layouts->ranking.front()];
        result.ranking.push_back(i);
      }
    }
    modules[i] = nullptr;
    if (progress)
      progress(i + 1, result.shapes.size());
  }
  llvm::stable_sort(result.ranking, [&](size_t a, size_t b) {
    return result.shapes[a].best->metrics.tokensPerSecondPerDevice >
           result.shapes[b].best->metrics.tokensPerSecondPerDevice;
  });
  result.seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  return result;
}

namespace {
/// A parameter count for people: "718.9B", "25.3M".
std::string count(int64_t params) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (params >= 1e9)
    os << llvm::format("%.1fB", params / 1e9);
  else
    os << llvm::format("%.1fM", params / 1e6);
  return text;
}
} // namespace

void writeArchTable(const ArchSearchResult &result, size_t top,
                    llvm::raw_ostream &os) {
  os << "Architecture search: " << result.shapes.size()
     << " shapes within the parameter budget (" << result.outsideBudget
     << " of the grid outside it), " << result.ranking.size()
     << " with a plan that fits ("
     << llvm::format("%.1f", result.seconds) << " s)\n\n";
  os << "rank  layers  hidden  experts  top-k  expert ffn     total    active"
        "  tokens/s/dev    MFU  best layout\n";
  auto row = [&](size_t rank, const ShapeResult &s) {
    const Candidate &c = *s.best;
    os << llvm::format("%4zu  %6lld  %6lld  %7lld  %5lld  %10lld  %8s  %8s"
                       "  %12.1f  %4.1f%%  ",
                       rank, (long long)s.shape.layers,
                       (long long)s.shape.hidden, (long long)s.shape.experts,
                       (long long)s.shape.topK, (long long)s.shape.expertFfn,
                       count(s.shape.params.total).c_str(),
                       count(s.shape.params.active).c_str(),
                       c.metrics.tokensPerSecondPerDevice, 100 * c.metrics.mfu)
       << candidateFlags(c) << (s.shape.isBase ? "  (the model as given)" : "")
       << "\n";
  };
  for (size_t rank = 0; rank < result.ranking.size(); ++rank) {
    const ShapeResult &s = result.shapes[result.ranking[rank]];
    if (rank < top || s.shape.isBase)
      row(rank + 1, s);
  }
  for (const ShapeResult &s : result.shapes)
    if (s.shape.isBase && !s.best)
      os << "the model as given has no plan that fits: " << s.rejected << "\n";
}

void writeArchCSV(const ArchSearchResult &result, llvm::raw_ostream &os) {
  os << "shape,layers,hidden,experts,top_k,expert_ffn,total_params,"
        "active_params,base,candidates,tokens_per_s_per_device,step_time_s,"
        "mfu,peak_bytes,rank,flags,rejected\n";
  std::vector<size_t> rankOf(result.shapes.size(), 0);
  for (auto [rank, i] : llvm::enumerate(result.ranking))
    rankOf[i] = rank + 1;
  for (auto [i, s] : llvm::enumerate(result.shapes)) {
    os << i << "," << s.shape.layers << "," << s.shape.hidden << ","
       << s.shape.experts << "," << s.shape.topK << "," << s.shape.expertFfn
       << "," << s.shape.params.total << "," << s.shape.params.active << ","
       << s.shape.isBase << "," << s.candidates << ",";
    if (s.best)
      os << llvm::format("%.6g,%.6g,%.6g", s.best->metrics.tokensPerSecondPerDevice,
                         s.best->metrics.stepTime, s.best->metrics.mfu)
         << "," << s.best->metrics.peakBytes << "," << rankOf[i] << ","
         << csvField(candidateFlags(*s.best)) << ",";
    else
      os << ",,,,,,";
    os << csvField(s.rejected) << "\n";
  }
}

} // namespace moeplan
