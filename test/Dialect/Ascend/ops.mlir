// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s

// Every op of the ascend dialect survives a round trip; default streams are
// elided, others printed.

// CHECK-LABEL: ascend.plan @two_stages {
// CHECK-NEXT:    shard.grid @world(shape = 2x1x1x2)
// CHECK-NEXT:    ascend.schedule stages = 2, chunks = 2, micro_batches = 4, extra_warmup = 1 overlap
// CHECK-NEXT:    ascend.stage_memory stage = 0, weights = 10, grads = 20, optimizer = 60
// CHECK:         ascend.program stage = 0, chunk = 0, forward {
// CHECK-NEXT:      ascend.recv "activations" bytes = 64 from previous
// CHECK-NEXT:      ascend.vector "l0.norm" flops = 8, bytes = 16{{$}}
// CHECK-NEXT:      ascend.cube "l0.qkv" flops = 1024, bytes = 96, shape = [4, 8, 16]{{$}}
// CHECK-NEXT:      ascend.cube "l0.experts.fc1" flops = 2048, bytes = 96, shape = [4, 8, 16], groups = 2{{$}}
// CHECK-NEXT:      ascend.cube "l0.fp8" flops = 1024, bytes = 80, shape = [4, 8, 16] fp8{{$}}
// CHECK-NEXT:      ascend.record "qkv.done"{{$}}
// CHECK-NEXT:      ascend.wait "qkv.done" stream(comm)
// CHECK-NEXT:      ascend.all_to_all "l0.dispatch" on @world grid_axes = [3] bytes = 32{{$}}
// CHECK-NEXT:      ascend.all_reduce "l0.tp" on @world grid_axes = [1, 3] bytes = 32 stream(compute)
// CHECK-NEXT:      ascend.all_gather "l0.sp" on @world grid_axes = [3] bytes = 32
// CHECK-NEXT:      ascend.reduce_scatter "l0.sp2" on @world grid_axes = [3] bytes = 32
// CHECK-NEXT:      ascend.save "l0.q" bytes = 32
// CHECK-NEXT:      ascend.swap_out "l0.q" bytes = 32{{$}}
// CHECK-NEXT:      ascend.send "activations" bytes = 64 to next
// CHECK:         ascend.program stage = 0, chunk = 0, backward {
// CHECK-NEXT:      ascend.swap_in "l0.q" bytes = 32 stream(comm)
// CHECK-NEXT:      ascend.recompute "l0" {
// CHECK-NEXT:        ascend.vector "l0.norm" flops = 8, bytes = 16
// CHECK-NEXT:        ascend.save "l0.norm_out" bytes = 8
// CHECK-NEXT:      }
// CHECK-NEXT:      ascend.release "l0.norm_out" bytes = 8
// CHECK-NEXT:      ascend.release "l0.q" bytes = 32
// CHECK:         ascend.program stage = 0, chunk = 0, optimizer {
// CHECK-NEXT:      ascend.reduce_scatter "grads" on @world grid_axes = [1] bytes = 40 stream(dp)
ascend.plan @two_stages {
  shard.grid @world(shape = 2x1x1x2)
  ascend.schedule stages = 2, chunks = 2, micro_batches = 4, extra_warmup = 1 overlap
  ascend.stage_memory stage = 0, weights = 10, grads = 20, optimizer = 60
  ascend.stage_memory stage = 1, weights = 10, grads = 20, optimizer = 60
  ascend.program stage = 0, chunk = 0, forward {
    ascend.recv "activations" bytes = 64 from previous
    ascend.vector "l0.norm" flops = 8, bytes = 16
    ascend.cube "l0.qkv" flops = 1024, bytes = 96, shape = [4, 8, 16]
    ascend.cube "l0.experts.fc1" flops = 2048, bytes = 96, shape = [4, 8, 16], groups = 2
    ascend.cube "l0.fp8" flops = 1024, bytes = 80, shape = [4, 8, 16] fp8
    ascend.record "qkv.done"
    ascend.wait "qkv.done" stream(comm)
    ascend.all_to_all "l0.dispatch" on @world grid_axes = [3] bytes = 32
    ascend.all_reduce "l0.tp" on @world grid_axes = [1, 3] bytes = 32 stream(compute)
    ascend.all_gather "l0.sp" on @world grid_axes = [3] bytes = 32
    ascend.reduce_scatter "l0.sp2" on @world grid_axes = [3] bytes = 32
    ascend.save "l0.q" bytes = 32
    ascend.swap_out "l0.q" bytes = 32
    ascend.send "activations" bytes = 64 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.swap_in "l0.q" bytes = 32 stream(comm)
    ascend.recompute "l0" {
      ascend.vector "l0.norm" flops = 8, bytes = 16
      ascend.save "l0.norm_out" bytes = 8
    }
    ascend.release "l0.norm_out" bytes = 8
    ascend.release "l0.q" bytes = 32
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.reduce_scatter "grads" on @world grid_axes = [1] bytes = 40 stream(dp)
  }
  ascend.program stage = 0, chunk = 1, forward {
  }
  ascend.program stage = 0, chunk = 1, backward {
  }
  ascend.program stage = 1, chunk = 0, forward {
  }
  ascend.program stage = 1, chunk = 0, backward {
  }
  ascend.program stage = 1, chunk = 1, forward {
  }
  ascend.program stage = 1, chunk = 1, backward {
  }
}
