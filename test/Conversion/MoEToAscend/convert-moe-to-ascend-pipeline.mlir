// RUN: moe-opt %s --convert-moe-to-ascend | FileCheck %s
// RUN: sed 's/pp = 2, vpp = 1/pp = 2, vpp = 2/; s/moe.decoder_layer 2 {/moe.decoder_layer 2 attributes {moe.placement = #moe.placement<stage = 1, chunk = 1>} {/' %s \
// RUN:   | moe-opt --convert-moe-to-ascend | FileCheck %s --check-prefix=VPP

// PP 2: three layers split evenly in order (the first stage takes the
// extra one), the embedding on the first stage, the final norm, head and
// loss on the last; activations (1024 tokens × 256 × bf16) are sent
// forward and gradients back.
// CHECK:       shard.grid @attention(shape = 2x1x1x1)
// CHECK:       ascend.schedule stages = 2, chunks = 1, micro_batches = 4
// CHECK-LABEL: ascend.program stage = 0, chunk = 0, forward {
// CHECK-NOT:     ascend.recv
// CHECK:         ascend.vector "embedding.lookup"
// CHECK:         ascend.cube "dense0.attention.qkv_proj"
// CHECK:         ascend.cube "dense1.attention.qkv_proj"
// CHECK-NOT:     "dense2.
// CHECK:         ascend.send "activations" bytes = 524288 to next
// CHECK-LABEL: ascend.program stage = 0, chunk = 0, backward {
// CHECK-NEXT:    ascend.recv "gradients" bytes = 524288 from next
// CHECK-NOT:     ascend.send
// CHECK-LABEL: ascend.program stage = 1, chunk = 0, forward {
// CHECK-NEXT:    ascend.recv "activations" bytes = 524288 from previous
// CHECK:         ascend.cube "dense2.attention.qkv_proj"
// CHECK:         ascend.vector "final_norm"
// CHECK:         ascend.cube "lm_head"
// CHECK:         ascend.vector "loss"
// CHECK-NOT:     ascend.send
// CHECK-LABEL: ascend.program stage = 1, chunk = 0, backward {
// CHECK-NOT:     ascend.recv
// CHECK:         ascend.send "gradients" bytes = 524288 to previous

// VPP 2 over PP 2: four virtual stages, chunk c of stage s is virtual stage
// c·2 + s. A `moe.placement` (from stage balancing) places a layer;
// the others still go evenly in order.
// VPP:         ascend.schedule stages = 2, chunks = 2, micro_batches = 4
// VPP-LABEL:   ascend.program stage = 0, chunk = 0, forward {
// VPP:           "dense0.attention.qkv_proj"
// VPP-LABEL:   ascend.program stage = 0, chunk = 1, forward {
// VPP-NEXT:      ascend.recv "activations" bytes = 524288 from previous
// VPP-NOT:       "dense
// VPP:           ascend.send "activations"
// VPP-LABEL:   ascend.program stage = 1, chunk = 1, forward {
// VPP:           "dense2.attention.qkv_proj"
// VPP:           ascend.cube "lm_head"
moe.model @pp hidden = 256, vocab = 1000 attributes {moe.layout = #moe.layout<tp = 1, pp = 2, vpp = 1, ep = 1, etp = 1, cp = 1, dp = 1, sp = false, tp_extend_ep = false, hierarchical_a2a = false, distributed_optimizer = false>, moe.training = #moe.training<seq = 1024, micro_batch = 1, global_batch = 4, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 64
    moe.mlp ffn = 512, swiglu
  }
  moe.decoder_layer 1 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 64
    moe.mlp ffn = 512, swiglu
  }
  moe.decoder_layer 2 {
    moe.attention heads = 4, kv_heads = 4, head_dim = 64
    moe.mlp ffn = 512, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// RUN: sed 's/tp = 1, pp = 2, vpp = 1/tp = 2, pp = 2, vpp = 2/; s/sp = false/sp = true/' %s \
// RUN:   | moe-opt --moe-plan-overlap=policy=fb --convert-moe-to-ascend | FileCheck %s --check-prefix=OVERLAP
// RUN: sed 's/pp = 2, vpp = 1/pp = 2, vpp = 2/' %s \
// RUN:   | moe-opt --moe-plan-overlap=policy=fb --convert-moe-to-ascend | FileCheck %s --check-prefix=NOTHING
// Forward/backward overlap is a property of the schedule, taken from the
// communications moe-plan-overlap marks fb (here TP 2's); with virtual
// stages MindSpeed warms up one micro-batch more.
// OVERLAP: ascend.schedule stages = 2, chunks = 2, micro_batches = 4, extra_warmup = 1 overlap
// Without TP, CP or EP communication there is nothing to hide, so no
// communication is marked fb and the schedule stays plain.
// NOTHING: ascend.schedule stages = 2, chunks = 2, micro_batches = 4{{$}}
