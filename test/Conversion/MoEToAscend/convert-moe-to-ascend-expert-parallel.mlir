// RUN: moe-opt %s --convert-moe-to-ascend | FileCheck %s --check-prefix=FLAT
// RUN: sed 's/ep = 4, etp = 2/ep = 4, etp = 1/; s/tp_extend_ep = false/tp_extend_ep = true/' %s \
// RUN:   | moe-opt --convert-moe-to-ascend | FileCheck %s --check-prefix=EXTEND
// RUN: sed 's/ep = 4, etp = 2/ep = 4, etp = 1/; s/tp_extend_ep = false, hierarchical_a2a = false/tp_extend_ep = true, hierarchical_a2a = true/' %s \
// RUN:   | moe-opt --convert-moe-to-ascend="devices-per-node=4" | FileCheck %s --check-prefix=HIER

// 16 experts, top-4, on TP 2 (with SP) × DP 4: each rank routes its 512
// of the 1024 tokens and sends 4 copies of each, 4·512·256·bf16 = 1 MiB,
// scaled by the busiest receiver's expected load (so a little more).
// @experts axes: [PP, EDP, EP across nodes, EP within a node, ETP].

// Megatron's default ETP = TP: EP 4 (the ranks with one TP index) with
// each expert's FFN split over ETP 2; the tokens are all-gathered over ETP.
// 16/4 = 4 local experts, each FFN 128/2 = 64 wide.
// FLAT:      shard.grid @experts(shape = 1x1x1x4x2)
// FLAT:      ascend.cube "moe0.router.gate" flops = 4194304, bytes = 286720, shape = [512, 16, 256]
// FLAT:      ascend.vector "moe0.dispatch.permute" flops = 0, bytes = 1310720
// FLAT:      ascend.all_to_all "moe0.dispatch.all_to_all" on @experts grid_axes = [2, 3] bytes = 1{{[0-9]+}}
// FLAT:      ascend.all_gather "moe0.dispatch.etp_gather" on @experts grid_axes = [4] bytes = 2{{[0-9]+}}
// FLAT:      ascend.cube "moe0.experts.fc1" {{.*}} shape = [{{[0-9]+}}, 128, 256], groups = 4
// FLAT:      ascend.cube "moe0.experts.fc2" {{.*}} shape = [{{[0-9]+}}, 256, 64], groups = 4
// FLAT:      ascend.reduce_scatter "moe0.combine.etp_scatter" on @experts grid_axes = [4]
// FLAT:      ascend.all_to_all "moe0.combine.all_to_all" on @experts grid_axes = [2, 3]

// TP-extended EP (MindSpeed --moe-tp-extend-ep): the 16 experts spread
// over TP × EP = 8 ranks (2 each), whole experts (FFN 128), no ETP gather.
// EXTEND:      shard.grid @experts(shape = 1x1x1x8x1)
// EXTEND:      ascend.all_to_all "moe0.dispatch.all_to_all" on @experts grid_axes = [2, 3] bytes = 1{{[0-9]+}}
// EXTEND-NOT:  etp_gather
// EXTEND:      ascend.cube "moe0.experts.fc1" {{.*}} shape = [{{[0-9]+}}, 256, 256], groups = 2
// EXTEND:      ascend.cube "moe0.experts.fc2" {{.*}} shape = [{{[0-9]+}}, 256, 128], groups = 2
// EXTEND:      ascend.all_to_all "moe0.combine.all_to_all" on @experts grid_axes = [2, 3]

// Hierarchical all-to-all (MindSpeed --moe-hierarchical-alltoallv) with 4
// devices per node: the 8-rank expert group spans 2 nodes. Each token, with
// its 4 indices and probabilities, crosses to the other node once:
// all-gather over the cross-node axis of 2·512·(256·2 + 4·(8 + 4)) bytes;
// then the copies move to their experts inside the node.
// HIER:      shard.grid @experts(shape = 1x1x2x4x1)
// HIER:      ascend.all_gather "moe0.dispatch.node_gather" on @experts grid_axes = [2] bytes = 573440
// HIER:      ascend.vector "moe0.dispatch.node_filter"
// HIER:      ascend.all_to_all "moe0.dispatch.all_to_all" on @experts grid_axes = [3] bytes = 1{{[0-9]+}}
// HIER:      ascend.all_to_all "moe0.combine.all_to_all" on @experts grid_axes = [3]
// HIER:      ascend.reduce_scatter "moe0.combine.node_scatter" on @experts grid_axes = [2] bytes = 524288
moe.model @ep hidden = 256, vocab = 1000 attributes {moe.layout = #moe.layout<tp = 2, pp = 1, vpp = 1, ep = 4, etp = 2, cp = 1, dp = 4, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 1024, micro_batch = 1, global_batch = 4, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 64
    moe.router experts = 16, top_k = 4
    moe.dispatch
    moe.experts count = 16, ffn = 128, swiglu
    moe.combine
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
