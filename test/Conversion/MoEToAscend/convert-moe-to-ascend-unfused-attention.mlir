// RUN: moe-opt %s --split-input-file --verify-diagnostics --convert-moe-to-ascend | FileCheck %s
// RUN: moe-opt %s --split-input-file --verify-diagnostics --moe-select-memory=policy=selective --convert-moe-to-ascend \
// RUN:   | FileCheck %s --check-prefix=SELECTIVE

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

moe.model @dense hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 1, precision = bf16, attention = unfused>} {
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

// -----

// An attention core other than flash and unfused is rejected when the model
// is read.
// expected-error @+1 {{'attention' must be flash or unfused, got 'fused'}}
moe.model @fused hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 1, precision = bf16, attention = fused>} {
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
