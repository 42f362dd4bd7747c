//===- Passes.td - passes of the planner ---------------------------------===//

#ifndef MOEPLAN_TRANSFORMS_PASSES_TD
#define MOEPLAN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AscendReportCostsPass : Pass<"ascend-report-costs", "mlir::ModuleOp"> {
  let summary = "annotate an ascend plan with what the cost interpreter predicts";
  let description = [{
    Runs the cost interpreter on every `ascend.plan` for the given cluster
    and reports, as remarks, each kernel's and collective's time and the
    simulated step: step time, the critical stage's compute, exposed
    communication and bubble, and each stage's peak memory. The IR is not
    changed. Used to inspect and test the cost model from the IR.

    ```
    moe-opt --ascend-report-costs="cluster=ascend-910b:8"
    ```
  }];
  let dependentDialects = ["::mlir::ascend::AscendDialect"];
  let options = [
    Option<"cluster", "cluster", "std::string", /*default=*/"\"\"",
           "cluster preset[:devices] or cluster file">,
    Option<"kernels", "kernels", "bool", /*default=*/"true",
           "also report every kernel and collective">,
  ];
}

def MoEShardPass : Pass<"moe-shard", "mlir::ModuleOp"> {
  let summary = "decide and check the 5D parallel layout of each moe.model";
  let description = [{
    Writes a `moe.layout` attribute (`#moe.layout<...>`) on every
    `moe.model`: tensor (TP, with sequence parallelism SP), pipeline (PP,
    with VPP virtual stages per rank), expert (EP, ETP, or TP-extended EP),
    context (CP) and data (DP, derived: devices / (TP·PP·CP)) parallelism,
    and whether the optimizer is distributed (ZeRO-1). A size given as an
    option is kept; one left at 0 takes Megatron's default (1; ETP = TP, or
    1 with TP-extended EP; SP when TP > 1). A layout already on the model is
    checked, not replaced.

    The layout is checked against the model and the cluster, with messages
    that say what to change: heads and KV heads divisible by TP, FFN sizes by
    TP and ETP, experts by EP·ETP (EP·TP with TP-extended EP), layers at least
    PP·VPP, devices divisible by TP·PP·CP, the expert group dividing TP·CP·DP,
    the sequence by 2·CP, the global batch by micro-batch·DP, the
    micro-batches by PP under the interleaved schedule, sequence parallelism
    with MoE and TP > 1, and hierarchical all-to-all's node constraints.

    ```
    moe-opt --moe-shard="devices=6144 devices-per-node=8 tp=8 pp=16 vpp=2 ep=4 tp-extend-ep global-batch=6144 micro-batch=2 seq=4096"
    ```
  }];
  let options = [
    Option<"devices", "devices", "int64_t", "0", "devices of the cluster">,
    Option<"devicesPerNode", "devices-per-node", "int64_t", "8",
           "devices sharing the intra-node link">,
    Option<"tp", "tp", "int64_t", "0", "tensor-parallel size (0: default)">,
    Option<"pp", "pp", "int64_t", "0", "pipeline-parallel size (0: default)">,
    Option<"vpp", "vpp", "int64_t", "0",
           "virtual pipeline stages per rank (0: default)">,
    Option<"ep", "ep", "int64_t", "0", "expert-parallel size (0: default)">,
    Option<"etp", "etp", "int64_t", "0",
           "expert tensor-parallel size (0: default)">,
    Option<"cp", "cp", "int64_t", "0", "context-parallel size (0: default)">,
    Option<"sp", "sp", "std::string", "\"auto\"",
           "sequence parallelism: auto (when TP > 1), true or false">,
    Option<"tpExtendEp", "tp-extend-ep", "bool", "false",
           "spread experts over TP x EP ranks instead of splitting them by TP">,
    Option<"hierarchicalA2a", "hierarchical-a2a", "bool", "false",
           "dispatch tokens by an all-gather across nodes and an all-to-all "
           "within each node">,
    Option<"distributedOptimizer", "distributed-optimizer", "bool", "false",
           "shard optimizer state over data-parallel replicas (ZeRO-1)">,
    Option<"globalBatch", "global-batch", "int64_t", "0",
           "sequences per step (0: not checked)">,
    Option<"microBatch", "micro-batch", "int64_t", "1",
           "sequences per micro-batch">,
    Option<"seq", "seq", "int64_t", "0", "sequence length (0: not checked)">,
  ];
}

#endif // MOEPLAN_TRANSFORMS_PASSES_TD
