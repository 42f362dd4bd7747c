// RUN: moe-opt %s -split-input-file -verify-diagnostics --ascend-verify-plan="cluster=ascend-910b:8"

// Each case after the first is the first plan broken by hand in one place,
// and the error names the defect.
// A plan as convert-moe-to-ascend lowers a two-layer model with PP 2, TP 2,
// DP 2, the distributed optimizer, selective recompute and one tensor
// swapped to host memory (most kernels left out), with the memory the
// evaluation records: each stage's high-water mark, as the cost interpreter
// measures it on the 910B (its 3 GB reserve included), and the claim that
// every stage fits in the device's 64 GiB. It passes.
ascend.plan @tiny attributes {fits_in = 68719476736 : i64} {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880 {peak = 3000256512 : i64}
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264 {peak = 3000287488 : i64}
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// Stage 1 receives fewer bytes than stage 0 sends.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    // expected-error @+1 {{send 'activations' (16384 bytes) of stage 0 chunk 0, micro-batch 0, is message 0 forward from stage 0 to stage 1; the receiver's message 0 is recv 'activations' (8192 bytes) of chunk 0, micro-batch 0}}
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    // expected-note @+1 {{the receive}}
    ascend.recv "activations" bytes = 8192 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The last virtual stage sends activations on.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    // expected-error @+1 {{send 'activations' of stage 1 chunk 0 forward has no peer: virtual stage 1 is the last of the pipeline}}
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// Stage 1 sends its gradients twice per micro-batch; stage 0 receives them
// once: the second send of micro-batch 0 meets micro-batch 1's receive.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    // expected-note @+1 {{the receive}}
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
    ascend.record "gradients.again"
    ascend.wait "gradients.again" stream(p2p)
    // expected-error @+1 {{send 'gradients' (16384 bytes) of stage 1 chunk 0, micro-batch 0, is message 1 backward from stage 1 to stage 0; the receiver's message 1 is recv 'gradients' (16384 bytes) of chunk 0, micro-batch 1}}
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// A collective over the pipeline axis has members on both stages, but only
// stage 0 issues it.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    // expected-error @+1 {{all_reduce 'dense0.grads.norm' spans the pipeline axis, but stage 1 issues only 0 such collectives per step to stage 0's 1}}
    ascend.all_reduce "dense0.grads.norm" on @attention grid_axes = [0, 1] bytes = 64 stream(dp) only last
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The two grids do not name the same devices.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  // expected-error @+1 {{grid @experts has 4 devices but @attention has 8; every grid of a plan names the same devices}}
  shard.grid @experts(shape = 2x2x1x1x1)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The grid does not put the pipeline stages on its first axis.
ascend.plan @tiny {
  // expected-error @+1 {{grid @attention's first axis (1) is not the schedule's 2 pipeline stages}}
  shard.grid @attention(shape = 1x2x2x2)
  shard.grid @experts(shape = 1x2x2x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The host stream waits for an event it records itself.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved" stream(host)
    // expected-error @+1 {{waits on the host stream for event 'dense0.attention.q.saved', which that stream itself records: it orders nothing}}
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// A TP all-reduce does not wait for the kernel whose output it reduces.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    // expected-error @+1 {{all_reduce 'dense0.attention.output_reduce' on the comm stream of stage 0 chunk 0 forward does not wait for cube 'dense0.attention.core' before it}}
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The compute stream never waits for the all-reduce.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    // expected-error @+1 {{the compute stream of stage 0 chunk 0 forward never waits for the result of all_reduce 'dense0.attention.output_reduce'}}
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The gradient reduction does not wait for the backward kernels.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    // expected-error @+1 {{reduce_scatter 'dense1.grads.reduce' on the dp stream of stage 1 chunk 0 backward does not wait for cube 'dense1.attention.core.bwd' before it}}
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The pipeline send does not wait for the activations it sends.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    // expected-error @+1 {{send 'activations' on the p2p stream of stage 0 chunk 0 forward does not wait for cube 'dense0.attention.core' before it}}
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// Backward releases a tensor forward never saved (the bytes balance, so the
// program verifier's count does not see it; 'dense1.attention.q' stays).
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    // expected-error @+1 {{releases 'dense1.attention.k' in stage 1 chunk 0 backward, which no save or recompute holds}}
    ascend.release "dense1.attention.k" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// A tensor forward keeps is recomputed too (and released twice).
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.save "dense1.attention.softmax_lse" bytes = 512
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      // expected-error @+1 {{saves 'dense1.attention.softmax_lse' in stage 1 chunk 0 backward while save 'dense1.attention.softmax_lse' still holds it}}
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// A swapped tensor is never fetched back.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    // expected-error @+1 {{releases 'dense0.attention.q' in stage 0 chunk 0 backward while it is in host memory: it is swapped out and never swapped back in}}
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// A tensor is fetched from host memory it was never sent to.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    // expected-error @+1 {{swaps in 'dense0.attention.q' in stage 0 chunk 0 backward, which is on the device: every swap-in follows its swap-out}}
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// Backward uses a swapped tensor before waiting for it to arrive.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    // expected-error @+1 {{'dense0.attention.q' is used in stage 0 chunk 0 backward without the compute stream waiting for its swap-in: no event the host stream records after it is waited on}}
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.wait "dense0.attention.q.fetched"
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The swap-out does not wait for the tensor to be produced.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    // expected-error @+1 {{swaps out 'dense0.attention.q' on the host stream of stage 0 chunk 0 forward without waiting for the compute stream to produce it}}
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The swap-in fetches fewer bytes than were sent.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    // expected-error @+1 {{swap_in 'dense0.attention.q' moves 4096 bytes but the tensor has 8192 (save 'dense0.attention.q')}}
    ascend.swap_in "dense0.attention.q" bytes = 4096
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The optimizer step fetches its state from host memory and keeps it.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    // expected-error @+1 {{swaps in 'optimizer.state' for stage 1 chunk 0 optimizer and never swaps it back out for the next step}}
    ascend.swap_in "optimizer.state" bytes = 123264
    ascend.record "optimizer.fetched" stream(host)
    ascend.wait "optimizer.fetched"
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// Part of layer 0 runs on stage 1.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    // expected-note @+1 {{its work there}}
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    // expected-error @+1 {{layer 'dense0' has work on stage 1 chunk 0 but also on stage 0 chunk 0; every layer sits on exactly one (stage, chunk)}}
    ascend.vector "dense0.norm" flops = 0, bytes = 64
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// Layer 1 is missing.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    // expected-error @+1 {{the plan has decoder layer 2 ('dense2') but no decoder layer 1}}
    ascend.all_gather "dense2.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense2.weights" stream(dp)
    ascend.wait "dense2.weights"
    ascend.cube "dense2.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense2.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense2.attention" {
      ascend.cube "dense2.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense2.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense2.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense2.attention.q" bytes = 8192
    ascend.release "dense2.attention.softmax_lse" bytes = 512
    ascend.record "dense2.grads"
    ascend.wait "dense2.grads" stream(dp)
    ascend.reduce_scatter "dense2.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// Layers 0 and 1 sit on each other's stage.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    // expected-error @+1 {{layer 'dense1' sits on virtual stage 0 (stage 0 chunk 0), before layer 'dense0' on virtual stage 1; the pipeline runs layers in model order}}
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense1.attention.output_reduce.in"
    ascend.wait "dense1.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense1.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense1.attention.output_reduce.out" stream(comm)
    ascend.wait "dense1.attention.output_reduce.out"
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.record "dense1.attention.q.saved"
    ascend.wait "dense1.attention.q.saved" stream(host)
    ascend.swap_out "dense1.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense1.attention.q" bytes = 8192
    ascend.record "dense1.attention.q.fetched" stream(host)
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense1.attention.q.fetched"
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The recorded high-water mark is not what the interpreter measures.
ascend.plan @tiny {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  // expected-error @+1 {{stage 0's memory high-water mark is 3000256512 bytes (weights 40960, grads 81920, optimizer 122880, activations 10752, reserve 3000000000) but the plan's report says 3000000000}}
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880 {peak = 3000000000 : i64}
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The plan claims to fit in less than stage 1 needs.
ascend.plan @tiny attributes {fits_in = 3000270000 : i64} {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  // expected-error @+1 {{the plan claims to fit in 3000270000 bytes per device, but stage 1's memory high-water mark is 3000287488 bytes (activations 40960), 17488 over}}
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}

// -----

// The claim is for devices larger than the cluster's.
// expected-error @+1 {{claims to fit in 100000000000 bytes per device, more than the 68719476736 of ascend-910b's devices}}
ascend.plan @tiny attributes {fits_in = 100000000000 : i64} {
  shard.grid @attention(shape = 2x2x1x2)
  shard.grid @experts(shape = 2x2x1x1x2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 40960, grads = 81920, optimizer = 122880
  ascend.program stage = 0, chunk = 0, forward {
    ascend.vector "embedding.lookup" flops = 0, bytes = 33792
    ascend.save "embedding.token_ids" bytes = 1024
    ascend.all_gather "dense0.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense0.weights" stream(dp)
    ascend.wait "dense0.weights"
    ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.record "dense0.attention.output_reduce.in"
    ascend.wait "dense0.attention.output_reduce.in" stream(comm)
    ascend.all_reduce "dense0.attention.output_reduce" on @attention grid_axes = [3] bytes = 16384
    ascend.record "dense0.attention.output_reduce.out" stream(comm)
    ascend.wait "dense0.attention.output_reduce.out"
    ascend.save "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.saved"
    ascend.wait "dense0.attention.q.saved" stream(host)
    ascend.swap_out "dense0.attention.q" bytes = 8192
    ascend.record "activations"
    ascend.wait "activations" stream(p2p)
    ascend.send "activations" bytes = 16384 to next
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.recv "gradients" bytes = 16384 from next
    ascend.swap_in "dense0.attention.q" bytes = 8192
    ascend.record "dense0.attention.q.fetched" stream(host)
    ascend.recompute "dense0.attention" {
      ascend.cube "dense0.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense0.attention.softmax_lse" bytes = 512
    }
    ascend.wait "dense0.attention.q.fetched"
    ascend.cube "dense0.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense0.attention.q" bytes = 8192
    ascend.release "dense0.attention.softmax_lse" bytes = 512
    ascend.record "dense0.grads"
    ascend.wait "dense0.grads" stream(dp)
    ascend.reduce_scatter "dense0.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.vector "embedding.lookup.bwd" flops = 8192, bytes = 49152
    ascend.release "embedding.token_ids" bytes = 1024
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20480, bytes = 40960
    ascend.vector "optimizer.adam" flops = 122880, bytes = 307200
  }
  ascend.stage_memory stage = 1, weights = 41088, grads = 82176, optimizer = 123264
  ascend.program stage = 1, chunk = 0, forward {
    ascend.recv "activations" bytes = 16384 from previous
    ascend.all_gather "dense1.weights.gather" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only first
    ascend.record "dense1.weights" stream(dp)
    ascend.wait "dense1.weights"
    ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
    ascend.save "dense1.attention.q" bytes = 8192
    ascend.vector "loss" flops = 40960, bytes = 16896
    ascend.save "loss.softmax" bytes = 32768
  }
  ascend.program stage = 1, chunk = 0, backward {
    ascend.vector "loss.bwd" flops = 24576, bytes = 32768
    ascend.release "loss.softmax" bytes = 32768
    ascend.recompute "dense1.attention" {
      ascend.cube "dense1.attention.core" flops = 1056768, bytes = 33280, shape = [128, 128, 64] flash
      ascend.save "dense1.attention.softmax_lse" bytes = 512
    }
    ascend.cube "dense1.attention.core.bwd" flops = 2641920, bytes = 66560, shape = [128, 128, 64] flash
    ascend.release "dense1.attention.q" bytes = 8192
    ascend.release "dense1.attention.softmax_lse" bytes = 512
    ascend.record "dense1.grads"
    ascend.wait "dense1.grads" stream(dp)
    ascend.reduce_scatter "dense1.grads.reduce" on @attention grid_axes = [1, 2] bytes = 32768 stream(dp) only last
    ascend.record "gradients"
    ascend.wait "gradients" stream(p2p)
    ascend.send "gradients" bytes = 16384 to previous
  }
  ascend.program stage = 1, chunk = 0, optimizer {
    ascend.vector "optimizer.grad_norm" flops = 20544, bytes = 41088
    ascend.vector "optimizer.adam" flops = 123264, bytes = 308160
  }
}
