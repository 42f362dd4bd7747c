//===- moe-plan.cpp - plan the training of a model and report it ----------===//
//
// Thin driver: parses flags, loads the model (a `moe` dialect file or a
// Hugging Face config.json), and prints the report. The work is in lib/.
//
//===----------------------------------------------------------------------===//

#include "dialects/moe/MoEDialect.h"
#include "moeplan/Export/Report.h"
#include "moeplan/Import/HFConfigImport.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace moeplan;
namespace cl = llvm::cl;

namespace {
enum class OutputFormat { Text, JSON };

cl::OptionCategory category("moe-plan options");
cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.mlir | config.json>"),
                               cl::cat(category));
cl::opt<int64_t> seqLength("seq", cl::desc("Sequence length in tokens"),
                           cl::init(4096), cl::cat(category));
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
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "moe-plan: plans the training of an MoE model and reports it\n");

  if (seqLength <= 0)
    return fail("--seq must be a positive number of tokens, got " +
                llvm::Twine(seqLength.getValue()));
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
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModel(sourceMgr, context);
  if (!module)
    return 1;

  auto models = llvm::to_vector(module->getOps<moe::ModelOp>());
  if (models.size() != 1)
    return fail(modelPath + " holds " + llvm::Twine(models.size()) +
                " 'moe.model' ops; moe-plan plans exactly one");

  FailureOr<ModelSummary> summary =
      summarizeModel(models.front(), seqLength, *convention);
  if (failed(summary))
    return 1;
  Report report{*summary};

  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &errorMessage);
  if (!output)
    return fail(errorMessage);
  if (outputFormat == OutputFormat::JSON)
    writeReportJSON(report, output->os());
  else
    writeReportText(report, output->os());
  output->keep();
  return 0;
}
