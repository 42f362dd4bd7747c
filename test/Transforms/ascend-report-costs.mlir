// RUN: moe-opt %s --ascend-report-costs="cluster=ascend-910b:128" -verify-diagnostics -split-input-file

// Kernel and collective times on the ascend-910b preset, by hand:
// - vector, memory bound: 2 us launch + 960000 B / (1.6 TB/s · 0.6) = 3 us;
// - a 4096³ GEMM: 5 us + 2·4096³ / (353.9 TFLOPS · 0.7 · 256/264), where
//   16·16 output tiles on 24 Cube cores leave the last of 11 waves 2/3 full;
// - all-reduce over grid axis 1 (8 consecutive ranks, one node's HCCS full
//   mesh at 196 GB/s · 0.7): 10 us + 2·7·0.5 us + 2·(7/8)·137.2 MB / 137.2 GB/s;
// - all-gather over axis 0 (16 ranks 8 apart, the RoCE NIC at 25 GB/s · 0.7):
//   10 us + 15·1.5 us + (15/16)·28 MB / 17.5 GB/s.
// The step: the forward (580.131 us), then backward's all-reduce, which
// compute waits for (exposed), then the all-gather, which ends the step
// after the last kernel (exposed too). Memory: 900 B of state, 1000 B saved
// and the preset's 3 GB reserve.

// expected-remark @+2 {{step 3879.631 us, critical stage 0: compute 580.131 us, exposed communication 3299.500 us, bubble 0.000 us}}
// expected-remark @+1 {{stage 0 peak memory 3000001900 bytes, activations 1000 bytes}}
ascend.plan @costs {
  shard.grid @world(shape = 16x8)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 1
  ascend.stage_memory stage = 0, weights = 100, grads = 200, optimizer = 600
  ascend.program stage = 0, chunk = 0, forward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "norm" flops = 0, bytes = 960000
    // expected-remark @+1 {{577.131 us}}
    ascend.cube "gemm" flops = 137438953472, bytes = 0, shape = [4096, 4096, 4096]
    ascend.save "x" bytes = 1000
  }
  ascend.program stage = 0, chunk = 0, backward {
    ascend.record "grad.ready"
    ascend.wait "grad.ready" stream(comm)
    // expected-remark @+1 {{1767.000 us}}
    ascend.all_reduce "tp" on @world grid_axes = [1] bytes = 137200000
    ascend.record "reduced" stream(comm)
    ascend.wait "reduced"
    // expected-remark @+1 {{1532.500 us}}
    ascend.all_gather "dp" on @world grid_axes = [0] bytes = 28000000
    ascend.release "x" bytes = 1000
  }
}

// -----

// Two stages, two micro-batches, 1F1B: stage 1 starts when stage 0's
// forward ends; the bubble is the (p - 1)/m = 1/2 of the ideal step that
// each stage idles. Each run is one 3 us vector kernel.
// expected-remark @+3 {{step 18.000 us, critical stage 0: compute 12.000 us, exposed communication 0.000 us, bubble 6.000 us}}
// expected-remark @+2 {{stage 0 peak memory 3000000002 bytes, activations 2 bytes}}
// expected-remark @+1 {{stage 1 peak memory 3000000001 bytes, activations 1 bytes}}
ascend.plan @pipeline {
  shard.grid @world(shape = 2)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 0, grads = 0, optimizer = 0
  ascend.stage_memory stage = 1, weights = 0, grads = 0, optimizer = 0
  ascend.program stage = 0, chunk = 0, forward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "f" flops = 0, bytes = 960000
    ascend.save "x" bytes = 1
  }
  ascend.program stage = 0, chunk = 0, backward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "b" flops = 0, bytes = 960000
    ascend.release "x" bytes = 1
  }
  ascend.program stage = 1, chunk = 0, forward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "f" flops = 0, bytes = 960000
    ascend.save "x" bytes = 1
  }
  ascend.program stage = 1, chunk = 0, backward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "b" flops = 0, bytes = 960000
    ascend.release "x" bytes = 1
  }
}

// -----

// Forward/backward overlap: each steady-state backward runs with the next
// forward, so while one waits for its 1532.5 us all-gather the other's
// 1002 us kernels run. Alone, every run takes 1002 + 1532.5 + 1002 us and
// four micro-batches take 28292 us; each of the three pairs (B0 F1, B1 F2,
// B2 F3) saves 2004 us.
// expected-remark @+2 {{step 22280.000 us, critical stage 0: compute 16032.000 us, exposed communication 6248.000 us, bubble 0.000 us}}
// expected-remark @+1 {{stage 0 peak memory 3000000000 bytes, activations 0 bytes}}
ascend.plan @overlap {
  shard.grid @world(shape = 16x8)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 4 overlap
  ascend.stage_memory stage = 0, weights = 0, grads = 0, optimizer = 0
  ascend.program stage = 0, chunk = 0, forward {
    // expected-remark @+1 {{1002.000 us}}
    ascend.vector "f1" flops = 0, bytes = 960000000
    ascend.record "in"
    ascend.wait "in" stream(comm)
    // expected-remark @+1 {{1532.500 us}}
    ascend.all_gather "a2a" on @world grid_axes = [0] bytes = 28000000
    ascend.record "out" stream(comm)
    ascend.wait "out"
    // expected-remark @+1 {{1002.000 us}}
    ascend.vector "f2" flops = 0, bytes = 960000000
  }
  ascend.program stage = 0, chunk = 0, backward {
    // expected-remark @+1 {{1002.000 us}}
    ascend.vector "b1" flops = 0, bytes = 960000000
    ascend.record "in"
    ascend.wait "in" stream(comm)
    // expected-remark @+1 {{1532.500 us}}
    ascend.all_gather "a2a" on @world grid_axes = [0] bytes = 28000000
    ascend.record "out" stream(comm)
    ascend.wait "out"
    // expected-remark @+1 {{1002.000 us}}
    ascend.vector "b2" flops = 0, bytes = 960000000
  }
}

// -----

// The pipeline hands a run to the next stage when its compute and its send
// are done, not when its data-parallel stream is: stage 1's last backward
// ends at 9 us and stage 0's starts then, while stage 1's gradient
// all-gather (1532.5 us, on the dp stream) runs on. Both stages then wait
// for their own all-gather: exposed, not bubble. Stage 0 ends the step at
// 12 + 1532.5 us; a chain through the reductions would end it at 3077 us.
// expected-remark @+3 {{step 1544.500 us, critical stage 0: compute 6.000 us, exposed communication 1532.500 us, bubble 6.000 us}}
// expected-remark @+2 {{stage 0 peak memory 3000000000 bytes, activations 0 bytes}}
// expected-remark @+1 {{stage 1 peak memory 3000000000 bytes, activations 0 bytes}}
ascend.plan @chain {
  shard.grid @world(shape = 16x8)
  ascend.schedule stages = 2, chunks = 1, micro_batches = 1
  ascend.stage_memory stage = 0, weights = 0, grads = 0, optimizer = 0
  ascend.stage_memory stage = 1, weights = 0, grads = 0, optimizer = 0
  ascend.program stage = 0, chunk = 0, forward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "f" flops = 0, bytes = 960000
  }
  ascend.program stage = 0, chunk = 0, backward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "b" flops = 0, bytes = 960000
    ascend.record "grads"
    ascend.wait "grads" stream(dp)
    // expected-remark @+1 {{1532.500 us}}
    ascend.all_gather "dp" on @world grid_axes = [0] bytes = 28000000 stream(dp) only last
  }
  ascend.program stage = 1, chunk = 0, forward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "f" flops = 0, bytes = 960000
  }
  ascend.program stage = 1, chunk = 0, backward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "b" flops = 0, bytes = 960000
    ascend.record "grads"
    ascend.wait "grads" stream(dp)
    // expected-remark @+1 {{1532.500 us}}
    ascend.all_gather "dp" on @world grid_axes = [0] bytes = 28000000 stream(dp) only last
  }
}

// -----

// The breakdown adds up to the step: the optimizer waits for the gradient
// reduction after the last backward kernel, and that wait is exposed
// communication, not bubble. Forward 3 us, backward 3 us, the reduction
// 1532.5 us, the optimizer 3 us.
// expected-remark @+2 {{step 1541.500 us, critical stage 0: compute 9.000 us, exposed communication 1532.500 us, bubble 0.000 us}}
// expected-remark @+1 {{stage 0 peak memory 3000000000 bytes, activations 0 bytes}}
ascend.plan @tail {
  shard.grid @world(shape = 16x8)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 1
  ascend.stage_memory stage = 0, weights = 0, grads = 0, optimizer = 0
  ascend.program stage = 0, chunk = 0, forward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "f" flops = 0, bytes = 960000
  }
  ascend.program stage = 0, chunk = 0, backward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "b" flops = 0, bytes = 960000
    ascend.record "grads"
    ascend.wait "grads" stream(dp)
    // expected-remark @+1 {{1532.500 us}}
    ascend.all_gather "dp" on @world grid_axes = [0] bytes = 28000000 stream(dp) only last
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "adam" flops = 0, bytes = 960000
  }
}

// -----

// A swap the host link cannot hide is priced: 25 MB each way over the
// preset's 25 GB/s host link is 1 ms; the swap-out runs after the forward's
// 3 us kernel, the swap-in queues behind it on the host stream, and the
// backward's kernel waits for it: 2 ms exposed.
// expected-remark @+2 {{step 2006.000 us, critical stage 0: compute 6.000 us, exposed communication 2000.000 us, bubble 0.000 us}}
// expected-remark @+1 {{stage 0 peak memory 3025000000 bytes, activations 25000000 bytes}}
ascend.plan @swap {
  shard.grid @world(shape = 1)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 1
  ascend.stage_memory stage = 0, weights = 0, grads = 0, optimizer = 0
  ascend.program stage = 0, chunk = 0, forward {
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "f" flops = 0, bytes = 960000
    ascend.save "x" bytes = 25000000
    ascend.record "x.saved"
    ascend.wait "x.saved" stream(host)
    // expected-remark @+1 {{1000.000 us}}
    ascend.swap_out "x" bytes = 25000000
  }
  ascend.program stage = 0, chunk = 0, backward {
    // expected-remark @+1 {{1000.000 us}}
    ascend.swap_in "x" bytes = 25000000
    ascend.record "x.fetched" stream(host)
    ascend.wait "x.fetched"
    // expected-remark @+1 {{3.000 us}}
    ascend.vector "b" flops = 0, bytes = 960000
    ascend.release "x" bytes = 25000000
  }
}
