//===- LayoutSearch.cpp - the planner's search over layouts ---------------===//

#include "moeplan/Search/LayoutSearch.h"
#include "dialects/moe/MoEConstants.h"
#include "dialects/moe/MoEDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <numeric>
#include <thread>

using namespace mlir;

namespace moeplan {

//===----------------------------------------------------------------------===//
// The space
//===----------------------------------------------------------------------===//

namespace {
std::vector<int64_t> divisorsOf(int64_t n, int64_t most) {
  std::vector<int64_t> divisors;
  for (int64_t d = 1; d <= std::min(n, most); ++d)
    if (n % d == 0)
      divisors.push_back(d);
  return divisors;
}

/// `given` alone when set, else `open`.
template <typename T>
std::vector<T> choices(const std::optional<T> &given, std::vector<T> open) {
  if (given)
    return {*given};
  return open;
}

/// The parallel sizes the search's flags or the model's own moe.layout
/// fix; unset: open.
struct FixedSizes {
  std::optional<int64_t> tp, pp, vpp, ep, etp, cp;
};
FixedSizes fixedSizesOf(moe::ModelOp model, const SearchRequest &search) {
  auto given = model->getAttrOfType<moe::LayoutAttr>(moe::kLayoutAttr);
  auto fixed = [&](std::optional<int64_t> flag,
                   int64_t (moe::LayoutAttr::*get)() const)
      -> std::optional<int64_t> {
    if (flag)
      return flag;
    if (given && (given.*get)())
      return (given.*get)();
    return std::nullopt;
  };
  return {fixed(search.tp, &moe::LayoutAttr::getTp),
          fixed(search.pp, &moe::LayoutAttr::getPp),
          fixed(search.vpp, &moe::LayoutAttr::getVpp),
          fixed(search.ep, &moe::LayoutAttr::getEp),
          fixed(search.etp, &moe::LayoutAttr::getEtp),
          fixed(search.cp, &moe::LayoutAttr::getCp)};
}

/// How experts are split: by ETP within each expert, or whole over
/// TP-extended EP ranks.
struct ExpertMode {
  bool extend;
  int64_t etp;
};
} // namespace

std::vector<PlanRequest> enumerateCandidates(moe::ModelOp model,
                                             const ClusterSpec &cluster,
                                             const SearchRequest &search) {
  int64_t layers = 0, experts = 0;
  for (Operation &op : model.getBody().front())
    if (auto layer = dyn_cast<moe::DecoderLayerOp>(op)) {
      ++layers;
      layer.walk([&](moe::ExpertsOp e) {
        experts = std::max<int64_t>(experts, e.getNumExperts());
      });
    }
  const int64_t devices = cluster.devices, node = cluster.devicesPerNode.value,
                seq = search.base.seq, batch = search.base.globalBatch;
  auto given = model->getAttrOfType<moe::LayoutAttr>(moe::kLayoutAttr);
  const FixedSizes fixed = fixedSizesOf(model, search);
  auto flag = [&](std::optional<bool> flag, bool (moe::LayoutAttr::*get)() const)
      -> std::optional<bool> {
    if (flag)
      return flag;
    if (given && (given.*get)())
      return true;
    return std::nullopt;
  };
  std::optional<bool> extendFixed =
                          flag(search.tpExtendEp, &moe::LayoutAttr::getTpExtendEp),
                      hierarchicalFixed = flag(search.hierarchicalA2a,
                                               &moe::LayoutAttr::getHierarchicalA2a),
                      optimizerFixed = flag(search.distributedOptimizer,
                                            &moe::LayoutAttr::getDistributedOptimizer);
  std::string recompute = search.recompute.value_or(
      search.objective == SearchObjective::Memory ? "full" : "auto");

  // TP within a node, in powers of two; CP only for sequences it can split
  // into chunks of 4K tokens or more.
  std::vector<int64_t> tps, cps, eps{1};
  if (experts)
    eps = divisorsOf(experts, experts);
  int64_t maxTp = search.maxTp ? search.maxTp : node;
  for (int64_t t = 1; t <= std::min(maxTp, devices); t *= 2)
    if (devices % t == 0)
      tps.push_back(t);
  cps.push_back(1);
  for (int64_t c = 2; seq / c >= 4096 && c <= devices; c *= 2)
    cps.push_back(c);

  std::vector<PlanRequest> candidates;
  for (int64_t tp : choices(fixed.tp, tps))
    for (int64_t cp : choices(fixed.cp, cps)) {
      if (devices % (tp * cp) != 0)
        continue;
      for (int64_t pp : choices(fixed.pp, divisorsOf(devices / (tp * cp),
                                                    std::max<int64_t>(layers, 1)))) {
        if (devices % (tp * cp * pp) != 0)
          continue;
        int64_t dp = devices / (tp * cp * pp);
        std::vector<int64_t> vpps{1};
        for (int64_t v = 2; pp > 1 && v <= 4 && pp * v <= layers; ++v)
          vpps.push_back(v);
        // Micro-batches that split the replica's share of the batch.
        std::vector<int64_t> micro;
        for (int64_t m : {1, 2, 4})
          if (batch % dp == 0 && (batch / dp) % m == 0)
            micro.push_back(m);
        std::vector<ExpertMode> modes;
        for (bool extend : {false, true}) {
          if ((extend && (!experts || tp == 1)) ||
              (extendFixed && *extendFixed != extend))
            continue;
          std::vector<int64_t> etps{experts ? 1 : tp};
          if (experts && !extend && tp > 1)
            etps = {tp, 1};
          if (fixed.etp)
            etps = extend && *fixed.etp != 1 ? std::vector<int64_t>{}
                                            : std::vector<int64_t>{*fixed.etp};
          for (int64_t etp : etps)
            modes.push_back({extend, etp});
        }
        for (int64_t vpp : choices(fixed.vpp, vpps))
          for (int64_t mb : choices(search.microBatch, micro))
            for (ExpertMode mode : modes) {
              for (int64_t ep : choices(fixed.ep, eps)) {
                int64_t group = ep * mode.etp * (mode.extend ? tp : 1);
                if ((tp * cp * dp) % group != 0)
                  continue;
                std::vector<bool> hierarchical{false};
                if (experts && group > node)
                  hierarchical.push_back(true);
                std::vector<bool> optimizer{false};
                if (dp * cp > 1 || (tp * cp * dp) / group > 1)
                  optimizer.push_back(true);
                // Overlap needs communication inside a micro-batch to hide.
                std::vector<bool> overlap{false};
                if (experts && (group > 1 || tp > 1 || cp > 1))
                  overlap.push_back(true);
                for (bool h : choices(hierarchicalFixed, hierarchical))
                  for (bool dopt : choices(optimizerFixed, optimizer))
                    for (bool fb : choices(search.fbOverlap, overlap)) {
                      PlanRequest r = search.base;
                      r.tp = tp;
                      r.pp = pp;
                      r.vpp = vpp;
                      r.cp = cp;
                      r.microBatch = mb;
                      if (experts) {
                        r.ep = ep;
                        r.etp = mode.etp;
                      }
                      r.tpExtendEp = mode.extend;
                      r.hierarchicalA2a = h;
                      r.distributedOptimizer = dopt;
                      r.fbOverlap = fb;
                      r.recompute = recompute;
                      r.pipelineLayout.clear();
                      candidates.push_back(std::move(r));
                    }
              }
            }
      }
    }
  return candidates;
}

std::vector<llvm::StringRef> openSizes(moe::ModelOp model,
                                       const SearchRequest &search) {
  FixedSizes fixed = fixedSizesOf(model, search);
  std::vector<llvm::StringRef> open;
  for (auto [name, size] : {std::pair<StringRef, std::optional<int64_t>>{
                                "TP", fixed.tp},
                            {"PP", fixed.pp},
                            {"VPP", fixed.vpp},
                            {"EP", fixed.ep},
                            {"ETP", fixed.etp},
                            {"CP", fixed.cp}})
    if (!size)
      open.push_back(name);
  return open;
}

//===----------------------------------------------------------------------===//
// Evaluation
//===----------------------------------------------------------------------===//

namespace {
/// One thread's own context and copy of the model, and the last error its
/// diagnostics said.
class Worker {
public:
  Worker(StringRef modelText, const ClusterSpec &cluster,
         const SearchRequest &search, FlopsConvention convention)
      : context(MLIRContext::Threading::DISABLED), cluster(cluster),
        search(search) {
    context.loadDialect<moe::MoEDialect>();
    context.printOpOnDiagnostic(false);
    handler.emplace(&context, [this](Diagnostic &diag) {
      if (diag.getSeverity() == DiagnosticSeverity::Error && message.empty())
        message = diag.str();
      return success();
    });
    module = parseSourceString<ModuleOp>(modelText, &context);
    if (!module)
      return;
    model = *module->getOps<moe::ModelOp>().begin();
    FailureOr<ModelSummary> s =
        summarizeModel(model, search.base.seq, convention);
    if (succeeded(s))
      summary = *s;
    else
      model = nullptr;
  }
  bool ready() const { return bool(model); }

  /// The candidate's bounds; false when it is refused or cannot fit.
  bool bound(Candidate &candidate) {
    message.clear();
    FailureOr<PlanBounds> bounds =
        planBounds(model, cluster, candidate.request);
    if (failed(bounds)) {
      candidate.rejected = reason("invalid layout");
      return false;
    }
    candidate.bounds = *bounds;
    // What the runtime refuses from the layout alone is refused unplanned.
    if (search.runtime &&
        failed(checkParallelLayout(*search.runtime, model, bounds->layout))) {
      candidate.rejected = reason("the runtime cannot run it");
      return false;
    }
    int64_t capacity = cluster.device.memoryBytes.value;
    if (bounds->memoryBytes > capacity) {
      candidate.rejected = "cannot fit: weights, gradients and optimizer "
                           "state alone need " +
                           humanBytes(bounds->memoryBytes) + " per device of " +
                           humanBytes(capacity);
      candidate.pruned = true;
      return false;
    }
    return true;
  }

  void evaluate(Candidate &candidate) {
    message.clear();
    const PlanRequest &request = candidate.request;
    FailureOr<PlanResult> plan = evaluatePlan(model, cluster, request,
                                              /*recordTrace=*/false,
                                              /*verify=*/false);
    if (failed(plan)) {
      candidate.rejected = reason("planning failed");
      return;
    }
    FailureOr<PlanResult> rounded = failure();
    const PlanResult *runs = &*plan;
    // What the runtime runs: its recompute flags' rounding, priced again.
    if (search.runtime)
      if (std::optional<RoundedMemory> rounding = roundedMemoryOf(*plan)) {
        rounded = evaluateRounded(model, cluster, request, *plan, *rounding,
                                  /*verify=*/false);
        if (failed(rounded)) {
          candidate.rejected = reason("rounding the memory decisions failed");
          return;
        }
        runs = &*rounded;
      }
    candidate.evaluated = true;
    candidate.layout = runs->layout;
    candidate.pipeline = runs->pipeline.megatronString();
    candidate.metrics = computeMetrics(summary, cluster, *runs);
    candidate.computeTime = runs->simulation.computeTime;
    candidate.exposedCommTime = runs->simulation.exposedCommTime;
    candidate.bubbleTime = runs->simulation.bubbleTime;
    if (search.runtime) {
      Report report{summary, &cluster, runs};
      if (failed(writeLaunchArgs(*search.runtime, model, report,
                                 llvm::nulls()))) {
        candidate.rejected = reason("the runtime cannot run it");
        return;
      }
    }
    const PlanMetrics &m = candidate.metrics;
    if (m.peakBytes > m.capacityBytes)
      candidate.rejected = "does not fit: stage " + std::to_string(m.peakStage) +
                           " needs " + humanBytes(m.peakBytes) + " of " +
                           humanBytes(m.capacityBytes);
  }

private:
  /// The error the passes emitted, on one line, else `fallback`.
  std::string reason(StringRef fallback) const {
    std::string text = message.empty() ? fallback.str() : message;
    llvm::replace(text, '\n', ' ');
    return text;
  }

  MLIRContext context;
  const ClusterSpec &cluster;
  const SearchRequest &search;
  std::optional<ScopedDiagnosticHandler> handler;
  std::string message;
  OwningOpRef<ModuleOp> module;
  moe::ModelOp model;
  ModelSummary summary;
};

/// Better for `objective`: more tokens/s per device, or less memory then
/// more tokens/s; ties keep enumeration order (the caller's stable sort).
bool better(const Candidate &a, const Candidate &b, SearchObjective objective) {
  if (objective == SearchObjective::Memory &&
      a.metrics.peakBytes != b.metrics.peakBytes)
    return a.metrics.peakBytes < b.metrics.peakBytes;
  return a.metrics.tokensPerSecondPerDevice > b.metrics.tokensPerSecondPerDevice;
}
} // namespace

FailureOr<SearchResult>
searchLayouts(moe::ModelOp model, const ClusterSpec &cluster,
              const SearchRequest &search, FlopsConvention convention,
              llvm::function_ref<void(const SearchProgress &)> progress) {
  SearchResult result;
  for (PlanRequest &request : enumerateCandidates(model, cluster, search))
    result.candidates.push_back(Candidate{std::move(request)});
  if (result.candidates.empty())
    return model.emitError("the search space is empty: no layout of the open "
                           "dimensions divides ")
           << cluster.devices << " devices with the fixed ones";

  std::string modelText;
  {
    llvm::raw_string_ostream os(modelText);
    model->print(os);
  }
  unsigned threads = std::max(1u, search.threads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.push_back(
        std::make_unique<Worker>(modelText, cluster, search, convention));
    if (!workers.back()->ready())
      return model.emitError("the search could not copy the model into a "
                             "worker's context");
  }

  std::atomic<size_t> done{0}, valid{0};
  std::mutex bestMutex;
  double best = 0;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  // Progress from whichever worker finishes a candidate, at most every
  // tenth of a second, and once at the end.
  double reported = -1;
  auto report = [&](bool last = false) {
    if (!progress)
      return;
    std::lock_guard<std::mutex> lock(bestMutex);
    double now = elapsed();
    if (!last && now - reported < 0.1)
      return;
    reported = now;
    progress(SearchProgress{done.load(), result.candidates.size(),
                            valid.load(), best, now});
  };
  // Runs `work` on every index of `indices`, each worker taking the next;
  // results land in the candidates' own slots, so the outcome does not
  // depend on the thread count or timing.
  auto parallel = [&](llvm::ArrayRef<size_t> indices,
                      llvm::function_ref<void(Worker &, Candidate &)> work) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (std::unique_ptr<Worker> &worker : workers)
      pool.emplace_back([&, w = worker.get()] {
        for (size_t i; (i = next++) < indices.size();) {
          work(*w, result.candidates[indices[i]]);
          report();
        }
      });
    for (std::thread &thread : pool)
      thread.join();
  };

  // First the bounds: refusals and what cannot fit go no further.
  std::vector<size_t> all(result.candidates.size());
  std::iota(all.begin(), all.end(), 0);
  parallel(all, [&](Worker &w, Candidate &c) {
    if (!w.bound(c))
      ++done;
  });

  // Then the candidates in the order of their step bound, fastest first,
  // in batches of a fixed size: a candidate whose bound is slower than the
  // best plan of the batches before cannot win and is not priced. The
  // batches and the order do not depend on the threads either.
  std::vector<size_t> order;
  for (size_t i : all)
    if (result.candidates[i].rejected.empty())
      order.push_back(i);
  llvm::stable_sort(order, [&](size_t a, size_t b) {
    return result.candidates[a].bounds.stepSeconds <
           result.candidates[b].bounds.stepSeconds;
  });
  constexpr size_t kBatch = 16;
  double bestStep = std::numeric_limits<double>::infinity();
  for (size_t from = 0; from < order.size(); from += kBatch) {
    std::vector<size_t> batch;
    for (size_t i : llvm::ArrayRef(order).slice(
             from, std::min(kBatch, order.size() - from))) {
      Candidate &c = result.candidates[i];
      if (search.objective == SearchObjective::Throughput &&
          c.bounds.stepSeconds > bestStep) {
        c.rejected = "cannot beat the best: its step takes at least " +
                     llvm::formatv("{0:f3}", c.bounds.stepSeconds).str() +
                     " s, the best plan's " +
                     llvm::formatv("{0:f3}", bestStep).str() + " s";
        c.pruned = true;
        ++done;
        continue;
      }
      batch.push_back(i);
    }
    parallel(batch, [&](Worker &w, Candidate &c) {
      w.evaluate(c);
      if (c.rejected.empty()) {
        ++valid;
        std::lock_guard<std::mutex> lock(bestMutex);
        best = std::max(best, c.metrics.tokensPerSecondPerDevice);
      }
      ++done;
    });
    for (size_t i : batch)
      if (result.candidates[i].rejected.empty())
        bestStep = std::min(bestStep, result.candidates[i].metrics.stepTime);
  }
  result.seconds = elapsed();
  report(/*last=*/true);

  for (auto [i, candidate] : llvm::enumerate(result.candidates)) {
    result.evaluated += candidate.evaluated;
    result.pruned += candidate.pruned;
    if (candidate.rejected.empty())
      result.ranking.push_back(i);
  }
  llvm::stable_sort(result.ranking, [&](size_t a, size_t b) {
    return better(result.candidates[a], result.candidates[b], search.objective);
  });
  // The front: by memory, least first; a plan stays when no plan with as
  // little memory is as fast.
  std::vector<size_t> byMemory = result.ranking;
  llvm::stable_sort(byMemory, [&](size_t a, size_t b) {
    const PlanMetrics &x = result.candidates[a].metrics,
                      &y = result.candidates[b].metrics;
    if (x.peakBytes != y.peakBytes)
      return x.peakBytes < y.peakBytes;
    return x.tokensPerSecondPerDevice > y.tokensPerSecondPerDevice;
  });
  double fastest = -1;
  for (size_t i : byMemory)
    if (result.candidates[i].metrics.tokensPerSecondPerDevice > fastest) {
      fastest = result.candidates[i].metrics.tokensPerSecondPerDevice;
      result.pareto.push_back(i);
    }
  return result;
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

std::string candidateFlags(const Candidate &candidate) {
  const PlanRequest &r = candidate.request;
  std::string flags;
  llvm::raw_string_ostream os(flags);
  for (auto [name, value] :
       {std::pair<StringRef, std::optional<int64_t>>{"tp", r.tp},
        {"pp", r.pp},
        {"vpp", r.vpp},
        {"ep", r.ep},
        {"etp", r.etp},
        {"cp", r.cp}})
    if (value)
      os << "--" << name << "=" << *value << " ";
  os << "--micro-batch=" << r.microBatch;
  if (r.tpExtendEp)
    os << " --tp-extend-ep";
  if (r.hierarchicalA2a)
    os << " --hierarchical-a2a";
  if (r.fbOverlap && *r.fbOverlap)
    os << " --fb-overlap";
  if (r.distributedOptimizer)
    os << " --distributed-optimizer";
  os << " --recompute=" << r.recompute;
  return flags;
}

namespace {
std::string gib(double bytes) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.1f", bytes / (1ull << 30));
  return text;
}

} // namespace

std::string csvField(StringRef text) {
  if (!text.contains(',') && !text.contains('"') && !text.contains('\n'))
    return text.str();
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"')
      quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void writeSearchTable(const SearchResult &result, const ClusterSpec &cluster,
                      size_t count, llvm::raw_ostream &os) {
  size_t total = result.candidates.size();
  os << "Search: " << total << " candidates, " << result.ranking.size()
     << " valid, " << result.evaluated << " priced by the interpreter, "
     << result.pruned << " pruned by a bound, "
     << total - result.ranking.size() << " rejected ("
     << llvm::format("%.1f", result.seconds) << " s, "
     << llvm::format("%.0f", result.evaluated / std::max(result.seconds, 1e-9))
     << " evaluations/s)\n";
  if (result.ranking.empty()) {
    os << "No candidate fits on " << cluster.devices << " x "
       << cluster.preset << "; the CSV (--search-csv) says why each failed.\n";
    return;
  }
  auto row = [&](size_t rank, const Candidate &c) {
    const ParallelLayout &l = c.layout;
    os << llvm::format("%4zu  %9.1f  %6.2f  %5.1f%%  %6s GiB  ", rank,
                       c.metrics.tokensPerSecondPerDevice, c.metrics.stepTime,
                       100 * c.metrics.mfu, gib(c.metrics.peakBytes).c_str())
       << llvm::format("%6.2f %6.2f %6.2f  ", c.computeTime, c.exposedCommTime,
                       c.bubbleTime)
       << "TP" << l.tp << " PP" << l.pp << " VPP" << l.vpp << " EP" << l.ep
       << " ETP" << l.etp << " CP" << l.cp << " DP" << l.dp << " mb"
       << l.microBatch << (l.tpExtendEp ? " tp-ext-ep" : "")
       << (l.hierarchicalA2a ? " hier-a2a" : "")
       << (l.fbOverlap ? " fb-overlap" : "")
       << (l.distributedOptimizer ? " dist-opt" : "") << " recompute "
       << l.recompute << "\n";
  };
  os << "\nBest plans (tokens/s per device; step, compute, exposed "
        "communication and bubble in s)\n"
     << "rank  tokens/s/dev  step    MFU     peak       comp   comm   bubble  "
        "layout\n";
  for (size_t rank = 0; rank < std::min(count, result.ranking.size()); ++rank)
    row(rank + 1, result.candidates[result.ranking[rank]]);
  os << "\nPareto front (tokens/s per device against peak memory)\n";
  for (size_t i : result.pareto) {
    size_t rank = llvm::find(result.ranking, i) - result.ranking.begin();
    row(rank + 1, result.candidates[i]);
  }
  os << "\nBest plan's flags: "
     << candidateFlags(result.candidates[result.ranking.front()]) << "\n";
}

void writeSearchCSV(const SearchResult &result, llvm::raw_ostream &os) {
  os << "candidate,tp,pp,vpp,ep,etp,cp,dp,micro_batch,tp_extend_ep,"
        "hierarchical_a2a,fb_overlap,distributed_optimizer,recompute,"
        "pipeline,step_time_s,tokens_per_s_per_device,mfu,peak_bytes,"
        "capacity_bytes,memory_bound_bytes,step_bound_s,compute_s,"
        "exposed_comm_s,bubble_s,"
        "rank,pareto,"
        "rejected\n";
  std::vector<size_t> rankOf(result.candidates.size(), 0);
  for (auto [rank, i] : llvm::enumerate(result.ranking))
    rankOf[i] = rank + 1;
  for (auto [i, c] : llvm::enumerate(result.candidates)) {
    const PlanRequest &r = c.request;
    bool ok = c.rejected.empty();
    auto size = [&](std::optional<int64_t> v) {
      return v ? std::to_string(*v) : std::string();
    };
    os << i << "," << size(r.tp) << "," << size(r.pp) << "," << size(r.vpp)
       << "," << size(r.ep) << "," << size(r.etp) << "," << size(r.cp) << ","
       << (c.evaluated ? std::to_string(c.layout.dp) : "") << ","
       << r.microBatch << "," << r.tpExtendEp << "," << r.hierarchicalA2a
       << "," << (r.fbOverlap && *r.fbOverlap) << "," << r.distributedOptimizer
       << "," << r.recompute << "," << csvField(c.pipeline) << ",";
    if (c.evaluated)
      os << llvm::format("%.6g", c.metrics.stepTime);
    os << ",";
    if (ok)
      os << llvm::format("%.6g", c.metrics.tokensPerSecondPerDevice);
    os << ",";
    if (c.evaluated)
      os << llvm::format("%.6g", c.metrics.mfu) << "," << c.metrics.peakBytes
         << "," << c.metrics.capacityBytes << "," << c.bounds.memoryBytes << ","
         << llvm::format("%.6g", c.bounds.stepSeconds) << ","
         << llvm::format("%.6g,%.6g,%.6g", c.computeTime, c.exposedCommTime,
                         c.bubbleTime);
    else if (c.bounds.memoryBytes)
      os << ",,," << c.bounds.memoryBytes << ","
         << llvm::format("%.6g", c.bounds.stepSeconds) << ",,,";
    else
      os << ",,,,,,,";
    os << "," << (ok ? std::to_string(rankOf[i]) : "") << ","
       << (llvm::is_contained(result.pareto, i) ? "1" : "0") << ","
       << csvField(c.rejected) << "\n";
  }
}

} // namespace moeplan
