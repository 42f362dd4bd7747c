//===- HFConfigImport.cpp - Hugging Face config.json to the moe dialect ---===//
//
// Import is two steps. A reader per `model_type` (HFModelTypes.cpp) turns the
// config into a ModelSpec: plain sizes, and for each layer a dense or MoE
// feed-forward part, with every key checked and every Hugging Face default
// recorded. This file picks the reader, names the model, turns the ModelSpec
// into a `moe.model` and verifies it.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Import/HFConfigImport.h"
#include "dialects/moe/MoEConstants.h"

#include "ModelSpec.h"

#include "dialects/moe/MoEDialect.h"
#include "dialects/moe/MoEOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SourceMgr.h"

#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::moe;
using namespace moeplan::detail;

//===----------------------------------------------------------------------===//
// Model types and naming
//===----------------------------------------------------------------------===//

namespace {
struct ModelTypeEntry {
  llvm::StringLiteral name;
  SpecReader read;
};
} // namespace

/// Every supported `model_type`, sorted by name.
static const ModelTypeEntry kModelTypes[] = {
    {"deepseek_v2", readDeepseekV2},
    {"deepseek_v3", readDeepseekV3},
    {"gpt2", readGPT2},
    {"kimi_k2", readDeepseekV3},
    {"llama", readLlama},
    {"mistral", readMistral},
    {"mixtral", readMixtral},
    {"pangu_ultra_moe", readPanguUltraMoE},
    {"qwen2", readQwen2},
    {"qwen2_moe", readQwen2MoE},
    {"qwen3", readQwen3},
    {"qwen3_moe", readQwen3MoE},
};

static std::string supportedModelTypes() {
  return llvm::join(
      llvm::map_range(kModelTypes,
                      [](const ModelTypeEntry &e) { return e.name; }),
      ", ");
}

/// The reader for the config's `model_type`; reports a missing or unknown
/// one with the supported list.
static SpecReader lookupModelType(HFConfigReader &r) {
  if (!r.has("model_type")) {
    r.keyError("model_type")
        << "is missing; supported model types: " << supportedModelTypes();
    return nullptr;
  }
  FailureOr<std::string> type = r.requiredString("model_type");
  if (failed(type))
    return nullptr;
  for (const ModelTypeEntry &entry : kModelTypes) {
    if (entry.name == *type) {
      r.setModelType(*type);
      return entry.read;
    }
  }
  InFlightDiagnostic diag = emitError(r.loc("model_type"));
  diag << "unknown model_type '" << *type
       << "'; supported: " << supportedModelTypes();
  if (std::optional<std::string> nested = r.nestedModelType("text_config"))
    diag << " (this config nests its language model under 'text_config', "
            "with model_type '"
         << *nested << "'; import that object on its own)";
  return nullptr;
}

/// A symbol name from the last part of `_name_or_path`, else from
/// `architectures[0]` without its head-class suffix, else the model type;
/// characters a bare MLIR identifier cannot hold become '_'.
static FailureOr<std::string> readModelName(HFConfigReader &r) {
  FailureOr<std::optional<std::string>> path =
      r.optionalString("_name_or_path");
  if (failed(path))
    return failure();
  std::string name;
  if (*path) {
    llvm::StringRef trimmed = llvm::StringRef(**path).trim().rtrim("/\\");
    name = trimmed.substr(trimmed.find_last_of("/\\") + 1).str();
    // Saved checkpoints often say "./" or ".": no name there.
    if (name.find_first_not_of('.') == std::string::npos)
      name.clear();
  }
  if (name.empty()) {
    FailureOr<std::optional<std::string>> arch =
        r.firstStringOf("architectures");
    if (failed(arch))
      return failure();
    if (*arch) {
      llvm::StringRef base = **arch;
      for (llvm::StringRef suffix :
           {"ForCausalLM", "LMHeadModel", "ForConditionalGeneration"})
        if (base.size() > suffix.size())
          base.consume_back(suffix);
      name = base.str();
    }
  }
  if (name.empty())
    name = r.getModelType().str();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_' && c != '.')
      c = '_';
  if (llvm::isDigit(name.front()) || name.front() == '.')
    name.insert(name.begin(), '_');
  return name;
}

//===----------------------------------------------------------------------===//
// Building the IR
//===----------------------------------------------------------------------===//

static void buildAttention(OpBuilder &b, Location loc, const AttentionSpec &a) {
  if (a.mla) {
    IntegerAttr qLora = a.qLora ? b.getI64IntegerAttr(*a.qLora) : IntegerAttr();
    MLAAttentionOp::create(b, loc, a.heads, qLora, a.kvLora, a.qkNope, a.qkRope,
                           a.v);
    return;
  }
  AttentionOp::create(b, loc, a.heads, a.kvHeads, a.headDim, a.qkvBias,
                      a.outBias, a.qkNorm);
}

static void buildFeedForward(OpBuilder &b, Location loc, const FFNSpec &f) {
  if (!f.moe) {
    MLPOp::create(b, loc, f.ffn, f.act, f.bias);
    return;
  }
  RouterOp::create(b, loc, f.experts, f.topK);
  DispatchOp::create(b, loc);
  ExpertsOp::create(b, loc, f.experts, f.ffn, f.act);
  CombineOp::create(b, loc);
  if (f.sharedCount > 0)
    SharedExpertsOp::create(b, loc, f.sharedCount, f.sharedFfn, f.act,
                            f.sharedGated);
}

/// Norm, attention, norm, FFN; with sandwich norms, a norm after attention
/// and after the FFN as well.
static void buildDecoderLayer(OpBuilder &b, Location loc, int64_t index,
                              const ModelSpec &spec, const FFNSpec &ffn) {
  auto layer = DecoderLayerOp::create(b, loc, index);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(&layer.getBody().emplaceBlock());
  NormOp::create(b, loc, spec.norm);
  buildAttention(b, loc, spec.attention);
  if (spec.sandwich)
    NormOp::create(b, loc, spec.norm);
  NormOp::create(b, loc, spec.norm);
  buildFeedForward(b, loc, ffn);
  if (spec.sandwich)
    NormOp::create(b, loc, spec.norm);
}

/// DeepSeek-V3 style: norms of the hidden state and of the next token's
/// embedding, the 2·hidden → hidden projection, one block like the last main
/// layer, and a final norm.
static void buildMTPLayer(OpBuilder &b, Location loc, int64_t index,
                          const ModelSpec &spec) {
  auto mtp = MTPLayerOp::create(b, loc, index);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(&mtp.getBody().emplaceBlock());
  NormOp::create(b, loc, spec.norm);
  NormOp::create(b, loc, spec.norm);
  MTPProjectionOp::create(b, loc);
  buildDecoderLayer(b, loc, 0, spec, spec.layers.back());
  NormOp::create(b, loc, spec.norm);
}

static OwningOpRef<ModuleOp> buildModule(const ModelSpec &spec,
                                         const HFConfigReader &r) {
  MLIRContext *context = r.getContext();
  Location loc = r.fileLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b(context);
  b.setInsertionPointToEnd(module->getBody());
  auto model =
      ModelOp::create(b, loc, spec.name, spec.hidden, spec.vocab, spec.tied);
  if (DictionaryAttr defaults = r.defaultsAttr())
    model->setAttr(kHFDefaultsAttr, defaults);
  b.setInsertionPointToEnd(&model.getBody().emplaceBlock());
  EmbeddingOp::create(b, loc,
                      spec.positions ? b.getI64IntegerAttr(*spec.positions)
                                     : IntegerAttr());
  for (auto [index, ffn] : llvm::enumerate(spec.layers))
    buildDecoderLayer(b, loc, index, spec, ffn);
  NormOp::create(b, loc, spec.norm);
  for (int64_t j = 0; j < spec.mtpLayers; ++j)
    buildMTPLayer(b, loc, j, spec);
  LMHeadOp::create(b, loc);
  LossOp::create(b, loc);
  return module;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> moeplan::importHFConfig(llvm::StringRef jsonText,
                                              llvm::StringRef sourceName,
                                              MLIRContext *context) {
  context->getOrLoadDialect<MoEDialect>();
  std::optional<HFConfigReader> reader =
      HFConfigReader::parse(jsonText, sourceName, context);
  if (!reader)
    return nullptr;
  SpecReader read = lookupModelType(*reader);
  if (!read)
    return nullptr;
  ModelSpec spec;
  FailureOr<std::string> name = readModelName(*reader);
  if (failed(name) || failed(read(*reader, spec)))
    return nullptr;
  spec.name = std::move(*name);
  OwningOpRef<ModuleOp> module = buildModule(spec, *reader);
  if (failed(verify(*module))) {
    emitError(reader->fileLoc())
        << "the model imported from this config does not verify (see the "
           "errors above); please report this as an importer bug";
    return nullptr;
  }
  return module;
}

void moeplan::registerHFConfigImport() {
  // A function-local static registers once however often this is called.
  static TranslateToMLIRRegistration registration(
      "import-hf-config",
      "import a Hugging Face config.json as a moe.model (moe dialect)",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        OwningOpRef<ModuleOp> module = importHFConfig(
            buffer->getBuffer(), buffer->getBufferIdentifier(), context);
        return OwningOpRef<Operation *>(module.release());
      },
      [](DialectRegistry &registry) { registry.insert<MoEDialect>(); });
}
