//===- Cluster.cpp - load and validate cluster presets and files ----------===//
//
// Every constant is written {"value", "unit", "source"[, "assumption"]} in
// the unit its source uses and converted to SI here, by the unit's name.
// Fields are described by tables, so that parsing, validation and
// ClusterSpec::constants() cannot drift apart. The schema is in
// docs/clusters.md.
//
//===----------------------------------------------------------------------===//

#include "moeplan/Cost/Cluster.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace moeplan {
namespace {

constexpr StringLiteral kSchema = "moe-cluster/1";

//===----------------------------------------------------------------------===//
// Presets: data/clusters/*.json, embedded at configure time.
//===----------------------------------------------------------------------===//

struct PresetText {
  const char *name;
  const char *json;
};

// Sorted by name: lib/Cost/CMakeLists.txt sorts the files.
constexpr PresetText kPresets[] = {
#include "ClusterPresets.inc"
};

//===----------------------------------------------------------------------===//
// Units
//===----------------------------------------------------------------------===//

/// What a constant measures; each field accepts the units of one dimension.
enum class Dim {
  FlopRate,
  Bytes,
  ByteRate,
  Time,
  Fraction,
  Devices,
  Elements,
  Cores
};

struct Unit {
  StringLiteral name;
  Dim dim;
  double toSI;
};

constexpr double kMiB = 1024.0 * 1024, kGiB = 1024.0 * kMiB;
constexpr Unit kUnits[] = {
    {"FLOP/s", Dim::FlopRate, 1},
    {"GFLOPS", Dim::FlopRate, 1e9},
    {"TFLOPS", Dim::FlopRate, 1e12},
    {"PFLOPS", Dim::FlopRate, 1e15},
    {"B", Dim::Bytes, 1},
    {"MB", Dim::Bytes, 1e6},
    {"GB", Dim::Bytes, 1e9},
    {"TB", Dim::Bytes, 1e12},
    {"MiB", Dim::Bytes, kMiB},
    {"GiB", Dim::Bytes, kGiB},
    {"B/s", Dim::ByteRate, 1},
    {"MB/s", Dim::ByteRate, 1e6},
    {"GB/s", Dim::ByteRate, 1e9},
    {"TB/s", Dim::ByteRate, 1e12},
    {"GiB/s", Dim::ByteRate, kGiB},
    // Network links are quoted in bits per second.
    {"Mb/s", Dim::ByteRate, 1e6 / 8},
    {"Gb/s", Dim::ByteRate, 1e9 / 8},
    {"Tb/s", Dim::ByteRate, 1e12 / 8},
    {"s", Dim::Time, 1},
    {"ms", Dim::Time, 1e-3},
    {"us", Dim::Time, 1e-6},
    {"ns", Dim::Time, 1e-9},
    {"fraction", Dim::Fraction, 1},
    {"devices", Dim::Devices, 1},
    {"elements", Dim::Elements, 1},
    {"cores", Dim::Cores, 1},
};

StringRef dimName(Dim dim) {
  switch (dim) {
  case Dim::FlopRate:
    return "a FLOP rate";
  case Dim::Bytes:
    return "a size in bytes";
  case Dim::ByteRate:
    return "a bandwidth";
  case Dim::Time:
    return "a time";
  case Dim::Fraction:
    return "a fraction";
  case Dim::Devices:
    return "a device count";
  case Dim::Elements:
    return "an element count";
  case Dim::Cores:
    return "a number of cores";
  }
  llvm_unreachable("unknown dimension");
}

const Unit *findUnit(StringRef name) {
  for (const Unit &unit : kUnits)
    if (unit.name == name)
      return &unit;
  return nullptr;
}

std::string unitsOf(Dim dim) {
  SmallVector<StringRef> names;
  for (const Unit &unit : kUnits)
    if (unit.dim == dim)
      names.push_back(unit.name);
  return join(names, ", ");
}

//===----------------------------------------------------------------------===//
// Field tables
//===----------------------------------------------------------------------===//

/// Which values a field admits.
enum class Range { Positive, NonNegative, Fraction, PositiveInteger };

StringRef rangeName(Range range) {
  switch (range) {
  case Range::Positive:
    return "a positive number";
  case Range::NonNegative:
    return "a number >= 0";
  case Range::Fraction:
    return "in (0, 1]";
  case Range::PositiveInteger:
    return "a positive integer";
  }
  llvm_unreachable("unknown range");
}

bool inRange(double v, Range range) {
  switch (range) {
  case Range::Positive:
    return v > 0;
  case Range::NonNegative:
    return v >= 0;
  case Range::Fraction:
    return v > 0 && v <= 1;
  case Range::PositiveInteger:
    return v >= 1 && v == std::floor(v) && v < 9.0e15;
  }
  llvm_unreachable("unknown range");
}

/// The values of each dimension a device or link can plausibly have, in SI
/// units, with room for decades of hardware either way. Outside them the
/// times and ratios the interpreter computes leave the range of a double
/// (1e308 FLOP/s made MFU 0 and 1e-308 made it inf).
struct Plausible {
  double low, high; ///< low applies to nonzero values only
  StringLiteral unit;
};

Plausible plausible(Dim dim) {
  switch (dim) {
  case Dim::FlopRate:
    return {1e6, 1e18, "FLOP/s"};
  case Dim::Bytes:
    return {1, 1e15, "B"};
  case Dim::ByteRate:
    return {1e3, 1e15, "B/s"};
  case Dim::Time:
    return {1e-12, 1, "s"};
  case Dim::Fraction:
    return {1e-3, 1, "fraction"};
  case Dim::Devices:
  case Dim::Elements:
  case Dim::Cores:
    return {1, double(1 << 20), ""};
  }
  llvm_unreachable("unknown dimension");
}

template <typename T> struct Field {
  StringLiteral key;
  Dim dim;
  Range range;
  Constant T::*member;
};

// A missing FP8 path is 0; zero launch costs or reserve are allowed for
// what-if studies.
constexpr Field<DeviceSpec> kDeviceFields[] = {
    {"cube_flops_bf16", Dim::FlopRate, Range::Positive,
     &DeviceSpec::cubeFlopsBF16},
    {"cube_flops_fp8", Dim::FlopRate, Range::NonNegative,
     &DeviceSpec::cubeFlopsFP8},
    {"vector_flops", Dim::FlopRate, Range::Positive, &DeviceSpec::vectorFlops},
    {"memory", Dim::Bytes, Range::Positive, &DeviceSpec::memoryBytes},
    {"memory_bandwidth", Dim::ByteRate, Range::Positive,
     &DeviceSpec::memoryBandwidth},
    {"compute_efficiency", Dim::Fraction, Range::Fraction,
     &DeviceSpec::computeEfficiency},
    {"memory_efficiency", Dim::Fraction, Range::Fraction,
     &DeviceSpec::memoryEfficiency},
    {"cube_launch", Dim::Time, Range::NonNegative, &DeviceSpec::cubeLaunch},
    {"vector_launch", Dim::Time, Range::NonNegative, &DeviceSpec::vectorLaunch},
    {"collective_launch", Dim::Time, Range::NonNegative,
     &DeviceSpec::collectiveLaunch},
    {"alignment", Dim::Elements, Range::PositiveInteger,
     &DeviceSpec::alignment},
    {"tile_alignment", Dim::Elements, Range::PositiveInteger,
     &DeviceSpec::tileAlignment},
    {"matrix_cores", Dim::Cores, Range::PositiveInteger,
     &DeviceSpec::matrixCores},
    {"host_link_bandwidth", Dim::ByteRate, Range::Positive,
     &DeviceSpec::hostLinkBandwidth},
    {"runtime_reserve", Dim::Bytes, Range::NonNegative,
     &DeviceSpec::runtimeReserveBytes},
};

/// Optional: without them the FP8 path and flash attention have the BF16
/// GEMMs' efficiency.
constexpr StringLiteral kFP8EfficiencyKey = "compute_efficiency_fp8";
constexpr StringLiteral kAttentionEfficiencyKey = "attention_efficiency";

constexpr Field<LinkSpec> kLinkFields[] = {
    {"bandwidth", Dim::ByteRate, Range::Positive, &LinkSpec::bandwidth},
    {"latency", Dim::Time, Range::NonNegative, &LinkSpec::latency},
    {"efficiency", Dim::Fraction, Range::Fraction, &LinkSpec::efficiency},
};

constexpr StringRef kTopKeys[] = {"schema",
                                  "description",
                                  "devices",
                                  "devices_per_node",
                                  "allocation_unit",
                                  "device",
                                  "peak_flops_for_mfu",
                                  "links"};
constexpr StringRef kLinksKeys[] = {"inner", "intra_node", "inter_node"};
constexpr StringRef kConstantKeys[] = {"value", "unit", "source", "assumption"};

template <typename T> SmallVector<StringRef> keysOf(ArrayRef<Field<T>> fields) {
  SmallVector<StringRef> keys;
  for (const Field<T> &field : fields)
    keys.push_back(field.key);
  return keys;
}

std::string dotted(const std::string &path, StringRef key) {
  return path.empty() ? key.str() : path + "." + key.str();
}

std::string show(const json::Value &value) {
  return formatv("{0}", value).str();
}

/// "[3:5, byte=20]: message" (json::ParseError) -> "at line 3, column 5:
/// message".
std::string describeParseError(StringRef message) {
  size_t close = message.find("]: ");
  if (!message.starts_with("[") || close == StringRef::npos)
    return (": " + message).str();
  auto [line, column] = message.slice(1, close).split(',').first.split(':');
  return formatv(" at line {0}, column {1}: {2}", line, column,
                 message.drop_front(close + 3))
      .str();
}

/// " (did you mean 'x'?)" for the candidates `word` is a prefix of, else for
/// those within two edits of it; "" when none is close.
std::string suggest(StringRef word, ArrayRef<StringRef> candidates) {
  if (word.empty())
    return "";
  SmallVector<StringRef> close;
  for (StringRef candidate : candidates)
    if (candidate.starts_with(word))
      close.push_back(candidate);
  if (close.empty()) {
    unsigned best = 3;
    for (StringRef candidate : candidates) {
      unsigned distance = word.edit_distance(candidate);
      if (distance < best)
        close.clear();
      if (distance <= best) {
        best = distance;
        close.push_back(candidate);
      }
    }
  }
  if (close.empty())
    return "";
  return " (did you mean '" + join(close, "' or '") + "'?)";
}

/// Gives `spec` `devices`: any count up to one node, else a multiple of a
/// node. With an allocation unit (NVL72 trays) a count of whole units is
/// also a layout real schedulers give: the job's NVLink domains are then the
/// largest equal partial nodes of whole units that tile it (256 GPUs on
/// NVL72 racks: 4 domains of 64).
Error setDeviceCount(ClusterSpec &spec, int64_t devices, StringRef what) {
  if (devices > kMaxDevices)
    return createStringError(formatv("{0}: {1} devices is beyond the "
                                     "planner's limit of {2} (2^24)",
                                     what, devices, kMaxDevices));
  auto perNode = static_cast<int64_t>(spec.devicesPerNode.value);
  auto unit = static_cast<int64_t>(spec.allocationUnit.value);
  if (devices <= perNode || devices % perNode == 0) {
    spec.devices = devices;
    return Error::success();
  }
  if (unit > 0 && devices % unit == 0) {
    int64_t domain = perNode / unit * unit;
    while (devices % domain)
      domain -= unit;
    spec.devices = devices;
    spec.devicesPerNode.value = static_cast<double>(domain);
    spec.devicesPerNode.source = formatv(
        "derived: {0} devices in whole allocation units of {1} fill {2} "
        "NVLink domains of {3} (a node holds up to {4})",
        devices, unit, devices / domain, domain, perNode);
    return Error::success();
  }
  int64_t step = unit > 0 ? unit : perNode;
  int64_t below = devices / step * step;
  return createStringError(formatv(
      "{0}: {1} devices is not a whole number of {2} of {3}; use {4} or {5} "
      "(or at most {6} for part of one node)",
      what, devices, unit > 0 ? "allocation units" : "nodes", step, below,
      below + step, perNode));
}

//===----------------------------------------------------------------------===//
// The parser
//===----------------------------------------------------------------------===//

/// Parses one cluster description. Stops at the first problem, named by its
/// dotted path.
class Parser {
public:
  Parser(StringRef name, bool isPreset) : name(name), isPreset(isPreset) {}

  Expected<ClusterSpec> parse(StringRef text);

private:
  Error fail(const Twine &message) const {
    return createStringError(
        Twine(isPreset ? "cluster preset '" : "cluster file '") + name +
        "': " + message);
  }

  Error checkKeys(const json::Object &object, const std::string &path,
                  ArrayRef<StringRef> allowed) const;
  Expected<const json::Object *> getObject(const json::Object &parent,
                                           StringRef key,
                                           const std::string &path) const;
  Expected<std::string> getString(const json::Object &parent, StringRef key,
                                  const std::string &path) const;
  Error constant(const json::Object &parent, StringRef key,
                 const std::string &path, Dim dim, Range range,
                 Constant &out) const;
  template <typename T>
  Error fields(const json::Object &object, const std::string &path,
               ArrayRef<Field<T>> table, T &out) const;
  Error link(const json::Object &object, const std::string &path,
             ArrayRef<StringRef> extraKeys, LinkSpec &out) const;
  Error link(const json::Object &parent, StringRef key, const std::string &path,
             LinkSpec &out) const;
  Error device(const json::Object &top, DeviceSpec &out) const;
  Error links(const json::Object &top, ClusterSpec &spec) const;
  Error innerTiers(const json::Object &links, ClusterSpec &spec) const;
  Error deviceCount(const json::Object &top, ClusterSpec &spec) const;
  Error crossChecks(const ClusterSpec &spec) const;

  StringRef name;
  bool isPreset;
};

Error Parser::checkKeys(const json::Object &object, const std::string &path,
                        ArrayRef<StringRef> allowed) const {
  // Report the first unknown key by name, so the message does not depend
  // on the hash order of the object.
  SmallVector<StringRef> unknown;
  for (const auto &entry : object)
    if (!is_contained(allowed, StringRef(entry.first)))
      unknown.push_back(entry.first);
  if (unknown.empty())
    return Error::success();
  llvm::sort(unknown);
  StringRef key = unknown.front();
  std::string where =
      path.empty() ? std::string("at the top level") : "in '" + path + "'";
  return fail(formatv("unknown key '{0}' {1}{2}; expected one of {3}", key,
                      where, suggest(key, allowed), join(allowed, ", ")));
}

Expected<const json::Object *>
Parser::getObject(const json::Object &parent, StringRef key,
                  const std::string &path) const {
  const json::Value *value = parent.get(key);
  if (!value)
    return fail("'" + path + "' is missing");
  if (const json::Object *result = value->getAsObject())
    return result;
  return fail("'" + path + "' must be an object, got " + show(*value));
}

Expected<std::string> Parser::getString(const json::Object &parent,
                                        StringRef key,
                                        const std::string &path) const {
  const json::Value *value = parent.get(key);
  if (!value)
    return fail("'" + path + "' is missing");
  std::optional<StringRef> text = value->getAsString();
  if (!text)
    return fail("'" + path + "' must be a string, got " + show(*value));
  return text->str();
}

Error Parser::constant(const json::Object &parent, StringRef key,
                       const std::string &path, Dim dim, Range range,
                       Constant &out) const {
  const json::Value *entry = parent.get(key);
  if (!entry)
    return fail("'" + path + "' is missing");
  const json::Object *object = entry->getAsObject();
  if (!object)
    return fail(formatv("'{0}' must be an object {{\"value\", \"unit\", "
                        "\"source\"}, got {1}",
                        path, show(*entry)));
  if (Error error = checkKeys(*object, path, kConstantKeys))
    return error;

  const json::Value *value = object->get("value");
  if (!value)
    return fail("'" + path + ".value' is missing");
  Expected<std::string> unitName = getString(*object, "unit", path + ".unit");
  if (!unitName)
    return unitName.takeError();
  const Unit *unit = findUnit(*unitName);
  if (!unit)
    return fail(formatv("unknown unit '{0}' at '{1}'; expected one of {2}",
                        *unitName, path, unitsOf(dim)));
  if (unit->dim != dim)
    return fail(formatv("unit '{0}' at '{1}' is not {2}; expected one of {3}",
                        *unitName, path, dimName(dim), unitsOf(dim)));
  std::optional<double> number = value->getAsNumber();
  if (!number || !inRange(*number, range))
    return fail(formatv("'{0}.value' must be {1}, got {2}", path,
                        rangeName(range), show(*value)));
  out.value = *number * unit->toSI;
  Plausible bounds = plausible(dim);
  if (out.value != 0 && !(out.value >= bounds.low && out.value <= bounds.high))
    return fail(formatv("'{0}.value' is {1} {2}, outside what a device or "
                        "link can have ({3} to {4}{5}{6})",
                        path, llvm::format("%g", *number), *unitName,
                        llvm::format("%g", bounds.low),
                        llvm::format("%g", bounds.high),
                        bounds.unit.empty() ? "" : " ", bounds.unit));

  // Presets must say where every number comes from; a user file's numbers
  // come from the user.
  if (object->get("source")) {
    Expected<std::string> source =
        getString(*object, "source", path + ".source");
    if (!source)
      return source.takeError();
    out.source = *source;
  }
  if (out.source.empty()) {
    if (isPreset)
      return fail("'" + path + ".source' is missing or empty");
    out.source = name.str();
  }

  if (const json::Value *assumption = object->get("assumption")) {
    std::optional<bool> flag = assumption->getAsBoolean();
    if (!flag)
      return fail("'" + path + ".assumption' must be true or false, got " +
                  show(*assumption));
    out.assumption = *flag;
  }
  return Error::success();
}

template <typename T>
Error Parser::fields(const json::Object &object, const std::string &path,
                     ArrayRef<Field<T>> table, T &out) const {
  for (const Field<T> &field : table)
    if (Error error = constant(object, field.key, dotted(path, field.key),
                               field.dim, field.range, out.*field.member))
      return error;
  return Error::success();
}

Error Parser::link(const json::Object &object, const std::string &path,
                   ArrayRef<StringRef> extraKeys, LinkSpec &out) const {
  SmallVector<StringRef> allowed(extraKeys);
  allowed.push_back("topology");
  append_range(allowed, keysOf(ArrayRef(kLinkFields)));
  if (Error error = checkKeys(object, path, allowed))
    return error;
  Expected<std::string> topology =
      getString(object, "topology", path + ".topology");
  if (!topology)
    return topology.takeError();
  if (*topology == "switch")
    out.topology = LinkTopology::Switch;
  else if (*topology == "full_mesh")
    out.topology = LinkTopology::FullMesh;
  else
    return fail(formatv("'{0}.topology' must be \"switch\" or \"full_mesh\", "
                        "got \"{1}\"",
                        path, *topology));
  return fields(object, path, ArrayRef(kLinkFields), out);
}

Error Parser::link(const json::Object &parent, StringRef key,
                   const std::string &path, LinkSpec &out) const {
  Expected<const json::Object *> object = getObject(parent, key, path);
  if (!object)
    return object.takeError();
  return link(**object, path, {}, out);
}

Error Parser::innerTiers(const json::Object &links, ClusterSpec &spec) const {
  const json::Value *value = links.get("inner");
  if (!value)
    return Error::success();
  const json::Array *array = value->getAsArray();
  if (!array)
    return fail("'links.inner' must be an array, got " + show(*value));
  // Each tier nests in the next and in the node: blocks of 2 dies inside
  // servers of 16 inside a SuperPoD of 768.
  auto perNode = static_cast<int64_t>(spec.devicesPerNode.value);
  int64_t inside = 1;
  for (size_t index = 0; index < array->size(); ++index) {
    std::string path = formatv("links.inner[{0}]", index).str();
    const json::Object *object = (*array)[index].getAsObject();
    if (!object)
      return fail("'" + path + "' must be an object, got " +
                  show((*array)[index]));
    LinkTier tier;
    if (Error error =
            constant(*object, "devices", path + ".devices", Dim::Devices,
                     Range::PositiveInteger, tier.devices))
      return error;
    auto devices = static_cast<int64_t>(tier.devices.value);
    if (devices <= inside || devices % inside != 0)
      return fail(formatv("'{0}.devices' must be a multiple of, and larger "
                          "than, {1}, got {2}",
                          path, index ? "the tier inside it" : "1", devices));
    if (devices >= perNode || perNode % devices != 0)
      return fail(formatv("'{0}.devices' must divide 'devices_per_node' ({1}) "
                          "and be smaller, got {2}",
                          path, perNode, devices));
    if (Error error = link(*object, path, {"devices"}, tier.link))
      return error;
    spec.innerTiers.push_back(tier);
    inside = devices;
  }
  return Error::success();
}

Error Parser::device(const json::Object &top, DeviceSpec &out) const {
  Expected<const json::Object *> object = getObject(top, "device", "device");
  if (!object)
    return object.takeError();
  SmallVector<StringRef> keys = keysOf(ArrayRef(kDeviceFields));
  keys.insert(keys.begin(), "name");
  keys.push_back(kFP8EfficiencyKey);
  keys.push_back(kAttentionEfficiencyKey);
  if (Error error = checkKeys(**object, "device", keys))
    return error;
  Expected<std::string> name = getString(**object, "name", "device.name");
  if (!name)
    return name.takeError();
  out.name = *name;
  if (Error error = fields(**object, "device", ArrayRef(kDeviceFields), out))
    return error;
  auto optionalEfficiency = [&](StringLiteral key, StringRef what,
                                Constant &into) -> Error {
    if (!(*object)->get(key)) {
      into = out.computeEfficiency;
      into.source = ("device.compute_efficiency (the file gives no " + what +
                     " value)")
                        .str();
      return Error::success();
    }
    return constant(**object, key, dotted("device", key), Dim::Fraction,
                    Range::Fraction, into);
  };
  if (Error error =
          optionalEfficiency(kFP8EfficiencyKey, "FP8", out.computeEfficiencyFP8))
    return error;
  return optionalEfficiency(kAttentionEfficiencyKey, "flash-attention",
                            out.attentionEfficiency);
}

Error Parser::links(const json::Object &top, ClusterSpec &spec) const {
  Expected<const json::Object *> object = getObject(top, "links", "links");
  if (!object)
    return object.takeError();
  if (Error error = checkKeys(**object, "links", kLinksKeys))
    return error;
  if (Error error = innerTiers(**object, spec))
    return error;
  if (Error error =
          link(**object, "intra_node", "links.intra_node", spec.intraNode))
    return error;
  return link(**object, "inter_node", "links.inter_node", spec.interNode);
}

Error Parser::deviceCount(const json::Object &top, ClusterSpec &spec) const {
  auto perNode = static_cast<int64_t>(spec.devicesPerNode.value);
  spec.devices = perNode;
  const json::Value *devices = top.get("devices");
  if (!devices)
    return Error::success();
  std::optional<int64_t> count = devices->getAsInteger();
  if (!count || *count <= 0)
    return fail("'devices' must be a positive integer, got " + show(*devices));
  if (Error error = setDeviceCount(spec, *count, "'devices'"))
    return fail(toString(std::move(error)));
  return Error::success();
}

Error Parser::crossChecks(const ClusterSpec &spec) const {
  const DeviceSpec &device = spec.device;
  if (device.runtimeReserveBytes.value >= device.memoryBytes.value)
    return fail("'device.runtime_reserve' must be less than 'device.memory'");
  if (static_cast<int64_t>(device.tileAlignment.value) %
          static_cast<int64_t>(device.alignment.value) !=
      0)
    return fail("'device.tile_alignment' must be a multiple of "
                "'device.alignment'");
  return Error::success();
}

Expected<ClusterSpec> Parser::parse(StringRef text) {
  Expected<json::Value> root = json::parse(text);
  if (!root)
    return fail("malformed JSON" +
                describeParseError(toString(root.takeError())));
  const json::Object *top = root->getAsObject();
  if (!top)
    return fail("the top level must be a JSON object");

  // The schema tag first: a model config passed by mistake should be told
  // so, not listed its unknown keys.
  const json::Value *schema = top->get("schema");
  if (!schema)
    return fail(formatv("'schema' is missing; expected \"{0}\"", kSchema));
  if (schema->getAsString() != std::optional<StringRef>(kSchema))
    return fail(
        formatv("'schema' must be \"{0}\", got {1}", kSchema, show(*schema)));
  if (Error error = checkKeys(*top, "", kTopKeys))
    return error;

  ClusterSpec spec;
  spec.preset = name.str();
  if (top->get("description")) {
    Expected<std::string> description =
        getString(*top, "description", "description");
    if (!description)
      return description.takeError();
    spec.description = *description;
  }
  if (Error error =
          constant(*top, "devices_per_node", "devices_per_node", Dim::Devices,
                   Range::PositiveInteger, spec.devicesPerNode))
    return error;
  if (top->get("allocation_unit")) {
    if (Error error =
            constant(*top, "allocation_unit", "allocation_unit", Dim::Devices,
                     Range::PositiveInteger, spec.allocationUnit))
      return error;
    auto unit = static_cast<int64_t>(spec.allocationUnit.value);
    auto perNode = static_cast<int64_t>(spec.devicesPerNode.value);
    if (perNode % unit != 0)
      return fail(formatv("'allocation_unit' ({0}) must divide "
                          "'devices_per_node' ({1})",
                          unit, perNode));
  }

  if (Error error = device(*top, spec.device))
    return error;
  if (Error error = links(*top, spec))
    return error;
  if (Error error =
          constant(*top, "peak_flops_for_mfu", "peak_flops_for_mfu",
                   Dim::FlopRate, Range::Positive, spec.peakFlopsForMFU))
    return error;
  if (Error error = deviceCount(*top, spec))
    return error;
  if (Error error = crossChecks(spec))
    return error;
  return spec;
}

Expected<ClusterSpec> loadPreset(StringRef name) {
  for (const PresetText &preset : kPresets)
    if (name == preset.name)
      return Parser(name, /*isPreset=*/true).parse(preset.json);
  SmallVector<StringRef> names;
  for (const PresetText &preset : kPresets)
    names.push_back(preset.name);
  return createStringError(
      formatv("unknown cluster preset '{0}'{1}; known presets: {2}; or give "
              "a cluster file ending in .json",
              name, suggest(name, names), join(names, ", ")));
}

Expected<ClusterSpec> loadFile(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return createStringError("cannot read cluster file '" + path +
                             "': " + buffer.getError().message());
  return Parser(path, /*isPreset=*/false).parse((*buffer)->getBuffer());
}

} // namespace

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

double LinkSpec::achievableBandwidth(int64_t groupSize,
                                     int64_t domainSize) const {
  double rate = bandwidth.value * efficiency.value;
  if (topology == LinkTopology::Switch || domainSize <= 2)
    return rate;
  int64_t peers = std::clamp<int64_t>(groupSize - 1, 1, domainSize - 1);
  return rate * static_cast<double>(peers) /
         static_cast<double>(domainSize - 1);
}

int64_t ClusterSpec::nodes() const {
  auto perNode = static_cast<int64_t>(devicesPerNode.value);
  if (perNode <= 0)
    return 0;
  return (devices + perNode - 1) / perNode;
}

std::vector<LinkLevel> ClusterSpec::linkLevels() const {
  std::vector<LinkLevel> levels;
  for (size_t index = 0; index < innerTiers.size(); ++index)
    levels.push_back({formatv("links.inner[{0}]", index).str(),
                      &innerTiers[index].link,
                      static_cast<int64_t>(innerTiers[index].devices.value)});
  levels.push_back({"links.intra_node", &intraNode,
                    static_cast<int64_t>(devicesPerNode.value)});
  levels.push_back({"links.inter_node", &interNode, devices});
  return levels;
}

LinkLevel ClusterSpec::levelForSpan(int64_t span) const {
  std::vector<LinkLevel> levels = linkLevels();
  for (const LinkLevel &level : levels)
    if (span <= level.devices)
      return level;
  return levels.back();
}

std::vector<std::pair<std::string, const Constant *>>
ClusterSpec::constants() const {
  std::vector<std::pair<std::string, const Constant *>> result;
  result.emplace_back("devices_per_node", &devicesPerNode);
  for (const Field<DeviceSpec> &field : kDeviceFields)
    result.emplace_back(dotted("device", field.key), &(device.*field.member));
  result.emplace_back(dotted("device", kFP8EfficiencyKey),
                      &device.computeEfficiencyFP8);
  result.emplace_back(dotted("device", kAttentionEfficiencyKey),
                      &device.attentionEfficiency);
  auto addLink = [&](const std::string &path, const LinkSpec &link) {
    for (const Field<LinkSpec> &field : kLinkFields)
      result.emplace_back(dotted(path, field.key), &(link.*field.member));
  };
  for (size_t index = 0; index < innerTiers.size(); ++index) {
    std::string path = formatv("links.inner[{0}]", index).str();
    result.emplace_back(dotted(path, "devices"), &innerTiers[index].devices);
    addLink(path, innerTiers[index].link);
  }
  addLink("links.intra_node", intraNode);
  addLink("links.inter_node", interNode);
  result.emplace_back("peak_flops_for_mfu", &peakFlopsForMFU);
  return result;
}

std::vector<std::string> clusterPresetNames() {
  std::vector<std::string> names;
  for (const PresetText &preset : kPresets)
    names.emplace_back(preset.name);
  llvm::sort(names);
  return names;
}

Expected<ClusterSpec> parseCluster(StringRef json, StringRef name) {
  return Parser(name, /*isPreset=*/false).parse(json);
}

Expected<ClusterSpec> loadCluster(StringRef spec) {
  if (spec.empty())
    return createStringError("empty cluster: expected PRESET[:DEVICES] or "
                             "FILE.json[:DEVICES]");
  StringRef head = spec, count;
  bool hasCount = false;
  if (!spec.ends_with_insensitive(".json")) {
    size_t colon = spec.rfind(':');
    if (colon != StringRef::npos) {
      head = spec.take_front(colon);
      count = spec.drop_front(colon + 1);
      hasCount = true;
    }
  }
  Expected<ClusterSpec> cluster =
      head.ends_with_insensitive(".json") ? loadFile(head) : loadPreset(head);
  if (cluster)
    cluster->spec = spec.str();
  if (!cluster || !hasCount)
    return cluster;

  int64_t devices = 0;
  if (count.getAsInteger(10, devices) || devices <= 0)
    return createStringError("device count '" + count + "' in '" + spec +
                             "' must be a positive integer");
  if (Error error = setDeviceCount(*cluster, devices, "'" + spec.str() + "'"))
    return error;
  return cluster;
}

std::optional<std::string> fp8Unsupported(const DeviceSpec &device) {
  if (device.cubeFlopsFP8.value > 0)
    return std::nullopt;
  return "precision fp8: " + device.name +
         " has no FP8 matrix path (the preset's device.cube_flops_fp8 is 0); "
         "use bf16 (--precision=bf16)";
}

} // namespace moeplan
