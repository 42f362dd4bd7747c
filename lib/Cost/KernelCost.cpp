//===- KernelCost.cpp - time of one kernel on one device ------------------===//

#include "moeplan/Cost/KernelCost.h"

#include <algorithm>
#include <cmath>

namespace moeplan {
namespace {
int64_t roundUp(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}
int64_t ceilDiv(int64_t value, int64_t divisor) {
  return (value + divisor - 1) / divisor;
}
} // namespace

double cubeShapeEfficiency(const KernelWork &work, const DeviceSpec &device) {
  auto [m, n, k] = work.shape;
  int64_t fractal = std::max<int64_t>(1, device.alignment.value);
  int64_t tile = std::max<int64_t>(1, device.tileAlignment.value);
  int64_t cores = std::max<int64_t>(1, device.matrixCores.value);

  // Every dimension is padded to the fractal the unit multiplies at once.
  double padding = double(m) / roundUp(m, fractal) * double(n) /
                   roundUp(n, fractal) * double(k) / roundUp(k, fractal);
  // A reduction longer than one tile pays for its last tile in full.
  double reduction = k > tile ? double(k) / roundUp(k, tile) : 1.0;
  // Output tiles are spread over the cores in waves; the last wave may
  // leave cores idle (the small-GEMM penalty).
  int64_t tiles = ceilDiv(m, tile) * ceilDiv(n, tile) * work.groups;
  int64_t waves = ceilDiv(tiles, cores);
  double occupancy = double(tiles) / double(waves * cores);
  return padding * reduction * occupancy;
}

double kernelTime(const KernelWork &work, const DeviceSpec &device) {
  double memory = work.bytes / (device.memoryBandwidth.value *
                                device.memoryEfficiency.value);
  if (work.unit == ComputeUnit::Vector) {
    double compute = work.flops / (device.vectorFlops.value *
                                   device.computeEfficiency.value);
    return device.vectorLaunch.value + std::max(compute, memory);
  }
  const Constant &peak = work.fp8 ? device.cubeFlopsFP8 : device.cubeFlopsBF16;
  const Constant &efficiency = work.flash ? device.attentionEfficiency
                               : work.fp8 ? device.computeEfficiencyFP8
                                          : device.computeEfficiency;
  double compute = work.flops / (peak.value * efficiency.value *
                                 cubeShapeEfficiency(work, device));
  return device.cubeLaunch.value + std::max(compute, memory);
}

GroupExtent groupExtent(llvm::ArrayRef<int64_t> gridShape,
                        llvm::ArrayRef<int16_t> axes) {
  GroupExtent group;
  for (int16_t axis : axes) {
    int64_t stride = 1;
    for (size_t inner = axis + 1; inner < gridShape.size(); ++inner)
      stride *= gridShape[inner];
    group.size *= gridShape[axis];
    group.span += (gridShape[axis] - 1) * stride;
  }
  return group;
}

double collectiveTime(CollectiveKind kind, GroupExtent group, int64_t bytes,
                      const ClusterSpec &cluster) {
  // Ring all-reduce 2(n-1)α + 2(n-1)/n·M/B, the others (n-1)α + (n-1)/n·M/B.
  int64_t n = group.size;
  if (n <= 1)
    return 0;
  LinkLevel level = cluster.levelForSpan(group.span);
  double bandwidth = level.link->achievableBandwidth(n, level.devices);
  double alpha = level.link->latency.value;
  double share = double(n - 1) / n * double(bytes) / bandwidth;
  double time = kind == CollectiveKind::AllReduce
                    ? 2 * (n - 1) * alpha + 2 * share
                    : (n - 1) * alpha + share;
  return cluster.device.collectiveLaunch.value + time;
}

double p2pTime(int64_t bytes, const ClusterSpec &cluster) {
  const LinkSpec &link = cluster.interNode;
  return link.latency.value +
         bytes / (link.bandwidth.value * link.efficiency.value);
}

double swapTime(int64_t bytes, const ClusterSpec &cluster) {
  return bytes / cluster.device.hostLinkBandwidth.value;
}

} // namespace moeplan
