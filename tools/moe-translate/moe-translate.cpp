//===- moe-translate.cpp - translations into the moe dialect --------------===//
//
// mlir-translate with the planner's importers, e.g.
//   moe-translate --import-hf-config config.json
//
//===----------------------------------------------------------------------===//

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "moeplan/Import/HFConfigImport.h"

int main(int argc, char **argv) {
  moeplan::registerHFConfigImport();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "MoE planner translation tool\n"));
}
