//===- MoEDialect.cpp - registration of the moe dialect -------------------===//

#include "dialects/moe/MoEDialect.h"
#include "dialects/moe/MoEOps.h"
#include "dialects/moe/MoEConstants.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;

#include "dialects/moe/MoEDialect.cpp.inc"
#include "dialects/moe/MoEEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/moe/MoEAttrs.cpp.inc"

void MoEDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/moe/MoEAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/moe/MoEOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// `key = value` lists
//===----------------------------------------------------------------------===//

namespace {
/// Parses `<key = value, ...>` where each key is parsed by `field`, which
/// returns failure for an unknown key. Rejects a key given twice.
ParseResult parseFields(AsmParser &parser, StringRef what,
                        function_ref<ParseResult(StringRef key)> field) {
  llvm::StringSet<> seen;
  return parser.parseCommaSeparatedList(
      AsmParser::Delimiter::LessGreater, [&]() -> ParseResult {
        std::string key;
        SMLoc at = parser.getCurrentLocation();
        if (parser.parseKeywordOrString(&key) || parser.parseEqual())
          return failure();
        if (!seen.insert(key).second)
          return parser.emitError(at) << what << " gives '" << key
                                      << "' twice";
        return field(key);
      });
}

ParseResult parseBool(AsmParser &parser, bool &value) {
  if (succeeded(parser.parseOptionalKeyword("true"))) {
    value = true;
    return success();
  }
  if (succeeded(parser.parseOptionalKeyword("false"))) {
    value = false;
    return success();
  }
  return parser.emitError(parser.getCurrentLocation(), "expected true or false");
}

template <typename Enum>
ParseResult parseEnum(AsmParser &parser, Enum &value, StringRef key,
                      std::optional<Enum> (*symbolize)(StringRef),
                      StringRef expected) {
  std::string word;
  SMLoc at = parser.getCurrentLocation();
  if (parser.parseKeywordOrString(&word))
    return failure();
  std::optional<Enum> parsed = symbolize(word);
  if (!parsed)
    return parser.emitError(at) << "'" << key << "' must be " << expected
                                << ", got '" << word << "'";
  value = *parsed;
  return success();
}

/// Parses `<name = choice, ...>` into a dictionary of enum attributes.
template <typename Enum, typename EnumAttr>
FailureOr<DictionaryAttr>
parseChoices(AsmParser &parser, StringRef what,
             std::optional<Enum> (*symbolize)(StringRef), StringRef expected) {
  SmallVector<NamedAttribute> entries;
  if (failed(parseFields(parser, what, [&](StringRef key) -> ParseResult {
        Enum choice;
        if (parseEnum(parser, choice, key, symbolize, expected))
          return failure();
        entries.emplace_back(parser.getBuilder().getStringAttr(key),
                             EnumAttr::get(parser.getContext(), choice));
        return success();
      })))
    return failure();
  return DictionaryAttr::get(parser.getContext(), entries);
}

template <typename EnumAttr>
void printChoices(AsmPrinter &printer, DictionaryAttr choices) {
  printer << "<";
  llvm::interleaveComma(choices, printer, [&](NamedAttribute entry) {
    printer.printKeywordOrString(entry.getName().getValue());
    printer << " = " << stringifyEnum(cast<EnumAttr>(entry.getValue()).getValue());
  });
  printer << ">";
}

constexpr StringLiteral kLayoutKeys =
    "tp, pp, vpp, ep, etp, cp, dp, sp, tp_extend_ep, hierarchical_a2a, "
    "distributed_optimizer";
constexpr StringLiteral kTrainingKeys =
    "seq, micro_batch, global_batch, precision, attention, routing_skew";
} // namespace

//===----------------------------------------------------------------------===//
// LayoutAttr
//===----------------------------------------------------------------------===//

Attribute LayoutAttr::parse(AsmParser &parser, Type) {
  int64_t sizes[7] = {0, 0, 0, 0, 0, 0, 0};
  static constexpr StringLiteral kSizes[7] = {"tp", "pp", "vpp", "ep",
                                              "etp", "cp", "dp"};
  std::optional<bool> sp;
  bool flags[3] = {false, false, false};
  static constexpr StringLiteral kFlags[3] = {"tp_extend_ep",
                                              "hierarchical_a2a",
                                              "distributed_optimizer"};
  SMLoc start = parser.getCurrentLocation();
  if (failed(parseFields(parser, "#moe.layout", [&](StringRef key) -> ParseResult {
        for (int i = 0; i < 7; ++i)
          if (key == kSizes[i])
            return parser.parseInteger(sizes[i]);
        for (int i = 0; i < 3; ++i)
          if (key == kFlags[i])
            return parseBool(parser, flags[i]);
        if (key == "sp") {
          bool value;
          if (parseBool(parser, value))
            return failure();
          sp = value;
          return success();
        }
        return parser.emitError(parser.getCurrentLocation())
               << "#moe.layout has no field '" << key << "'; its fields are "
               << kLayoutKeys;
      })))
    return {};
  return parser.getChecked<LayoutAttr>(
      start, parser.getContext(), sizes[0], sizes[1], sizes[2], sizes[3],
      sizes[4], sizes[5], sizes[6], sp, flags[0], flags[1], flags[2]);
}

void LayoutAttr::print(AsmPrinter &printer) const {
  // Open sizes (0) are left out; the options are always stated.
  SmallVector<std::string> fields;
  for (auto [key, value] : {std::pair<StringRef, int64_t>{"tp", getTp()},
                            {"pp", getPp()},
                            {"vpp", getVpp()},
                            {"ep", getEp()},
                            {"etp", getEtp()},
                            {"cp", getCp()},
                            {"dp", getDp()}})
    if (value > 0)
      fields.push_back((key + " = " + Twine(value)).str());
  auto flag = [](bool value) { return value ? "true" : "false"; };
  if (getSp())
    fields.push_back(std::string("sp = ") + flag(*getSp()));
  fields.push_back(std::string("tp_extend_ep = ") + flag(getTpExtendEp()));
  fields.push_back(std::string("hierarchical_a2a = ") +
                   flag(getHierarchicalA2a()));
  fields.push_back(std::string("distributed_optimizer = ") +
                   flag(getDistributedOptimizer()));
  printer << "<";
  llvm::interleaveComma(fields, printer);
  printer << ">";
}

LogicalResult
LayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t tp,
                   int64_t pp, int64_t vpp, int64_t ep, int64_t etp,
                   int64_t cp, int64_t dp, std::optional<bool> sp,
                   bool tpExtendEp, bool hierarchicalA2a,
                   bool distributedOptimizer) {
  for (auto [name, value] : {std::pair<StringRef, int64_t>{"tp", tp},
                             {"pp", pp},
                             {"vpp", vpp},
                             {"ep", ep},
                             {"etp", etp},
                             {"cp", cp},
                             {"dp", dp}})
    if (value < 0)
      return emitError() << "layout '" << name
                         << "' must not be negative (0 is open), got "
                         << value;
  if (tpExtendEp && etp > 1)
    return emitError() << "layout with tp_extend_ep spreads experts over "
                          "TP x EP ranks and needs etp = 1, got "
                       << etp;
  if (tp && cp && dp && ep && etp) {
    // Checked products: a layout of huge sizes is an error, not a wrap.
    int64_t dense, group;
    if (llvm::MulOverflow(tp, cp, dense) || llvm::MulOverflow(dense, dp, dense) ||
        llvm::MulOverflow(ep, etp, group) ||
        (tpExtendEp && llvm::MulOverflow(group, tp, group)))
      return emitError() << "layout sizes overflow 64 bits";
    if (dense % group != 0)
      return emitError() << "layout: the expert group EP x ETP"
                         << (tpExtendEp ? " x TP" : "")
                         << " must divide TP x CP x DP = " << dense;
  }
  return success();
}

bool LayoutAttr::isComplete() const {
  return getTp() && getPp() && getVpp() && getEp() && getEtp() && getCp() &&
         getDp() && getSp().has_value();
}

int64_t LayoutAttr::getDevices() const {
  return getTp() * getCp() * getDp() * getPp();
}

int64_t LayoutAttr::getExpertGroup() const {
  return getEp() * (getTpExtendEp() ? getTp() : 1);
}

int64_t LayoutAttr::getExpertDataParallel() const {
  return getTp() * getCp() * getDp() / (getExpertGroup() * getEtp());
}

//===----------------------------------------------------------------------===//
// TrainingAttr
//===----------------------------------------------------------------------===//

Attribute TrainingAttr::parse(AsmParser &parser, Type) {
  int64_t sizes[3] = {0, 0, 0};
  static constexpr StringLiteral kSizes[3] = {"seq", "micro_batch",
                                              "global_batch"};
  Precision precision = Precision::BF16;
  AttentionCore attention = AttentionCore::Flash;
  FloatAttr skew;
  SMLoc start = parser.getCurrentLocation();
  if (failed(parseFields(parser, "#moe.training", [&](StringRef key) -> ParseResult {
        for (int i = 0; i < 3; ++i)
          if (key == kSizes[i])
            return parser.parseInteger(sizes[i]);
        if (key == "precision")
          return parseEnum(parser, precision, key, symbolizePrecision,
                           "bf16 or fp8");
        if (key == "attention")
          return parseEnum(parser, attention, key, symbolizeAttentionCore,
                           "flash or unfused");
        if (key == "routing_skew") {
          double value;
          if (parser.parseFloat(value))
            return failure();
          skew = parser.getBuilder().getF64FloatAttr(value);
          return success();
        }
        return parser.emitError(parser.getCurrentLocation())
               << "#moe.training has no field '" << key
               << "'; its fields are " << kTrainingKeys;
      })))
    return {};
  return parser.getChecked<TrainingAttr>(start, parser.getContext(), sizes[0],
                                         sizes[1], sizes[2], precision,
                                         attention, skew);
}

void TrainingAttr::print(AsmPrinter &printer) const {
  printer << "<";
  for (auto [key, value] :
       {std::pair<StringRef, int64_t>{"seq", getSeq()},
        {"micro_batch", getMicroBatch()},
        {"global_batch", getGlobalBatch()}})
    if (value > 0)
      printer << key << " = " << value << ", ";
  printer << "precision = " << stringifyPrecision(getPrecision())
          << ", attention = " << stringifyAttentionCore(getAttention());
  if (getRoutingSkew()) {
    // As MLIR prints floats: short, and exact on a round trip.
    printer << ", routing_skew = ";
    printer.printFloat(getRoutingSkew().getValue());
  }
  printer << ">";
}

LogicalResult
TrainingAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t seq,
                     int64_t microBatch, int64_t globalBatch, Precision,
                     AttentionCore, FloatAttr routingSkewAttr) {
  for (auto [name, value] : {std::pair<StringRef, int64_t>{"seq", seq},
                             {"micro_batch", microBatch},
                             {"global_batch", globalBatch}})
    if (value < 0)
      return emitError() << "training '" << name
                         << "' must not be negative (0 is open), got "
                         << value;
  if (microBatch && globalBatch && globalBatch % microBatch != 0)
    return emitError() << "training 'global_batch' (" << globalBatch
                       << ") must be a multiple of 'micro_batch' ("
                       << microBatch << ")";
  // A coefficient of variation past 10 means a few experts take everything;
  // no published routing comes near it.
  if (routingSkewAttr) {
    double skew = routingSkewAttr.getValueAsDouble();
    if (!(std::isfinite(skew) && skew >= 0 && skew <= 10))
      return emitError() << "training 'routing_skew' must be a coefficient "
                            "of variation from 0 to 10, got "
                         << skew;
  }
  return success();
}

std::optional<double> TrainingAttr::getSkew() const {
  if (FloatAttr skew = getRoutingSkew())
    return skew.getValueAsDouble();
  return std::nullopt;
}

bool TrainingAttr::isComplete() const {
  return getSeq() && getMicroBatch() && getGlobalBatch();
}

//===----------------------------------------------------------------------===//
// PlacementAttr, MemoryAttr, OverlapAttr
//===----------------------------------------------------------------------===//

LogicalResult
PlacementAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      int64_t stage, int64_t chunk) {
  if (stage < 0 || chunk < 0)
    return emitError() << "placement stage and chunk must not be negative, "
                          "got stage "
                       << stage << ", chunk " << chunk;
  return success();
}

Attribute MemoryAttr::parse(AsmParser &parser, Type) {
  FailureOr<DictionaryAttr> choices =
      parseChoices<MemoryChoice, MemoryChoiceAttr>(
          parser, "#moe.memory", symbolizeMemoryChoice,
          "keep, recompute or swap");
  if (failed(choices))
    return {};
  return MemoryAttr::get(parser.getContext(), *choices);
}

void MemoryAttr::print(AsmPrinter &printer) const {
  printChoices<MemoryChoiceAttr>(printer, getChoices());
}

std::optional<MemoryChoice> MemoryAttr::lookup(StringRef tensor) const {
  if (auto choice = getChoices().getAs<MemoryChoiceAttr>(tensor))
    return choice.getValue();
  return std::nullopt;
}

Attribute OverlapAttr::parse(AsmParser &parser, Type) {
  FailureOr<DictionaryAttr> choices =
      parseChoices<OverlapChoice, OverlapChoiceAttr>(
          parser, "#moe.overlap", symbolizeOverlapChoice, "blocking or fb");
  if (failed(choices))
    return {};
  return OverlapAttr::get(parser.getContext(), *choices);
}

void OverlapAttr::print(AsmPrinter &printer) const {
  printChoices<OverlapChoiceAttr>(printer, getChoices());
}

std::optional<OverlapChoice> OverlapAttr::lookup(StringRef comm) const {
  if (auto choice = getChoices().getAs<OverlapChoiceAttr>(comm))
    return choice.getValue();
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Decision attributes on ops
//===----------------------------------------------------------------------===//

/// Whether `op` is a pipeline unit: an op directly in a model's body.
static bool isPipelineUnit(Operation *op) {
  return isa_and_nonnull<ModelOp>(op->getParentOp());
}

LogicalResult MoEDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  Attribute value = attribute.getValue();
  auto wrongType = [&](StringRef expected) {
    return op->emitOpError() << "attribute '" << name << "' must be a "
                             << expected << ", got " << value;
  };
  if (name == kLayoutAttr || name == kTrainingAttr) {
    bool layout = name == kLayoutAttr;
    if (layout ? !isa<LayoutAttr>(value) : !isa<TrainingAttr>(value))
      return wrongType(layout ? "#moe.layout<...>" : "#moe.training<...>");
    if (!isa<ModelOp>(op))
      return op->emitOpError() << "attribute '" << name
                               << "' belongs on a 'moe.model'";
    return success();
  }
  if (name == kPlacementAttr) {
    auto placement = dyn_cast<PlacementAttr>(value);
    if (!placement)
      return wrongType("#moe.placement<stage = S, chunk = C>");
    if (!isPipelineUnit(op))
      return op->emitOpError() << "attribute '" << name
                               << "' belongs on a pipeline unit (an op "
                                  "directly in a 'moe.model')";
    auto layout = op->getParentOp()->getAttrOfType<LayoutAttr>(kLayoutAttr);
    if (layout && layout.getPp() && placement.getStage() >= layout.getPp())
      return op->emitOpError() << "is placed on pipeline stage "
                               << placement.getStage()
                               << " but the layout has pp = "
                               << layout.getPp();
    if (layout && layout.getVpp() && placement.getChunk() >= layout.getVpp())
      return op->emitOpError() << "is placed in chunk " << placement.getChunk()
                               << " but the layout has vpp = "
                               << layout.getVpp();
    return success();
  }
  if (name == kMemoryAttr) {
    auto memory = dyn_cast<MemoryAttr>(value);
    if (!memory)
      return wrongType("#moe.memory<tensor = keep|recompute|swap, ...>");
    if (isa<ModelOp>(op)) {
      // On the model, the optimizer state: kept, or on the host outside the
      // optimizer step (MindSpeed's --swap-optimizer).
      for (NamedAttribute entry : memory.getChoices()) {
        auto choice = cast<MemoryChoiceAttr>(entry.getValue()).getValue();
        if (entry.getName() != kOptimizerState)
          return op->emitOpError()
                 << "'moe.memory' on a model decides only '" << kOptimizerState
                 << "', got '" << entry.getName().getValue() << "'";
        if (choice == MemoryChoice::Recompute)
          return op->emitOpError() << "cannot recompute its optimizer state; "
                                      "keep or swap it";
      }
      return success();
    }
    SmallVector<SavedTensor> saved =
        op->getNumRegions() ? SmallVector<SavedTensor>() : savedTensors(op);
    if (saved.empty())
      return op->emitOpError() << "saves no tensors for backward, so "
                                  "attribute 'moe.memory' does not apply";
    for (NamedAttribute entry : memory.getChoices()) {
      StringRef tensor = entry.getName().getValue();
      if (llvm::none_of(saved, [&](const SavedTensor &t) {
            return localTensorName(t.name) == tensor;
          })) {
        auto diag = op->emitOpError()
                    << "does not save a tensor '" << tensor
                    << "' (in 'moe.memory'); it saves ";
        llvm::interleaveComma(saved, diag, [&](const SavedTensor &t) {
          diag << localTensorName(t.name);
        });
        return diag;
      }
    }
    return success();
  }
  if (name == kHFDefaultsAttr) {
    if (!isa<DictionaryAttr>(value) || !isa<ModelOp>(op))
      return op->emitOpError() << "attribute '" << name
                               << "' must be a dictionary on a 'moe.model'";
    return success();
  }
  if (name == kOverlapAttr) {
    if (!isa<OverlapAttr>(value))
      return wrongType("#moe.overlap<communication = blocking|fb, ...>");
    if (op->getNumRegions() || !isa_and_nonnull<MoEDialect>(op->getDialect()))
      return op->emitOpError() << "attribute '" << name
                               << "' belongs on a leaf op of a model";
    return success();
  }
  return op->emitOpError() << "has unknown attribute '" << name
                           << "'; the moe dialect's decisions are "
                           << kLayoutAttr << ", " << kTrainingAttr << ", "
                           << kPlacementAttr << ", " << kMemoryAttr << " and "
                           << kOverlapAttr;
}
