using Tomlyn.Model;
using Tomlyn.Serialization;

namespace LoraTrainer.Agent.Training;

/// <summary>
/// The TOML the agent writes for sd-scripts (its arguments and dataset files), with serializers generated at build
/// time: the agent is published as Native AOT, where Tomlyn's reflection-based serializer cannot run.
/// </summary>
[TomlSerializable(typeof(TomlTable))]
internal sealed partial class AgentTomlContext : TomlSerializerContext;
