// RUN: moe-opt %s --convert-moe-to-ascend="seq=256 attention=unfused" | FileCheck %s
// RUN: moe-opt %s --convert-moe-to-ascend="seq=256 attention=unfused recompute=selective" | FileCheck %s --check-prefix=SELECTIVE
// RUN: not moe-opt %s --convert-moe-to-ascend="attention=fused" 2>&1 | FileCheck %s --check-prefix=BAD

// Megatron's attention before FlashAttention: QKᵀ over the whole masked
// 256 × 256 score matrix of each of the 2 heads (2·256·256·64·2 FLOPs), a
// fused scale-mask-softmax and dropout over the 131072 scores, the product
// with V. The softmax output and dropout output (bf16) and the dropout mask
// (1 B) stay for backward: Korthikanti's 5·a·s²·b bytes = 655360.
// CHECK-LABEL: ascend.program stage = 0, chunk = 0, forward {
// CHECK:         ascend.cube "dense0.attention.scores" flops = 16777216, bytes = 393216, shape = [256, 256, 64], groups = 2
// CHECK-NEXT:    ascend.vector "dense0.attention.softmax" flops = 655360, bytes = 524288
// CHECK-NEXT:    ascend.vector "dense0.attention.dropout" flops = 131072, bytes = 655360
// CHECK-NEXT:    ascend.cube "dense0.attention.context" flops = 16777216, bytes = 393216, shape = [256, 64, 256], groups = 2
// CHECK:         ascend.save "dense0.attention.attention_scores" bytes = 655360
// CHECK-NOT:     softmax_lse
// CHECK-LABEL: ascend.program stage = 0, chunk = 0, backward {
// CHECK:         ascend.vector "dense0.attention.softmax.bwd"
// CHECK:         ascend.release "dense0.attention.attention_scores" bytes = 655360

// Selective recompute is what it was designed for: the scores are rerun in
// backward instead of kept.
// SELECTIVE-LABEL: ascend.program stage = 0, chunk = 0, forward {
// SELECTIVE-NOT:     attention_scores
// SELECTIVE-LABEL: ascend.program stage = 0, chunk = 0, backward {
// SELECTIVE:         ascend.recompute "dense0.attention" {
// SELECTIVE-NEXT:      ascend.cube "dense0.attention.scores"
// SELECTIVE-NEXT:      ascend.vector "dense0.attention.softmax"
// SELECTIVE-NEXT:      ascend.vector "dense0.attention.dropout"
// SELECTIVE-NEXT:      ascend.cube "dense0.attention.context"
// SELECTIVE-NEXT:      ascend.save "dense0.attention.attention_scores" bytes = 655360
// SELECTIVE-NEXT:    }

// BAD: error: unknown attention core 'fused'; expected flash or unfused
moe.model @dense hidden = 128, vocab = 1000 {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.norm rms
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
