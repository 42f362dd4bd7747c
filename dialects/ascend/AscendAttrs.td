//===- AscendAttrs.td - enums and constraints of the ascend dialect ------===//

#ifndef ASCEND_ATTRS_TD
#define ASCEND_ATTRS_TD

include "dialects/ascend/AscendDialect.td"
include "mlir/IR/EnumAttr.td"

def Ascend_Stream : I32EnumAttr<"Stream", "execution stream", [
    I32EnumAttrCase<"Compute", 0, "compute">, // Cube and Vector kernels
    I32EnumAttrCase<"Comm", 1, "comm">,       // TP, SP, CP and EP collectives
    I32EnumAttrCase<"P2P", 2, "p2p">,         // pipeline send and receive
    I32EnumAttrCase<"DP", 3, "dp">,           // gradient reduction, parameter gather
    I32EnumAttrCase<"Host", 4, "host">        // swap to and from host memory
  ]> {
  let cppNamespace = "::mlir::ascend";
}

def Ascend_Phase : I32EnumAttr<"Phase", "part of the training step", [
    I32EnumAttrCase<"Forward", 0, "forward">,
    I32EnumAttrCase<"Backward", 1, "backward">,
    I32EnumAttrCase<"Optimizer", 2, "optimizer">
  ]> {
  let cppNamespace = "::mlir::ascend";
}

def Ascend_Peer : I32EnumAttr<"Peer", "neighbouring pipeline stage", [
    I32EnumAttrCase<"Next", 0, "next">,
    I32EnumAttrCase<"Previous", 1, "previous">
  ]> {
  let cppNamespace = "::mlir::ascend";
}

def Ascend_Occurrence : I32EnumAttr<"Occurrence",
    "which micro-batch of the step runs an op", [
    I32EnumAttrCase<"First", 0, "first">, // e.g. gathering updated weights
    I32EnumAttrCase<"Last", 1, "last">    // e.g. reducing gradients
  ]> {
  let cppNamespace = "::mlir::ascend";
}

class Ascend_I64<list<AttrConstraint> constraints, string what>
    : ConfinedAttr<I64Attr, constraints> {
  let returnType = "int64_t";
  let convertFromStorage = "$_self.getValue().getSExtValue()";
  let summary = what;
}
def Ascend_Count : Ascend_I64<[IntNonNegative], "non-negative count">;
def Ascend_Positive : Ascend_I64<[IntPositive], "positive count">;

#endif // ASCEND_ATTRS_TD
