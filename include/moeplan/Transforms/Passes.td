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

def MoEBalanceStagesPass : Pass<"moe-balance-stages", "mlir::ModuleOp"> {
  let summary = "place the embedding, layers, MTP, head and loss on pipeline stages";
  let description = [{
    Writes `moe.stage` (a virtual stage: chunk · PP + pipeline rank, as
    Megatron numbers them) on every top-level op of each `moe.model` that
    has a `moe.layout`. The order is kept: the embedding starts the first
    virtual stage, the final norm, head and loss end the last, and MTP layers
    sit in a last chunk (Megatron's rule).

    Without `layout`, the split minimises the slowest virtual stage within
    each stage's memory. Each unit's cost is its forward, backward and
    recomputed work for one micro-batch as the cost interpreter prices it:
    the pass lowers a copy of the model with the same layout and options and
    prices every kernel and blocking collective on the cluster. Each unit's
    memory is its sharded weights, gradients and optimizer state plus its
    saved tensors times the micro-batches in flight on its stage under the
    schedule; a virtual stage may use its rank's capacity (less the runtime
    reserve) divided by VPP. The units are partitioned contiguously by
    dynamic programming; when no split fits, the fastest split is kept and
    the report shows the shortfall. A virtual stage may hold fewer layers
    than another; runtimes pad it with no-op layers.

    With `layout`, a Megatron `--pipeline-model-parallel-layout` string
    (`E` embedding, `t` decoder layer, `m` MTP layer, `L` final norm, head
    and loss, `|` between virtual stages, `(...)*N` and `x*N` repeats,
    commas ignored), the user's split is checked and written.

    ```
    moe-opt --moe-balance-stages="cluster=ascend-910b:6144 seq=4096 micro-batch=2 recompute=full"
    moe-opt --moe-balance-stages="layout=Et|(tt|)*30L"
    ```
  }];
  let options = [
    Option<"layout", "layout", "std::string", "\"\"",
           "a Megatron pipeline layout string to honour instead of balancing">,
    Option<"cluster", "cluster", "std::string", "\"\"",
           "cluster preset[:devices] or file that prices the units">,
    Option<"seq", "seq", "int64_t", "4096", "sequence length in tokens">,
    Option<"microBatch", "micro-batch", "int64_t", "1",
           "sequences per micro-batch">,
    Option<"microBatches", "micro-batches", "int64_t", "0",
           "micro-batches per step and replica (0: PP, the fewest the "
           "schedule allows), for the micro-batches in flight">,
    Option<"recompute", "recompute", "std::string", "\"none\"",
           "recompute policy: none, selective or full">,
    Option<"attention", "attention", "std::string", "\"flash\"",
           "attention core: flash or unfused">,
    Option<"precision", "precision", "std::string", "\"bf16\"",
           "bf16 or fp8 linear layers">,
  ];
  let statistics = [
    Statistic<"slowestStageMicros", "slowest-stage-us",
              "the slowest virtual stage's time per micro-batch, in us">,
    Statistic<"memoryBound", "memory-bound",
              "1 when the memory limit changed the split">,
  ];
}

#endif // MOEPLAN_TRANSFORMS_PASSES_TD
