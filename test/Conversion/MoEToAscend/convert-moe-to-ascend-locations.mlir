// RUN: moe-opt %s --convert-moe-to-ascend -mlir-print-debuginfo | FileCheck %s

// Every lowered op is located at the moe op it comes from, named after its
// kernels' prefix, so a remark, an error or a trace event names the layer:
// the attention of layer 1 (line 23) lowers to ops at "dense1.attention",
// the input the layer keeps for its full recompute to "dense1" (line 21).
// CHECK: ascend.cube "dense1.attention.qkv_proj" {{.*}}loc([[ATT:#loc[0-9]+]])
// CHECK: ascend.save "dense1.input" {{.*}}loc([[LAYER:#loc[0-9]+]])
// CHECK-DAG: [[LAYER]] = loc("dense1"([[LAYERLINE:#loc[0-9]+]]))
// CHECK-DAG: [[ATT]] = loc("dense1.attention"([[ATTLINE:#loc[0-9]+]]))
// CHECK-DAG: [[LAYERLINE]] = loc({{.*}}convert-moe-to-ascend-locations.mlir":21:3)
// CHECK-DAG: [[ATTLINE]] = loc({{.*}}convert-moe-to-ascend-locations.mlir":23:5)
moe.model @m hidden = 64, vocab = 16 attributes {moe.training = #moe.training<seq = 128, micro_batch = 1, global_batch = 1, precision = bf16, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.norm rms
    moe.attention heads = 2, kv_heads = 2, head_dim = 32
    moe.norm rms
    moe.mlp ffn = 64, swiglu
  }
  moe.decoder_layer 1 {
    moe.norm rms {moe.memory = #moe.memory<input = recompute, rstd = recompute>}
    moe.attention heads = 2, kv_heads = 2, head_dim = 32 {moe.memory = #moe.memory<qkv_input = recompute, q = recompute, kv = recompute, core_output = recompute, softmax_lse = recompute>}
    moe.norm rms {moe.memory = #moe.memory<input = recompute, rstd = recompute>}
    moe.mlp ffn = 64, swiglu {moe.memory = #moe.memory<fc1_input = recompute, act_input = recompute, fc2_input = recompute>}
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
