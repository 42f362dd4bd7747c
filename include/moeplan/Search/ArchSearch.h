//===- ArchSearch.h - the planner's search over model shapes --------------===//
//
// `moe-plan --search-arch`: around a model, vary its decoder layers, hidden
// size, routed experts, top-k and expert width; keep the shapes whose total
// (or active) parameters stay within a stated band of the model's; give each
// its best layout by the layout search; rank the shapes by tokens/s per
// device. This is how the paper chose 61 layers, hidden 7680 and 256
// experts. docs/search.md states the grid.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_SEARCH_ARCHSEARCH_H
#define MOEPLAN_SEARCH_ARCHSEARCH_H

#include "moeplan/Search/LayoutSearch.h"

namespace moeplan {

/// What the shapes must keep.
struct ArchBudget {
  bool active = false;    ///< active parameters per token, else total
  double tolerance = 0.1; ///< the band around the model's count, a fraction
};

/// One model shape, with its parameters.
struct ArchShape {
  int64_t layers = 0;    ///< decoder layers (dense first layers kept)
  int64_t hidden = 0;    ///< model width
  int64_t experts = 0;   ///< routed experts per MoE layer (0: dense)
  int64_t topK = 0;      ///< experts per token
  int64_t expertFfn = 0; ///< a routed expert's width
  ParamCounts params;
  bool isBase = false; ///< the model as given
};

struct ShapeResult {
  ArchShape shape;
  /// The shape's best plan, when any candidate fits; else why none does.
  std::optional<Candidate> best;
  std::string rejected;
  size_t candidates = 0; ///< layouts tried
};

struct ArchSearchResult {
  std::vector<ShapeResult> shapes; ///< in grid order, within the budget
  std::vector<size_t> ranking;     ///< shapes with a plan, fastest first
  size_t outsideBudget = 0;        ///< grid shapes the budget left out
  double seconds = 0;
};

/// The model with `shape`'s sizes: MoE layers added (copies of the last)
/// or removed at the end, the width, the routers' and experts' sizes set.
/// Fails with an error on the copy when the shape does not verify.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
reshapeModel(mlir::moe::ModelOp model, const ArchShape &shape);

/// Every shape of the grid around `model` within `budget`, each at its
/// best layout of `search`'s space. `progress` is told after each shape.
mlir::FailureOr<ArchSearchResult>
searchArchitectures(mlir::moe::ModelOp model, const ClusterSpec &cluster,
                    const SearchRequest &search, const ArchBudget &budget,
                    FlopsConvention convention,
                    llvm::function_ref<void(size_t done, size_t total)>
                        progress = {});

/// The top `count` shapes as a table, the model's own shape marked.
void writeArchTable(const ArchSearchResult &result, size_t count,
                    llvm::raw_ostream &os);

/// Every shape as CSV: its sizes and parameters, its best plan's prediction
/// and flags, or `rejected`, why no layout fits.
void writeArchCSV(const ArchSearchResult &result, llvm::raw_ostream &os);

} // namespace moeplan

#endif // MOEPLAN_SEARCH_ARCHSEARCH_H
