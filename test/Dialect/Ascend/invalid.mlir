// RUN: moe-opt %s -split-input-file -verify-diagnostics --allow-unregistered-dialect

// One case per verifier message of the ascend dialect.

// A plan has one schedule.
// expected-error @+1 {{'ascend.plan' op needs exactly one 'ascend.schedule', found 0}}
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// A plan names its device grid.
// expected-error @+1 {{'ascend.plan' op needs a 'shard.grid' naming the device grid}}
ascend.plan @p {
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Only plan-level ops in a plan.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
  // expected-error @+1 {{'test.op' op is not allowed directly in an 'ascend.plan'}}
  "test.op"() : () -> ()
}

// -----

// Stage memory is for a stage of the schedule.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  // expected-error @+1 {{'ascend.stage_memory' op is for stage 2 but the schedule has 1 stages}}
  ascend.stage_memory stage = 2, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Stage memory once per stage.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  // expected-error @+1 {{'ascend.stage_memory' op repeats stage 0}}
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Every stage has its memory.
// expected-error @+1 {{'ascend.plan' op has no 'ascend.stage_memory' for stage 0}}
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Programs are for stages and chunks of the schedule.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
  // expected-error @+1 {{'ascend.program' op is for stage 0 chunk 1 but the schedule has 1 stages of 1 chunks}}
  ascend.program stage = 0, chunk = 1, forward {
  }
}

// -----

// One program per (stage, chunk, phase).
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
  // expected-error @+1 {{'ascend.program' op repeats a (stage, chunk, phase) of the plan}}
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Every chunk has a backward program.
// expected-error @+1 {{'ascend.plan' op has no backward program for stage 0 chunk 0}}
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
}

// -----

// Saved bytes are all released.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    ascend.save "q" bytes = 16
  }
  // expected-error @+1 {{'ascend.program' op releases 8 bytes but the forward program of stage 0 chunk 0 saves 16}}
  ascend.program stage = 0, chunk = 0, backward {
    ascend.release "q" bytes = 8
  }
}

// -----

// The interleaved schedule needs micro-batches in multiples of stages.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  // expected-error @+1 {{'ascend.schedule' op interleaved schedule (chunks = 2) needs 'micro_batches' (3) to be a multiple of 'stages' (2)}}
  ascend.schedule stages = 2, chunks = 2, micro_batches = 3
}

// -----

// Schedules have at least one stage.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  // expected-error @+1 {{'ascend.schedule' op attribute 'stages' failed to satisfy constraint: positive count}}
  ascend.schedule stages = 0, chunks = 1, micro_batches = 3
}

// -----

// Optimizer programs use chunk 0.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
  // expected-error @+1 {{'ascend.program' op optimizer programs are per stage and use chunk 0, got chunk 1}}
  ascend.program stage = 0, chunk = 1, optimizer {
  }
}

// -----

// Events are recorded before they are waited on.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    // expected-error @+1 {{'ascend.wait' op waits for event 'e' that is not recorded earlier in the program}}
    ascend.wait "e"
    ascend.record "e" stream(comm)
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Releases belong to backward.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    // expected-error @+1 {{'ascend.release' op is only allowed in backward programs}}
    ascend.release "q" bytes = 8
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Optimizer programs save nothing.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    // expected-error @+1 {{'ascend.save' op is not allowed in optimizer programs}}
    ascend.save "q" bytes = 8
  }
}

// -----

// Recompute belongs to backward.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    // expected-error @+1 {{'ascend.recompute' op is only allowed in backward programs}}
    ascend.recompute "l0" {
    }
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Cube shapes are [m, n, k].
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    // expected-error @+1 {{'ascend.cube' op 'shape' must be [m, n, k], got 2 dimensions}}
    ascend.cube "x" flops = 1, bytes = 1, shape = [4, 4]
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Cube dimensions are positive.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    // expected-error @+1 {{'ascend.cube' op 'shape' dimensions must be positive, got 0}}
    ascend.cube "x" flops = 1, bytes = 1, shape = [4, 0, 4]
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Kernel costs are not negative.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    // expected-error @+1 {{'ascend.vector' op attribute 'bytes' failed to satisfy constraint: non-negative count}}
    ascend.vector "x" flops = 1, bytes = -1
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Collectives name an existing grid.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    // expected-error @+1 {{'ascend.all_reduce' op refers to @nowhere, which is not a 'shard.grid'}}
    ascend.all_reduce "x" on @nowhere grid_axes = [0] bytes = 8
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Collectives need a group.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    // expected-error @+1 {{'ascend.all_gather' op needs at least one grid axis}}
    ascend.all_gather "x" on @world grid_axes = [] bytes = 8
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Grid axes exist.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    // expected-error @+1 {{'ascend.all_to_all' op grid axis 2 is out of range for @world of rank 2}}
    ascend.all_to_all "x" on @world grid_axes = [2] bytes = 8
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Grid axes are distinct.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
    // expected-error @+1 {{'ascend.reduce_scatter' op repeats grid axis 1}}
    ascend.reduce_scatter "x" on @world grid_axes = [1, 1] bytes = 8
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
}

// -----

// Kernels live in programs.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
  // expected-error @+1 {{'ascend.vector' op expects parent op to be one of 'ascend.program, ascend.recompute'}}
  ascend.vector "x" flops = 1, bytes = 1
}

// -----

// Optimizer programs already run once per step.
ascend.plan @p {
  shard.grid @world(shape = 1x2)
  ascend.schedule stages = 1, chunks = 1, micro_batches = 2
  ascend.stage_memory stage = 0, weights = 1, grads = 1, optimizer = 1
  ascend.program stage = 0, chunk = 0, forward {
  }
  ascend.program stage = 0, chunk = 0, backward {
  }
  ascend.program stage = 0, chunk = 0, optimizer {
    // expected-error @+1 {{'ascend.all_reduce' op runs once per step already in an optimizer program; drop 'only'}}
    ascend.all_reduce "x" on @world grid_axes = [1] bytes = 8 only last
  }
}
