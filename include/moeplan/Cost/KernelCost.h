//===- KernelCost.h - time of one kernel on one device --------------------===//
//
// A roofline: the slower of the kernel's FLOPs on its unit and its bytes on
// HBM, plus a fixed per-launch cost. Matrix kernels lose efficiency to shape:
// dimensions padded to the matrix unit's fractal (16 on the Cube), a
// reduction dimension that leaves a partial tile (256), and output tiles that
// leave some matrix cores idle in the last wave (small GEMMs, small experts).
//
//===----------------------------------------------------------------------===//

#ifndef MOEPLAN_COST_KERNELCOST_H
#define MOEPLAN_COST_KERNELCOST_H

#include "moeplan/Cost/Cluster.h"

#include "llvm/ADT/ArrayRef.h"

#include <array>

namespace moeplan {

enum class ComputeUnit { Cube, Vector };

struct KernelWork {
  ComputeUnit unit = ComputeUnit::Vector;
  double flops = 0;
  double bytes = 0;
  std::array<int64_t, 3> shape = {1, 1, 1}; ///< [m, n, k] for Cube kernels
  int64_t groups = 1;
  bool fp8 = false; ///< a Cube kernel on the FP8 path
  bool flash = false; ///< a fused flash-attention kernel
};

/// The fraction of the matrix unit's peak a Cube kernel of this shape can
/// reach, before the device's overall compute efficiency: fractal padding ×
/// partial reduction tiles × last-wave core utilisation. In (0, 1].
double cubeShapeEfficiency(const KernelWork &work, const DeviceSpec &device);

/// Seconds one kernel takes on `device`.
double kernelTime(const KernelWork &work, const DeviceSpec &device);

enum class CollectiveKind { AllReduce, AllGather, ReduceScatter, AllToAll };

/// A communicator group laid over a device grid: how many members it has,
/// and the span of ranks it covers with the grid's axes laid out row-major
/// (the last axis varies fastest, as Megatron orders ranks), which decides
/// the links it crosses.
struct GroupExtent {
  int64_t size = 1;
  int64_t span = 1;
};
GroupExtent groupExtent(llvm::ArrayRef<int64_t> gridShape,
                        llvm::ArrayRef<int16_t> axes);

/// Seconds a collective takes whose members each hold `bytes`: alpha-beta
/// over the slowest link level the group spans (formulas.md), plus the
/// device's collective launch.
double collectiveTime(CollectiveKind kind, GroupExtent group, int64_t bytes,
                      const ClusterSpec &cluster);

/// Seconds a pipeline send or receive of `bytes` takes.
double p2pTime(int64_t bytes, const ClusterSpec &cluster);

/// Seconds a swap of `bytes` to or from host memory takes.
double swapTime(int64_t bytes, const ClusterSpec &cluster);

} // namespace moeplan

#endif // MOEPLAN_COST_KERNELCOST_H
