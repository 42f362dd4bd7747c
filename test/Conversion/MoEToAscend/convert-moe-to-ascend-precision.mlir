// RUN: moe-opt %s --split-input-file --verify-diagnostics --convert-moe-to-ascend | FileCheck %s
// RUN: sed 's/attention = flash/attention = unfused/' %s \
// RUN:   | moe-opt --split-input-file --verify-diagnostics --convert-moe-to-ascend | FileCheck %s --check-prefix=UNFUSED

// FP8 training runs the linear layers' GEMMs on the FP8 path: one-byte
// operands and a bf16 result, (256·128 + 128·384) + 2·256·384 bytes for the
// QKV projection. Each FP8 GEMM's activation input is cast first (read bf16,
// write FP8 row- and column-wise: 4 bytes per element, 256·128 of them), and
// in backward its output gradient. The attention core and the output layer
// stay bf16.
// CHECK: ascend.vector "dense0.attention.qkv_proj.quantize" flops = 65536, bytes = 131072
// CHECK-NEXT: ascend.cube "dense0.attention.qkv_proj" flops = 25165824, bytes = 278528, shape = [256, 384, 128] fp8
// CHECK: ascend.cube "dense0.attention.core" {{.*}}groups = 2 flash{{$}}
// CHECK: ascend.cube "dense0.mlp.fc1" {{.*}} fp8
// CHECK-NOT: lm_head.quantize
// CHECK: ascend.cube "lm_head" {{.*}}shape = [256, 1000, 128]{{$}}
// CHECK-LABEL: backward
// CHECK: ascend.cube "lm_head.dgrad" {{.*}}shape = [256, 128, 1000]{{$}}
// CHECK: ascend.vector "dense0.mlp.fc2.grad_quantize" flops = 65536, bytes = 131072
// CHECK-NEXT: ascend.cube "dense0.mlp.fc2.dgrad" {{.*}} fp8
// CHECK: ascend.cube "dense0.mlp.fc2.wgrad" {{.*}} fp8

// The unfused core's score products stay bf16 too.
// UNFUSED: ascend.cube "dense0.attention.scores" {{.*}}groups = 2{{$}}
// UNFUSED: ascend.cube "dense0.attention.context" {{.*}}groups = 2{{$}}

moe.model @dense hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 1, precision = fp8, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}

// -----

// A precision other than bf16 and fp8 is rejected when the model is read.
// expected-error @+1 {{'precision' must be bf16 or fp8, got 'fp4'}}
moe.model @fp4 hidden = 128, vocab = 1000 attributes {moe.training = #moe.training<seq = 256, micro_batch = 1, global_batch = 1, precision = fp4, attention = flash>} {
  moe.embedding
  moe.decoder_layer 0 {
    moe.attention heads = 2, kv_heads = 2, head_dim = 64
    moe.mlp ffn = 256, swiglu
  }
  moe.norm rms
  moe.lm_head
  moe.loss
}
