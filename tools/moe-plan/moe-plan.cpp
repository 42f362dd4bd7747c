//===- moe-plan.cpp - plan the training of a model and report it ----------===//
//
// Thin driver: parses flags, loads the model (a `moe` dialect file or a
// Hugging Face config.json), and prints the report. The work is in lib/.
//
//===----------------------------------------------------------------------===//

#include "dialects/moe/MoEDialect.h"
#include "moeplan/Export/ChromeTrace.h"
#include "moeplan/Export/LaunchArgs.h"
#include "moeplan/Export/PlanJSON.h"
#include "moeplan/Export/Report.h"
#include "moeplan/Import/HFConfigImport.h"
#include "moeplan/Search/ArchSearch.h"
#include "moeplan/Search/LayoutSearch.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <limits>
#include <thread>

using namespace mlir;
using namespace moeplan;
namespace cl = llvm::cl;

namespace {
enum class OutputFormat { Text, JSON };

cl::OptionCategory category("moe-plan options");
cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.mlir | config.json>"),
                               cl::cat(category));
cl::opt<std::string> clusterSpec(
    "cluster",
    cl::desc("Cluster: PRESET[:DEVICES] or FILE.json[:DEVICES] "
             "(presets: ascend-910b, ascend-910c, a100-40g, a100-80g, "
             "h100-sxm, h800, h200, b200, gb200). Without it, only the model "
             "is reported"),
    cl::value_desc("spec"), cl::cat(category));
cl::opt<int64_t> seqLength(
    "seq", cl::desc("Sequence length in tokens (required with --cluster; "
                    "4096 for a model-only report)"),
    cl::cat(category));
cl::opt<int64_t> globalBatch("global-batch",
                             cl::desc("Sequences per optimizer step"),
                             cl::cat(category));
cl::opt<int64_t> microBatch("micro-batch",
                            cl::desc("Sequences per micro-batch"),
                            cl::cat(category));
cl::opt<int64_t> tensorParallel("tp", cl::desc("Tensor-parallel size"),
                                cl::cat(category));
cl::opt<int64_t> pipelineParallel("pp", cl::desc("Pipeline-parallel size"),
                                  cl::cat(category));
cl::opt<int64_t> virtualPipeline(
    "vpp", cl::desc("Virtual pipeline stages (model chunks) per pipeline rank"),
    cl::cat(category));
cl::opt<int64_t> expertParallel("ep", cl::desc("Expert-parallel size"),
                                cl::cat(category));
cl::opt<int64_t> expertTensorParallel(
    "etp", cl::desc("Expert tensor-parallel size (default: TP, or 1 with "
                    "--tp-extend-ep)"),
    cl::cat(category));
cl::opt<int64_t> contextParallel("cp", cl::desc("Context-parallel size"),
                                 cl::cat(category));
cl::opt<bool> sequenceParallel(
    "sp", cl::desc("Sequence parallelism (default: on when TP > 1)"),
    cl::cat(category));
cl::opt<bool> tpExtendEp(
    "tp-extend-ep",
    cl::desc("Spread experts over TP x EP ranks instead of splitting each "
             "expert by TP (MindSpeed --moe-tp-extend-ep)"),
    cl::cat(category));
cl::opt<bool> hierarchicalA2a(
    "hierarchical-a2a",
    cl::desc("Dispatch tokens with an all-gather across nodes and an "
             "all-to-all within the node (MindSpeed "
             "--moe-hierarchical-alltoallv)"),
    cl::cat(category));
cl::opt<std::string> attentionCore(
    "attention",
    cl::desc("Attention core: flash (default), or unfused (Megatron before "
             "flash attention: scores in HBM, softmax and dropout kernels)"),
    cl::init("flash"), cl::cat(category));
cl::opt<std::string> pipelineLayout(
    "pipeline-layout",
    cl::desc("Megatron --pipeline-model-parallel-layout string to use instead "
             "of balancing the stages, e.g. 'Et|(tt|)*30L'"),
    cl::cat(category));
cl::opt<std::string> precision(
    "precision",
    cl::desc("bf16 (default), or fp8: linear layers' GEMMs on the FP8 path "
             "(Transformer Engine's recipe); attention stays bf16"),
    cl::init("bf16"), cl::cat(category));
cl::opt<bool> fbOverlap(
    "fb-overlap",
    cl::desc("Overlap each steady-state backward with the next forward so "
             "one micro-batch's communication hides under the other's "
             "compute (the paper's adaptive pipe overlap; MindSpeed "
             "--moe-fb-overlap)"),
    cl::cat(category));
cl::opt<double> routingSkew(
    "routing-skew",
    cl::desc("Coefficient of variation of the tokens each expert receives "
             "(default: the published measurements, docs/load-imbalance.md)"),
    cl::cat(category));
cl::opt<std::string> recompute(
    "recompute",
    cl::desc("Activation recompute: none, selective (core attention), full "
             "(every layer), or auto (per saved tensor and stage, the least "
             "added time that fits: moe-select-memory)"),
    cl::init("none"), cl::cat(category));
cl::opt<bool> swapTensors(
    "swap",
    cl::desc("With --recompute=auto, let tensors go to host memory between "
             "forward and backward where the host link hides it (default "
             "true; --swap=false forbids it)"),
    cl::init(true), cl::cat(category));
cl::opt<bool> distributedOptimizer(
    "distributed-optimizer",
    cl::desc("Shard optimizer state over data-parallel replicas (ZeRO-1)"),
    cl::cat(category));
cl::opt<std::string> traceFile(
    "emit-trace", cl::desc("Write the simulated step as a Chrome trace"),
    cl::value_desc("FILE"), cl::cat(category));
cl::opt<std::string> planFile(
    "emit-plan", cl::desc("Write the plan as moe-plan/1 JSON (docs/plan-schema.md)"),
    cl::value_desc("FILE"), cl::cat(category));
cl::opt<std::string> mindspeedFile(
    "emit-mindspeed",
    cl::desc("Write the MindSpeed-LLM launch arguments (docs/launch-args.md)"),
    cl::value_desc("FILE"), cl::cat(category));
cl::opt<std::string> megatronFile(
    "emit-megatron",
    cl::desc("Write the Megatron-LM launch arguments (docs/launch-args.md)"),
    cl::value_desc("FILE"), cl::cat(category));
cl::opt<bool> allowOOM(
    "allow-oom",
    cl::desc("Write --emit-* files for a plan that does not fit in memory "
             "(without it, that is an error naming the stage and the "
             "shortfall)"),
    cl::cat(category));
cl::opt<OutputFormat> outputFormat(
    "format", cl::desc("Report format"), cl::init(OutputFormat::Text),
    cl::values(clEnumValN(OutputFormat::Text, "text", "aligned text for people"),
               clEnumValN(OutputFormat::JSON, "json", "the moe-report/1 JSON")),
    cl::cat(category));
cl::opt<std::string> flopsConventionName(
    "flops-convention",
    cl::desc("FLOPs-per-token convention: megatron-core (default), "
             "megatron-core-legacy, narayanan-hardware, palm, 6n-active"),
    cl::init("megatron-core"), cl::cat(category));
cl::opt<bool> searchLayouts_(
    "search",
    cl::desc("Search the layouts: every dimension and option not given on "
             "the command line (TP, PP, VPP, EP, ETP, CP, micro-batch, "
             "TP-extended EP, hierarchical all-to-all, distributed optimizer, "
             "forward/backward overlap) is enumerated and each candidate "
             "planned and priced as a single plan is; the best is reported "
             "(docs/search.md)"),
    cl::cat(category));
cl::opt<std::string> searchCSV(
    "search-csv",
    cl::desc("With --search, write every candidate with its prediction or "
             "why it was rejected"),
    cl::value_desc("FILE"), cl::cat(category));
cl::opt<std::string> objective(
    "objective",
    cl::desc("With --search: throughput (default: most tokens/s per device "
             "that fits) or memory (least peak memory; recompute full unless "
             "--recompute is given)"),
    cl::init("throughput"), cl::cat(category));
cl::opt<int64_t> maxTp("max-tp",
                       cl::desc("With --search, the largest TP to try "
                                "(default: the node size)"),
                       cl::cat(category));
cl::opt<std::string> runtimeName_(
    "runtime",
    cl::desc("With --search, keep only plans this runtime can run, priced as "
             "its flags run them: mindspeed or megatron"),
    cl::cat(category));
cl::opt<unsigned> threads(
    "threads",
    cl::desc("With --search, threads to evaluate with (default: the "
             "machine's cores; the result does not depend on it)"),
    cl::cat(category));
cl::opt<unsigned> topPlans("top",
                           cl::desc("With --search, plans to list (default 10)"),
                           cl::init(10), cl::cat(category));
cl::opt<bool> searchArch(
    "search-arch",
    cl::desc("Search model shapes around the model: decoder layers, hidden "
             "size, routed experts, top-k and expert width within "
             "--arch-budget, each at its best layout of the --search space "
             "(the flags given fix it); ranks the shapes by tokens/s per "
             "device (docs/search.md)"),
    cl::cat(category));
cl::opt<std::string> archBudget(
    "arch-budget",
    cl::desc("With --search-arch, the parameters the shapes keep: total "
             "(default) or active"),
    cl::init("total"), cl::cat(category));
cl::opt<double> archTolerance(
    "arch-tolerance",
    cl::desc("With --search-arch, how far a shape's parameters may be from "
             "the model's, a fraction (default 0.1)"),
    cl::init(0.1), cl::cat(category));
cl::opt<std::string> outputPath("o", cl::desc("Write the report to FILE"),
                                cl::value_desc("FILE"), cl::init("-"),
                                cl::cat(category));

int fail(const llvm::Twine &message) {
  llvm::errs() << "moe-plan: error: " << message << "\n";
  return 1;
}

/// Loads the model file: a config.json goes through the importer, anything
/// else through the MLIR parser. Diagnostics go to stderr with locations.
OwningOpRef<ModuleOp> loadModel(llvm::SourceMgr &sourceMgr,
                                MLIRContext &context) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  llvm::StringRef text = buffer->getBuffer();
  bool isJSON = llvm::StringRef(modelPath).ends_with(".json") ||
                text.ltrim().starts_with("{");
  if (isJSON)
    return importHFConfig(text, modelPath, &context);
  return parseSourceFile<ModuleOp>(sourceMgr, &context);
}
/// The threads a search runs on: --threads, else the machine's cores.
unsigned searchThreads() {
  return threads.getNumOccurrences()
             ? threads.getValue()
             : std::max(1u, std::thread::hardware_concurrency());
}

/// The search space the flags leave open around `request`.
SearchRequest searchRequestOf(const PlanRequest &request,
                              std::optional<Runtime> runtime) {
  SearchRequest search;
  search.base = request;
  auto given = [](const cl::opt<int64_t> &option) -> std::optional<int64_t> {
    if (option.getNumOccurrences())
      return option.getValue();
    return std::nullopt;
  };
  auto givenFlag = [](const cl::opt<bool> &option) -> std::optional<bool> {
    if (option.getNumOccurrences())
      return option.getValue();
    return std::nullopt;
  };
  search.tp = given(tensorParallel);
  search.pp = given(pipelineParallel);
  search.vpp = given(virtualPipeline);
  search.ep = given(expertParallel);
  search.etp = given(expertTensorParallel);
  search.cp = given(contextParallel);
  search.microBatch = given(microBatch);
  search.tpExtendEp = givenFlag(tpExtendEp);
  search.hierarchicalA2a = givenFlag(hierarchicalA2a);
  search.distributedOptimizer = givenFlag(distributedOptimizer);
  search.fbOverlap = givenFlag(fbOverlap);
  if (recompute.getNumOccurrences())
    search.recompute = recompute.getValue();
  search.objective = objective == "memory" ? SearchObjective::Memory
                                           : SearchObjective::Throughput;
  search.maxTp = maxTp;
  search.runtime = runtime;
  search.threads = searchThreads();
  return search;
}

/// Runs the layout search around `request` (the flags given fix their
/// dimension), writes the CSV and the table, and returns the best plan's
/// request.
FailureOr<PlanRequest> searchFor(const PlanRequest &request, moe::ModelOp model,
                                 const ClusterSpec &cluster,
                                 FlopsConvention convention,
                                 std::optional<Runtime> runtime,
                                 std::string &table) {
  SearchRequest search = searchRequestOf(request, runtime);

  // A progress line on a terminal: done, valid, best so far, rate.
  bool terminal = llvm::sys::Process::StandardErrIsDisplayed();
  auto progress = [&](const SearchProgress &p) {
    if (!terminal)
      return;
    llvm::errs() << llvm::format(
        "\rsearch: %zu/%zu candidates, %zu valid, best %.1f tokens/s per "
        "device, %.0f/s ",
        p.done, p.total, p.valid, p.bestTokensPerDevice,
        p.done / std::max(p.seconds, 1e-9));
    if (p.done == p.total)
      llvm::errs() << "\n";
  };
  FailureOr<SearchResult> result =
      searchLayouts(model, cluster, search, convention, progress);
  if (failed(result))
    return failure();
  if (!searchCSV.empty()) {
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> file =
        openOutputFile(searchCSV, &error);
    if (!file) {
      fail(error);
      return failure();
    }
    writeSearchCSV(*result, file->os());
    file->keep();
  }
  llvm::raw_string_ostream os(table);
  writeSearchTable(*result, cluster, topPlans, os);
  if (result->ranking.empty()) {
    // The nearest miss says what to change: the least memory any needs.
    int64_t outOfMemory = 0, least = std::numeric_limits<int64_t>::max();
    for (const Candidate &c : result->candidates)
      if (c.pruned ||
          (c.evaluated && c.metrics.peakBytes > c.metrics.capacityBytes)) {
        ++outOfMemory;
        least = std::min(least, c.evaluated ? c.metrics.peakBytes
                                            : c.bounds.memoryBytes);
      }
    std::string why =
        outOfMemory
            ? std::to_string(outOfMemory) + " do not fit in memory (the "
                  "least needs " + humanBytes(least) + " of " +
                  humanBytes(cluster.device.memoryBytes.value) + "), "
            : std::string();
    fail("no candidate of the search fits: of " +
         llvm::Twine(result->candidates.size()) + ", " + why +
         llvm::Twine(result->candidates.size() - outOfMemory) +
         " are refused (invalid layouts, or what the runtime cannot run)" +
         (searchCSV.empty() ? "; --search-csv=FILE lists each reason"
                            : "; " + searchCSV + " lists each reason"));
    return failure();
  }
  return result->candidates[result->ranking.front()].request;
}

/// The parallel sizes a plan leaves out (by flag and in the model's
/// moe.layout) are chosen by the layout search over them, the given ones
/// and every other setting as given, and what emitted launch arguments'
/// runtime runs; `note` says so. Nullopt when every size is given, on one
/// device, with a pipeline layout string, or when no searched layout fits:
/// then Megatron's defaults are planned, and their report says what is
/// wrong.
std::optional<PlanRequest> chooseSizes(const PlanRequest &request,
                                       moe::ModelOp model,
                                       const ClusterSpec &cluster,
                                       FlopsConvention convention,
                                       std::string &note) {
  if (!request.pipelineLayout.empty())
    return std::nullopt;
  SearchRequest search;
  search.base = request;
  search.tp = request.tp;
  search.pp = request.pp;
  search.vpp = request.vpp;
  search.ep = request.ep;
  search.etp = request.etp;
  search.cp = request.cp;
  search.microBatch = request.microBatch;
  search.tpExtendEp = request.tpExtendEp;
  search.hierarchicalA2a = request.hierarchicalA2a;
  search.distributedOptimizer = request.distributedOptimizer;
  search.fbOverlap = request.fbOverlap.value_or(false);
  search.recompute = request.recompute;
  // Launch arguments to write: only what that runtime runs.
  if (!mindspeedFile.empty())
    search.runtime = Runtime::MindSpeedLLM;
  else if (!megatronFile.empty())
    search.runtime = Runtime::MegatronLM;
  search.threads = searchThreads();
  // No size open, or one candidate (on one device, say), is what
  // Megatron's defaults give: nothing to choose.
  std::vector<llvm::StringRef> open = openSizes(model, search);
  if (open.empty() || enumerateCandidates(model, cluster, search).size() <= 1)
    return std::nullopt;
  // The search's own errors would name candidates; the defaults' report
  // names the problem better.
  ScopedDiagnosticHandler quiet(model.getContext(),
                                [](Diagnostic &) { return success(); });
  FailureOr<SearchResult> result =
      searchLayouts(model, cluster, search, convention);
  if (failed(result) || result->ranking.empty())
    return std::nullopt;
  const Candidate &best = result->candidates[result->ranking.front()];
  llvm::raw_string_ostream(note)
      << "Parallel sizes left out (" << llvm::join(open, ", ")
      << ") chosen by the layout search: the best of "
      << result->ranking.size() << " layouts that fit among "
      << result->candidates.size()
      << ", every other setting as given (--search explores those too; "
         "docs/search.md):\n  "
      << candidateFlags(best) << "\n";
  return best.request;
}

/// Runs the architecture search, writes its table to the output and the
/// CSV; fails when no shape has a plan that fits.
LogicalResult searchShapes(const PlanRequest &request, moe::ModelOp model,
                           const ClusterSpec &cluster,
                           FlopsConvention convention,
                           std::optional<Runtime> runtime) {
  SearchRequest search = searchRequestOf(request, runtime);
  ArchBudget budget{archBudget == "active", archTolerance};
  bool terminal = llvm::sys::Process::StandardErrIsDisplayed();
  auto progress = [&](size_t done, size_t total) {
    if (terminal)
      llvm::errs() << "\rsearch-arch: " << done << "/" << total << " shapes"
                   << (done == total ? "\n" : "");
  };
  FailureOr<ArchSearchResult> result =
      searchArchitectures(model, cluster, search, budget, convention, progress);
  if (failed(result))
    return failure();
  std::string error;
  if (!searchCSV.empty()) {
    std::unique_ptr<llvm::ToolOutputFile> file =
        openOutputFile(searchCSV, &error);
    if (!file) {
      fail(error);
      return failure();
    }
    writeArchCSV(*result, file->os());
    file->keep();
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output) {
    fail(error);
    return failure();
  }
  writeArchTable(*result, topPlans, output->os());
  output->keep();
  if (result->ranking.empty()) {
    fail("no shape of the architecture search has a plan that fits");
    return failure();
  }
  return success();
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "moe-plan: plans the training of an MoE model and reports it\n");

  bool planning = !clusterSpec.empty();
  if (planning) {
    for (auto [flag, option] :
         {std::pair<llvm::StringRef, cl::opt<int64_t> *>{"--seq", &seqLength},
          {"--global-batch", &globalBatch},
          {"--micro-batch", &microBatch}})
      if (!option->getNumOccurrences() &&
          !((searchLayouts_ || searchArch) && option == &microBatch))
        return fail(flag + " is required with --cluster");
  } else {
    for (llvm::StringRef flag :
         {"global-batch", "micro-batch", "tp", "pp", "vpp", "ep", "etp", "cp",
          "sp", "tp-extend-ep", "hierarchical-a2a", "routing-skew", "attention", "precision", "fb-overlap", "pipeline-layout", "emit-plan",
          "emit-mindspeed", "emit-megatron",
          "recompute", "swap", "distributed-optimizer", "emit-trace",
          "allow-oom", "search", "search-arch"})
      if (cl::getRegisteredOptions().lookup(flag)->getNumOccurrences())
        return fail("--" + flag + " needs a cluster to plan for: add --cluster");
  }
  if (!searchArch)
    for (llvm::StringRef flag : {"arch-budget", "arch-tolerance"})
      if (cl::getRegisteredOptions().lookup(flag)->getNumOccurrences())
        return fail("--" + flag + " is an option of the architecture "
                    "search: add --search-arch");
  if ((searchLayouts_ || searchArch) && pipelineLayout.getNumOccurrences())
    return fail("--pipeline-layout fixes the stages of one layout, and the "
                "search plans many: drop --pipeline-layout (moe-balance-stages "
                "places each candidate's stages) or --search");
  if (searchArch && searchLayouts_)
    return fail("--search-arch searches layouts for every shape; drop "
                "--search");
  if (archBudget != "total" && archBudget != "active")
    return fail("unknown --arch-budget '" + archBudget +
                "'; expected total or active");
  if (!(archTolerance > 0 && archTolerance < 1))
    return fail("--arch-tolerance must be a fraction between 0 and 1, got " +
                std::to_string(archTolerance.getValue()));
  if (searchArch)
    for (llvm::StringRef flag :
         {"emit-plan", "emit-trace", "emit-mindspeed", "emit-megatron",
          "format"})
      if (cl::getRegisteredOptions().lookup(flag)->getNumOccurrences())
        return fail("--search-arch writes a table of shapes and "
                    "--search-csv; --" + flag +
                    " is for one plan: run --search on the shape you pick");
  if (!searchLayouts_ && !searchArch)
    for (llvm::StringRef flag :
         {"search-csv", "objective", "max-tp", "runtime", "threads", "top"})
      if (cl::getRegisteredOptions().lookup(flag)->getNumOccurrences())
        return fail("--" + flag + " is an option of the layout search: add "
                    "--search");
  std::optional<Runtime> searchRuntime;
  if (runtimeName_ == "mindspeed")
    searchRuntime = Runtime::MindSpeedLLM;
  else if (runtimeName_ == "megatron")
    searchRuntime = Runtime::MegatronLM;
  else if (runtimeName_.getNumOccurrences())
    return fail("unknown --runtime '" + runtimeName_ +
                "'; expected mindspeed or megatron");
  if (objective != "throughput" && objective != "memory")
    return fail("unknown --objective '" + objective +
                "'; expected throughput or memory");
  if (maxTp.getNumOccurrences() && maxTp <= 0)
    return fail("--max-tp must be a positive number, got " +
                llvm::Twine(maxTp.getValue()));
  if (threads.getNumOccurrences() && (threads == 0 || threads > 256))
    return fail("--threads must be from 1 to 256, got " +
                llvm::Twine(threads.getValue()));
  int64_t seq = seqLength.getNumOccurrences() ? seqLength.getValue() : 4096;
  if (seq <= 0)
    return fail("--seq must be a positive number of tokens, got " +
                llvm::Twine(seq));
  if (recompute != "none" && recompute != "selective" && recompute != "full" &&
      recompute != "auto")
    return fail("unknown --recompute '" + recompute +
                "'; expected none, selective, full or auto");
  std::optional<FlopsConvention> convention =
      parseFlopsConvention(flopsConventionName);
  if (!convention)
    return fail("unknown --flops-convention '" + flopsConventionName +
                "'; expected megatron-core, megatron-core-legacy, "
                "narayanan-hardware, palm or 6n-active");

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(modelPath, &errorMessage);
  if (!input)
    return fail(errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());

  MLIRContext context;
  context.loadDialect<moe::MoEDialect>();
  // Errors name the problem; dumping the whole model after them would bury it.
  context.printOpOnDiagnostic(false);
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModel(sourceMgr, context);
  if (!module)
    return 1;

  auto models = llvm::to_vector(module->getOps<moe::ModelOp>());
  if (models.size() != 1)
    return fail(modelPath + " holds " + llvm::Twine(models.size()) +
                " 'moe.model' ops; moe-plan plans exactly one");

  FailureOr<ModelSummary> summary =
      summarizeModel(models.front(), seq, *convention);
  if (failed(summary))
    return 1;
  Report report{*summary};

  std::optional<ClusterSpec> cluster;
  std::string searchTable; ///< the search's table, before the report
  FailureOr<PlanResult> plan = failure();
  PlanRequest lastRequest; ///< what `plan` was asked with
  if (planning) {
    llvm::Expected<ClusterSpec> loaded = loadCluster(clusterSpec);
    if (!loaded)
      return fail(llvm::toString(loaded.takeError()));
    cluster = std::move(*loaded);
    PlanRequest request;
    request.seq = seq;
    request.globalBatch = globalBatch;
    request.microBatch = microBatch;
    for (auto [option, field] :
         {std::pair<cl::opt<int64_t> *, std::optional<int64_t> *>{
              &tensorParallel, &request.tp},
          {&pipelineParallel, &request.pp},
          {&virtualPipeline, &request.vpp},
          {&expertParallel, &request.ep},
          {&expertTensorParallel, &request.etp},
          {&contextParallel, &request.cp}}) {
      if (!option->getNumOccurrences())
        continue;
      if (option->getValue() <= 0)
        return fail("--" + option->ArgStr + " must be a positive number, got " +
                    llvm::Twine(option->getValue()));
      *field = option->getValue();
    }
    if (sequenceParallel.getNumOccurrences())
      request.sp = sequenceParallel;
    request.tpExtendEp = tpExtendEp;
    request.hierarchicalA2a = hierarchicalA2a;
    if (routingSkew.getNumOccurrences()) {
      if (!(routingSkew >= 0 && routingSkew <= 10))
        return fail("--routing-skew must be a coefficient of variation from "
                    "0 to 10, got " +
                    std::to_string(routingSkew.getValue()));
      request.routingSkew = routingSkew;
    }
    request.recompute = recompute;
    if (swapTensors.getNumOccurrences() && recompute != "auto")
      return fail("--swap lets --recompute=auto choose host swapping; add "
                  "--recompute=auto");
    request.swap = swapTensors;
    // Left out, the model's own #moe.training decides (else flash, bf16).
    if (attentionCore.getNumOccurrences() && attentionCore != "flash" &&
        attentionCore != "unfused")
      return fail("unknown --attention '" + attentionCore +
                  "'; expected flash or unfused");
    if (attentionCore.getNumOccurrences())
      request.attention = attentionCore;
    if (precision.getNumOccurrences() && precision != "bf16" &&
        precision != "fp8")
      return fail("unknown --precision '" + precision +
                  "'; expected bf16 or fp8");
    if (precision.getNumOccurrences())
      request.precision = precision;
    if (fbOverlap.getNumOccurrences())
      request.fbOverlap = fbOverlap;
    request.pipelineLayout = pipelineLayout;
    request.distributedOptimizer = distributedOptimizer;
    if (searchArch)
      return failed(searchShapes(request, models.front(), *cluster,
                                 *convention, searchRuntime));
    if (searchLayouts_) {
      FailureOr<PlanRequest> best = searchFor(request, models.front(),
                                              *cluster, *convention,
                                              searchRuntime, searchTable);
      if (failed(best))
        return 1;
      request = *best;
    } else if (std::optional<PlanRequest> chosen = chooseSizes(
                   request, models.front(), *cluster, *convention,
                   searchTable)) {
      request = *chosen;
    }
    lastRequest = request;
    plan = evaluatePlan(models.front(), *cluster, request,
                        /*recordTrace=*/!traceFile.empty());
    if (failed(plan))
      return 1;
    report.cluster = &*cluster;
    report.plan = &*plan;
  }

  // Launch arguments run what the runtime's flags can express: per-tensor
  // memory decisions are rounded and the rounded plan is priced again, so
  // the script's header predicts what it will run.
  FailureOr<PlanResult> rounded = failure();
  Report launchReport = report;
  bool launching = !mindspeedFile.empty() || !megatronFile.empty();
  if (planning && launching)
    if (std::optional<RoundedMemory> rounding = roundedMemoryOf(*plan)) {
      rounded = evaluateRounded(models.front(), *cluster, lastRequest, *plan,
                                *rounding);
      if (failed(rounded))
        return 1;
      launchReport.plan = &*rounded;
    }

  // A plan that does not fit is a result for the report, but files that
  // would run it are written only on request: the plan and trace for the
  // plan, launch arguments for what they run.
  auto fits = [&](const PlanResult &candidate, llvm::StringRef what) -> bool {
    PlanMetrics m = computeMetrics(report.model, *cluster, candidate);
    if (m.peakBytes <= m.capacityBytes)
      return true;
    fail(what + " does not fit: stage " + llvm::Twine(m.peakStage) +
         " needs " + humanBytes(m.peakBytes) + " of " +
         humanBytes(m.capacityBytes) + ", " +
         humanBytes(m.peakBytes - m.capacityBytes) +
         " short; change the plan (--recompute=auto frees activations), or "
         "add --allow-oom to write the files anyway");
    return false;
  };
  if (planning && !allowOOM) {
    if ((!traceFile.empty() || !planFile.empty()) && !fits(*plan, "the plan"))
      return 1;
    if (launching &&
        !fits(*launchReport.plan, succeeded(rounded)
                                      ? "the plan as the launch arguments "
                                        "round its memory decisions"
                                      : "the plan"))
      return 1;
  }

  // The files a user runs or inspects besides the report.
  auto emit = [&](const std::string &path,
                  llvm::function_ref<LogicalResult(llvm::raw_ostream &)> write)
      -> LogicalResult {
    if (path.empty())
      return success();
    std::unique_ptr<llvm::ToolOutputFile> file =
        openOutputFile(path, &errorMessage);
    if (!file) {
      fail(errorMessage);
      return failure();
    }
    if (failed(write(file->os())))
      return failure();
    file->keep();
    return success();
  };
  if (planning &&
      (failed(emit(traceFile,
                   [&](llvm::raw_ostream &os) {
                     writeChromeTrace(plan->simulation, os);
                     return success();
                   })) ||
       failed(emit(planFile,
                   [&](llvm::raw_ostream &os) {
                     writePlanJSON(report, os);
                     return success();
                   })) ||
       failed(emit(mindspeedFile,
                   [&](llvm::raw_ostream &os) {
                     return writeLaunchArgs(Runtime::MindSpeedLLM,
                                            models.front(), launchReport, os);
                   })) ||
       failed(emit(megatronFile, [&](llvm::raw_ostream &os) {
         return writeLaunchArgs(Runtime::MegatronLM, models.front(),
                                launchReport, os);
       }))))
    return 1;

  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &errorMessage);
  if (!output)
    return fail(errorMessage);
  if (outputFormat == OutputFormat::Text && !searchTable.empty())
    output->os() << searchTable << "\n";
  if (outputFormat == OutputFormat::JSON)
    writeReportJSON(report, output->os());
  else
    writeReportText(report, output->os());
  output->keep();
  return 0;
}
