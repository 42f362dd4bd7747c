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

def AscendVerifyPlanPass : Pass<"ascend-verify-plan", "mlir::ModuleOp"> {
  let summary = "check that an ascend plan runs as it says, across its programs";
  let description = [{
    The op verifiers check each op and program alone; this pass checks every
    `ascend.plan` as a whole and reports each defect as an error on the op
    at fault, naming it:
    - matching peers: the grids name the same devices and, with more than
      one stage, put the stages on their first axis, so a group's members
      on other stages are known. Over each pipeline link the sender's
      `ascend.send`s, in its stage's micro-batch schedule, are the
      receiver's `ascend.recv`s in its own: the same micro-batch and chunk,
      name and bytes, one for one; the first virtual stage receives nothing
      from before it and the last sends nothing after it. A collective whose
      group spans the pipeline axis is issued by every stage with the same
      kind, name, group and bytes in the same order over the step. (The
      members of any other group are the devices of one stage, which run
      the same program: nothing there can differ.)
    - streams and events: every wait names an event recorded before it in
      its program, on another stream; a collective on the comm stream, a
      pipeline send and a gradient reduction come after the compute kernel
      issued before them, and the compute stream waits for every comm-stream
      collective before its program ends.
    - saved tensors, per stage and chunk from forward to backward: each
      saved once, released once with its bytes, or recomputed (saved again
      in an `ascend.recompute`, then released); every swap-in follows its
      swap-out and comes back before the tensor's release, which the compute
      stream orders after it; a swap-out waits for the tensor's producer;
      nothing is left on the device or the host at the end of backward. The
      optimizer state a step fetches from the host goes back by its end.
    - layers: each unit's work (ops named `<unit>.<label>`) sits on exactly
      one (stage, chunk); decoder layers 0..n-1 and MTP layers 0..k-1 each
      once and in model order along the virtual stages; the embedding on the
      first virtual stage, the loss on the last.
    - memory, when the plan records it: each `ascend.stage_memory`'s `peak`
      is the stage's high-water mark as the cost interpreter measures it
      (static memory, saved tensors at their peak, the runtime reserve),
      and with `fits_in = N` on the plan (its claim to fit), every stage's
      high-water mark is at most N, which is at most the cluster's device
      memory. These run the interpreter itself, the one cost model, and
      need `cluster`.

    The IR is not changed. `moe-plan-pipeline` runs it after the lowering;
    the evaluation every front end shares runs it, with the interpreter's
    peaks and the planner's claim to fit recorded, on every plan it reports
    or emits.

    ```
    moe-opt --ascend-verify-plan
    moe-opt --ascend-verify-plan="cluster=ascend-910b:6144"
    ```
  }];
  let dependentDialects = ["::mlir::ascend::AscendDialect"];
  let options = [
    Option<"cluster", "cluster", "std::string", /*default=*/"\"\"",
           "cluster preset[:devices] or file, to check the recorded memory">,
  ];
  let statistics = [
    Statistic<"numPlans", "plans", "plans verified">,
    Statistic<"numMessages", "messages",
              "pipeline messages matched per step">,
  ];
}

def MoEShardPass : Pass<"moe-shard", "mlir::ModuleOp"> {
  let summary = "decide and check the 5D parallel layout and the training setup of each moe.model";
  let description = [{
    Writes `moe.layout` (`#moe.layout<...>`) and `moe.training`
    (`#moe.training<...>`) on every `moe.model`. The layout is tensor (TP,
    with sequence parallelism SP), pipeline (PP, with VPP virtual stages per
    rank), expert (EP, ETP, or TP-extended EP), context (CP) and data (DP,
    devices / (TP·PP·CP)) parallelism, and whether the optimizer is
    distributed (ZeRO-1).

    Decisions already on the model are kept: every field a (possibly
    partial) `moe.layout` or `moe.training` gives stays, and an option that
    asks for a different value is an error naming both. The layout's
    switches (`tp_extend_ep`, `hierarchical_a2a`, `distributed_optimizer`)
    have no open value: they are on when the IR or an option turns them on. A field open in the
    IR takes the option; one open in both takes Megatron's default (1;
    ETP = TP, or 1 with TP-extended EP; SP when TP > 1).

    The layout is checked against the model and the cluster, with messages
    that say what to change: heads and KV heads divisible by TP, FFN sizes by
    TP and ETP, experts by EP·ETP (EP·TP with TP-extended EP), layers at least
    PP·VPP, devices divisible by TP·PP·CP, the expert group dividing TP·CP·DP,
    the sequence by 2·CP, the global batch by micro-batch·DP, the
    micro-batches by PP under the interleaved schedule, sequence parallelism
    with MoE and TP > 1, and hierarchical all-to-all's node constraints.

    ```
    moe-opt --moe-shard="cluster=ascend-910b:6144 tp=8 pp=16 vpp=2 ep=4 tp-extend-ep global-batch=6144 micro-batch=2 seq=4096"
    ```
  }];
  let options = [
    Option<"cluster", "cluster", "std::string", "\"\"",
           "cluster preset[:devices] or file, for the device count and the "
           "node size (instead of devices and devices-per-node)">,
    Option<"devices", "devices", "int64_t", "0", "devices of the cluster">,
    Option<"devicesPerNode", "devices-per-node", "int64_t", "8",
           "devices sharing the intra-node link">,
    Option<"tp", "tp", "int64_t", "0", "tensor-parallel size (0: open)">,
    Option<"pp", "pp", "int64_t", "0", "pipeline-parallel size (0: open)">,
    Option<"vpp", "vpp", "int64_t", "0",
           "virtual pipeline stages per rank (0: open)">,
    Option<"ep", "ep", "int64_t", "0", "expert-parallel size (0: open)">,
    Option<"etp", "etp", "int64_t", "0",
           "expert tensor-parallel size (0: open)">,
    Option<"cp", "cp", "int64_t", "0", "context-parallel size (0: open)">,
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
           "sequences per step (0: open, not checked)">,
    Option<"microBatch", "micro-batch", "int64_t", "0",
           "sequences per micro-batch (0: open, 1 for the checks)">,
    Option<"seq", "seq", "int64_t", "0",
           "sequence length (0: open, not checked)">,
    Option<"precision", "precision", "std::string", "\"\"",
           "bf16 or fp8 linear layers (empty: the model's, else bf16)">,
    Option<"attention", "attention", "std::string", "\"\"",
           "attention core: flash or unfused (empty: the model's, else "
           "flash)">,
    Option<"routingSkew", "routing-skew", "double", "-1",
           "coefficient of variation of expert loads (-1: the model's, else "
           "the published default)">,
  ];
}

def MoESelectMemoryPass : Pass<"moe-select-memory", "mlir::ModuleOp"> {
  let summary = "choose keep, recompute or swap for every tensor saved for backward";
  let description = [{
    Writes `moe.memory` on every op that saves tensors, naming each of its
    saved tensors. The presets have Megatron's meanings:
    - `none`: every tensor stays on the device until backward;
    - `selective`: the attention core's statistics (flash attention's
      log-sum-exp, or the unfused core's scores) are recomputed
      (`--recompute-granularity selective`);
    - `full`: every tensor of every decoder and MTP layer is recomputed, so
      each layer keeps only its input and reruns its forward before its
      backward (`--recompute-granularity full --recompute-method uniform
      --recompute-num-layers 1`); the embedding, final norm, head and loss
      keep theirs.

    `auto` (needs `cluster`, and the model's `moe.layout` and
    `moe.training`) keeps everything where it fits and decides per tensor
    where it does not: against the time-balanced stage split, each virtual
    stage over its memory (the device's capacity less the runtime reserve,
    divided over the rank's chunks; saved bytes count once per micro-batch
    in flight under the schedule) gets the actions that save its overflow
    at the least added time: rerunning the attention core, rerunning an
    op's forward (its input kept), a whole layer's full recompute, and with
    `swap` sending a tensor to host memory (free while the host link hides
    under the stage's compute, priced beyond) and, with the distributed
    optimizer, the optimizer state (`moe.memory<optimizer = swap>` on the
    model, fetched for each step's optimizer). Actions are taken greedily by
    added time per byte saved, or the single cheapest action that covers
    the overflow when that costs less (docs/memory-selection.md gives the
    method and its bound); the split is recomputed and repeated until every
    stage fits or nothing is left to save.

    A choice already on an op is kept; every policy fills the rest.

    ```
    moe-opt --moe-select-memory="policy=selective"
    moe-opt --moe-select-memory="policy=auto cluster=ascend-910b:6144 swap"
    ```
  }];
  let options = [
    Option<"policy", "policy", "std::string", "\"none\"",
           "none, selective, full or auto">,
    Option<"cluster", "cluster", "std::string", "\"\"",
           "cluster preset[:devices] or file whose memory auto plans for">,
    Option<"swap", "swap", "bool", "false",
           "let auto send tensors to host memory">,
  ];
  let statistics = [
    Statistic<"numKept", "kept", "saved tensors kept on the device">,
    Statistic<"numRecomputed", "recomputed", "saved tensors recomputed">,
    Statistic<"numSwapped", "swapped", "saved tensors swapped to the host">,
    Statistic<"numActions", "actions", "memory actions auto took">,
  ];
}

def MoEPlanOverlapPass : Pass<"moe-plan-overlap", "mlir::ModuleOp"> {
  let summary = "decide what each communication hides under";
  let description = [{
    Writes `moe.overlap` on every op that communicates under the model's
    layout, naming each communication it runs (its TP/SP, CP and EP
    collectives, as the lowering prices them), so the IR shows what will be
    priced. With `policy=none` each is `blocking`; with `policy=fb` each is
    `fb`: every steady-state backward runs with the next forward so one
    micro-batch's communication hides under the other's compute (MindSpeed's
    `--moe-fb-overlap`). A choice already on an op is kept; a hand-set
    choice that contradicts the others (forward/backward overlap pairs whole
    micro-batches) is an error naming it. Needs `moe.layout` and
    `moe.training` (run moe-shard first).

    ```
    moe-opt --moe-plan-overlap="policy=fb"
    ```
  }];
  let options = [
    Option<"policy", "policy", "std::string", "\"none\"",
           "none, fb, or empty: fb if a hand-set choice is, else none">,
    Option<"devicesPerNode", "devices-per-node", "int64_t", "8",
           "devices per node, for the expert group's split across nodes">,
  ];
  let statistics = [
    Statistic<"numBlocking", "blocking", "communications left blocking">,
    Statistic<"numOverlapped", "overlapped", "communications overlapped">,
  ];
}

def MoEBalanceStagesPass : Pass<"moe-balance-stages", "mlir::ModuleOp"> {
  let summary = "place the embedding, layers, MTP, head and loss on pipeline stages";
  let description = [{
    Writes `moe.placement` (`#moe.placement<stage = S, chunk = C>`; the
    virtual stage is chunk · PP + stage, as Megatron numbers them) on every
    top-level op of each `moe.model`; it needs the model's complete
    `moe.layout` (run moe-shard first). The
    order is kept: the embedding starts the first virtual stage, the final
    norm, head and loss end the last, and MTP layers sit in a last chunk
    (Megatron's rule). A placement already on a unit is kept and the others
    are split around it; a hand-set placement that breaks these rules is an
    error naming it.

    Without `layout`, the split minimises the slowest virtual stage within
    each stage's memory. Each unit's cost is its forward, backward and
    recomputed work for one micro-batch under the model's `moe.training`
    and each op's `moe.memory`, priced with the cost interpreter's own
    kernel and collective times (lib/Cost/UnitCost) on the cluster, without
    lowering anything. Each unit's memory is its sharded weights, gradients
    and optimizer state plus the tensors it keeps times the micro-batches in
    flight on its stage under the schedule; a virtual stage may use its
    rank's capacity (less the runtime reserve) divided by VPP. The units are
    partitioned contiguously by dynamic programming; when no split fits, the
    fastest split is kept and the report shows the shortfall. A virtual
    stage may hold fewer layers than another; runtimes pad it with no-op
    layers.

    With `layout`, a Megatron `--pipeline-model-parallel-layout` string
    (`E` embedding, `t` decoder layer, `m` MTP layer, `L` final norm, head
    and loss, `|` between virtual stages, `(...)*N` and `x*N` repeats,
    commas ignored), the user's split is checked and written.

    ```
    moe-opt --moe-balance-stages="cluster=ascend-910b:6144"
    moe-opt --moe-balance-stages="layout=Et|(tt|)*30L"
    ```
  }];
  let options = [
    Option<"layout", "layout", "std::string", "\"\"",
           "a Megatron pipeline layout string to honour instead of balancing">,
    Option<"cluster", "cluster", "std::string", "\"\"",
           "cluster preset[:devices] or file that prices the units">,
  ];
  let statistics = [
    Statistic<"slowestStageMicros", "slowest-stage-us",
              "the slowest virtual stage's time per micro-batch, in us">,
    Statistic<"memoryBound", "memory-bound",
              "1 when the memory limit changed the split">,
  ];
}

#endif // MOEPLAN_TRANSFORMS_PASSES_TD
