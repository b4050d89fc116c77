using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Operator.Vast.Api;

/// <summary>A rented instance as the show and list endpoints return it.</summary>
internal sealed record VastInstance
{
    /// <summary>The instance (contract) id.</summary>
    public long Id { get; init; }

    /// <summary>What the container is doing: null while provisioning, then created, loading, running, exited…</summary>
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? ActualStatus { get; init; }

    /// <summary>The state Vast is driving the instance toward; <c>stopped</c> after an outbid or when credit ran out.</summary>
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? IntendedStatus { get; init; }

    /// <summary>Vast's current contract state.</summary>
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? CurState { get; init; }

    /// <summary>Vast's next contract state.</summary>
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? NextState { get; init; }

    /// <summary>Free text from the host, e.g. an image pull error.</summary>
    public string? StatusMsg { get; init; }

    /// <summary>The label given at creation.</summary>
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? Label { get; init; }

    /// <summary>The physical machine.</summary>
    public long? MachineId { get; init; }

    /// <summary>The GPU model.</summary>
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? GpuName { get; init; }

    /// <summary>GPUs in the instance.</summary>
    public int? NumGpus { get; init; }

    /// <summary>Total USD per hour.</summary>
    public double? DphTotal { get; init; }

    /// <summary>Creation time in unix seconds.</summary>
    public double? StartDate { get; init; }

    /// <summary>The host's public address, without the whitespace Vast sometimes appends.</summary>
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? PublicIpaddr { get; init; }

    /// <summary>Port mappings such as <c>22/tcp</c>; only present while running.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<VastPortBinding>>? Ports { get; init; }

    /// <summary>The environment given at creation, as Vast echoes it (an object or a list of pairs).</summary>
    public JsonElement? ExtraEnv { get; init; }

    /// <summary>When the instance was created, if Vast said.</summary>
    [JsonIgnore]
    public DateTimeOffset? StartedAt => StartDate is double seconds && seconds > 0
        ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
        : null;
}

/// <summary>One host-side binding of a container port.</summary>
internal sealed record VastPortBinding
{
    /// <summary>The host address.</summary>
    [JsonPropertyName("HostIp")]
    public string? HostIp { get; init; }

    /// <summary>The host port, as Vast writes it (a string).</summary>
    [JsonPropertyName("HostPort")]
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? HostPort { get; init; }
}
