//===- LayoutSearch.h - the planner's search over layouts -----------------===//
//
// `moe-plan --search`: every layout of a stated space is planned by the same
// passes and priced by the same interpreter as a single plan (evaluatePlan),
// so the search has no second, simpler cost model. What the user fixed stays
// fixed; the rest is enumerated, pruned by sound bounds where a candidate
// cannot fit or cannot beat the best, and every candidate is accounted for
// with its prediction or the reason it was rejected. The space and the
// bounds are in docs/search.md.
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_SEARCH_LAYOUTSEARCH_H
#define MOEPLAN_SEARCH_LAYOUTSEARCH_H

#include "moeplan/Export/LaunchArgs.h"
#include "moeplan/Export/Report.h"
#include "moeplan/Pipelines/Planning.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <string>
#include <vector>

namespace moeplan {

enum class SearchObjective {
  Throughput, ///< most tokens/s per device among plans that fit
  Memory,     ///< least peak device memory, then most tokens/s
};

/// What a search explores. A set field fixes its dimension; an unset one is
/// enumerated over the space docs/search.md states.
struct SearchRequest {
  /// The setup every candidate shares: seq, global batch, precision,
  /// attention, routing skew, swap. Its layout fields are ignored.
  PlanRequest base;
  std::optional<int64_t> tp, pp, vpp, ep, etp, cp, microBatch;
  std::optional<bool> tpExtendEp, hierarchicalA2a, distributedOptimizer,
      fbOverlap;
  /// The memory policy; unset: auto (throughput) or full (memory).
  std::optional<std::string> recompute;
  SearchObjective objective = SearchObjective::Throughput;
  int64_t maxTp = 0; ///< 0: the node size
  /// Keep only plans whose launch arguments this runtime can run, priced
  /// as it runs them (memory decisions rounded to its recompute flags).
  std::optional<Runtime> runtime;
  unsigned threads = 1;
};

/// One candidate: its request and what became of it.
struct Candidate {
  PlanRequest request;
  /// Empty when the plan is valid and fits; else why it was rejected.
  std::string rejected;
  bool evaluated = false; ///< priced by the interpreter (it may not fit)
  /// Rejected by a bound, not priced: it cannot fit, or its step cannot
  /// beat the best plan priced before it.
  bool pruned = false;
  PlanBounds bounds; ///< when the layout is valid
  ParallelLayout layout;  ///< as planned, when evaluated
  std::string pipeline;   ///< Megatron's layout string, when evaluated
  PlanMetrics metrics;    ///< when evaluated
  double computeTime = 0, exposedCommTime = 0, bubbleTime = 0;
};

struct SearchResult {
  std::vector<Candidate> candidates; ///< in enumeration order
  /// Indices into `candidates`: the valid ones best first (the objective,
  /// ties to the earlier candidate), and the Pareto front of tokens/s per
  /// device against peak memory, least memory first.
  std::vector<size_t> ranking, pareto;
  int64_t evaluated = 0; ///< candidates the interpreter priced
  int64_t pruned = 0;    ///< rejected by a bound, not priced
  double seconds = 0;    ///< wall time of the evaluations
};

/// What a progress display is told after each candidate.
struct SearchProgress {
  size_t done = 0, total = 0, valid = 0;
  double bestTokensPerDevice = 0;
  double seconds = 0;
};

/// The candidates of `search`'s space for `model` on `cluster`, unevaluated,
/// in a fixed order.
std::vector<PlanRequest> enumerateCandidates(mlir::moe::ModelOp model,
                                             const ClusterSpec &cluster,
                                             const SearchRequest &search);

/// The parallel sizes (TP, PP, VPP, EP, ETP, CP) neither `search` nor the
/// model's moe.layout fixes, which the search enumerates.
std::vector<llvm::StringRef> openSizes(mlir::moe::ModelOp model,
                                       const SearchRequest &search);

/// Bounds every candidate, then plans and prices those the bounds leave,
/// fastest bound first, with `search.threads` threads (each with a context
/// and a copy of the model of its own; the result is the same for any
/// count). Fails only when the space is empty or the model cannot be
/// copied; bad candidates are results.
mlir::FailureOr<SearchResult>
searchLayouts(mlir::moe::ModelOp model, const ClusterSpec &cluster,
              const SearchRequest &search, FlopsConvention convention,
              llvm::function_ref<void(const SearchProgress &)> progress = {});

/// The moe-plan flags that reproduce `candidate`'s plan.
std::string candidateFlags(const Candidate &candidate);

/// The top `count` plans of `result` as an aligned table, then the Pareto
/// front and the counts.
void writeSearchTable(const SearchResult &result, const ClusterSpec &cluster,
                      size_t count, llvm::raw_ostream &os);

/// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string csvField(llvm::StringRef text);

/// Every candidate as CSV: a header, then one row per candidate with its
/// decisions, prediction and memory, `tokens_per_s_per_device` empty and
/// `rejected` the reason when rejected.
void writeSearchCSV(const SearchResult &result, llvm::raw_ostream &os);

} // namespace moeplan

#endif // MOEPLAN_SEARCH_LAYOUTSEARCH_H
