// RUN: moe-opt %s --convert-moe-to-ascend | FileCheck %s --check-prefix=SP
// RUN: sed 's/sp = true/sp = false/' %s | moe-opt --convert-moe-to-ascend \
// RUN:   | FileCheck %s --check-prefix=NOSP

// TP 2 with sequence parallelism and CP 2, seq 1024: each CP rank holds
// T = 512 tokens, each TP rank 256 of them outside the TP regions.
// Grid axes of @attention: [PP, DP, CP, TP].

// SP:       shard.grid @attention(shape = 1x1x2x2)
// The embedding is vocabulary-parallel; its partial rows are
// reduce-scattered along the sequence (512 tokens × 256 × bf16).
// SP:       ascend.reduce_scatter "embedding.sp_scatter" on @attention grid_axes = [3] bytes = 262144
// SP:       ascend.save "embedding.token_ids" bytes = 4096
// Norms run on the rank's 256 tokens.
// SP:       ascend.vector "dense0.norm0" flops = 262144, bytes = 262144
// SP:       ascend.save "dense0.norm0.input" bytes = 131072
// Attention gathers the sequence, runs 2 of 4 heads (q 128, k and v 64),
// gathers the other CP rank's keys and values, and scatters its output.
// SP:       ascend.all_gather "dense0.attention.sp_gather" on @attention grid_axes = [3] bytes = 262144
// SP:       ascend.cube "dense0.attention.qkv_proj" flops = 67108864, bytes = 655360, shape = [512, 256, 256]
// SP:       ascend.all_gather "dense0.attention.kv_gather" on @attention grid_axes = [2] bytes = 262144
// Half of the 1024·1025/2 causal pairs, 2 heads, 2·(64 + 64) FLOPs each.
// SP:       ascend.cube "dense0.attention.core" flops = 134348800, bytes = 528384, shape = [512, 1024, 128], groups = 2
// SP:       ascend.cube "dense0.attention.out_proj" flops = 33554432, bytes = 458752, shape = [512, 256, 128]
// SP:       ascend.reduce_scatter "dense0.attention.sp_scatter" on @attention grid_axes = [3] bytes = 262144
// The input is kept before the gather; per-head tensors for this rank's heads.
// SP:       ascend.save "dense0.attention.qkv_input" bytes = 131072
// SP:       ascend.save "dense0.attention.q" bytes = 131072
// The MLP: 512 tokens × half of the 512-wide FFN.
// SP:       ascend.all_gather "dense0.mlp.sp_gather" on @attention grid_axes = [3] bytes = 262144
// SP:       ascend.cube "dense0.mlp.fc1" flops = 134217728, bytes = 1048576, shape = [512, 512, 256]
// SP:       ascend.cube "dense0.mlp.fc2" flops = 67108864, bytes = 655360, shape = [512, 256, 256]
// SP:       ascend.reduce_scatter "dense0.mlp.sp_scatter" on @attention grid_axes = [3] bytes = 262144
// SP:       ascend.save "dense0.mlp.act_input" bytes = 524288
// Vocabulary-parallel logits and cross-entropy: 500 of 1000 columns.
// SP:       ascend.all_gather "lm_head.sp_gather" on @attention grid_axes = [3] bytes = 262144
// SP:       ascend.cube "lm_head" flops = 131072000, bytes = 1030144, shape = [512, 500, 256]
// SP:       ascend.all_reduce "loss.softmax_reduce" on @attention grid_axes = [3] bytes = 6144
// Backward mirrors: gather the output gradient, re-gather the input for the
// weight gradient, reduce-scatter the input gradient.
// SP-LABEL: ascend.program stage = 0, chunk = 0, backward {
// SP-NOT:     ascend.all_reduce "loss.softmax_reduce
// SP:         ascend.all_gather "dense0.mlp.sp_scatter.bwd" on @attention grid_axes = [3] bytes = 262144
// SP:         ascend.cube "dense0.mlp.fc1.dgrad"
// SP:         ascend.all_gather "dense0.mlp.fc1.input_gather" on @attention grid_axes = [3] bytes = 262144
// SP:         ascend.cube "dense0.mlp.fc1.wgrad"
// SP:         ascend.reduce_scatter "dense0.mlp.sp_gather.bwd" on @attention grid_axes = [3] bytes = 262144
// SP:         ascend.reduce_scatter "dense0.attention.kv_gather.bwd" on @attention grid_axes = [2] bytes = 262144
// Gradients are reduced over DP x CP.
// SP:         ascend.all_reduce "dense0.grads.reduce" on @attention grid_axes = [1, 2] {{.*}} stream(dp) only last

// Without SP every rank holds all 512 tokens: all-reduce the output of each
// TP region, and the input gradient in backward.
// NOSP:       ascend.all_reduce "embedding.output_reduce" on @attention grid_axes = [3] bytes = 262144
// NOSP:       ascend.vector "dense0.norm0" flops = 524288, bytes = 524288
// NOSP:       ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 262144
// NOSP-LABEL: ascend.program stage = 0, chunk = 0, backward {
// NOSP-NOT:     ascend.all_gather "dense0.mlp
// NOSP:         ascend.all_reduce "dense0.mlp.input_grad_reduce" on @attention grid_axes = [3] bytes = 262144
moe.model @tp hidden = 256, vocab = 1000 attributes {moe.layout = #moe.layout<tp = 2, pp = 1, vpp = 1, ep = 1, etp = 1, cp = 2, dp = 1, sp = true, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 1024, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 4, kv_heads = 2, head_dim = 64
    moe.norm rms
    moe.mlp ffn = 512, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
