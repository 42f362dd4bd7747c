//===- MoEDialect.cpp - registration of the moe dialect -------------------===//

#include "dialects/moe/MoEDialect.h"
#include "dialects/moe/MoEOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

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
// LayoutAttr
//===----------------------------------------------------------------------===//

LogicalResult
LayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t tp,
                   int64_t pp, int64_t vpp, int64_t ep, int64_t etp,
                   int64_t cp, int64_t dp, bool sp, bool tpExtendEp,
                   bool hierarchicalA2a, bool distributedOptimizer) {
  for (auto [name, value] : {std::pair<StringRef, int64_t>{"tp", tp},
                             {"pp", pp},
                             {"vpp", vpp},
                             {"ep", ep},
                             {"etp", etp},
                             {"cp", cp},
                             {"dp", dp}})
    if (value <= 0)
      return emitError() << "layout '" << name << "' must be positive, got "
                         << value;
  if (tpExtendEp && etp != 1)
    return emitError() << "layout with tp_extend_ep spreads experts over "
                          "TP x EP ranks and needs etp = 1, got "
                       << etp;
  if ((tp * cp * dp) % (ep * etp * (tpExtendEp ? tp : 1)) != 0)
    return emitError() << "layout: the expert group EP x ETP"
                       << (tpExtendEp ? " x TP" : "") << " must divide TP x CP x "
                       << "DP = " << tp * cp * dp;
  return success();
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
