using System.Text.Json.Serialization;

namespace LoraTrainer.Operator.Vast.Api;

/// <summary>The answer of the offer search.</summary>
internal sealed record VastOfferList : IVastAnswer
{
    /// <summary>The offers matching the filter, in the requested order.</summary>
    public IReadOnlyList<VastOffer>? Offers { get; init; }

    /// <summary>Whether Vast reports success; absent when it does.</summary>
    public bool? Success { get; init; }

    /// <summary>Vast's error code, when it refused.</summary>
    public string? Error { get; init; }

    /// <summary>Vast's human-readable error, when it refused.</summary>
    public string? Msg { get; init; }
}

/// <summary>One rentable offer (an "ask") as the search returns it. Memory is in MB, disk in GB, bandwidth in Mbps.</summary>
internal sealed record VastOffer
{
    /// <summary>The ask id passed to create.</summary>
    public long Id { get; init; }

    /// <summary>The ask contract id; usually equal to <see cref="Id"/>.</summary>
    public long? AskContractId { get; init; }

    /// <summary>The physical machine; the unit excluded after a failed attempt.</summary>
    public long MachineId { get; init; }

    /// <summary>The host (owner) of the machine.</summary>
    public long? HostId { get; init; }

    /// <summary>The GPU model, e.g. <c>RTX 4090</c>.</summary>
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? GpuName { get; init; }

    /// <summary>GPUs in the offer.</summary>
    public int NumGpus { get; init; }

    /// <summary>Memory per GPU in MB.</summary>
    public double GpuRam { get; init; }

    /// <summary>CPU cores available to the instance.</summary>
    public double? CpuCoresEffective { get; init; }

    /// <summary>System memory in MB.</summary>
    public double? CpuRam { get; init; }

    /// <summary>Free disk in GB.</summary>
    public double DiskSpace { get; init; }

    /// <summary>Download bandwidth in Mbps.</summary>
    public double? InetDown { get; init; }

    /// <summary>Upload bandwidth in Mbps.</summary>
    public double? InetUp { get; init; }

    /// <summary>Total USD per hour, storage for the searched <c>allocated_storage</c> included.</summary>
    public double DphTotal { get; init; }

    /// <summary>USD per hour of the GPU alone.</summary>
    public double? DphBase { get; init; }

    /// <summary>The lowest bid accepted for an interruptible instance, USD per hour.</summary>
    public double? MinBid { get; init; }

    /// <summary>Storage price in USD per GB per month.</summary>
    public double? StorageCost { get; init; }

    /// <summary>
    /// What <paramref name="diskGb"/> GB of this offer's storage costs in USD per hour (a month taken as 30 days): all an
    /// instance bills while it is paused. Null when the offer gives no storage price.
    /// </summary>
    public double? StoragePerHour(int diskGb) => StorageCost is { } perGbMonth ? perGbMonth * diskGb / (30 * 24) : null;

    /// <summary>Host reliability score between 0 and 1, as offers name it.</summary>
    public double? Reliability2 { get; init; }

    /// <summary>The same score under the name the search filters on, which some answers use instead.</summary>
    public double? Reliability { get; init; }

    /// <summary>The host's reliability, whichever name the answer used; 0 when it gave none.</summary>
    [JsonIgnore]
    public double ReliabilityScore => Reliability2 ?? Reliability ?? 0;

    /// <summary>The GPU's CUDA compute capability × 100 (890 for 8.9).</summary>
    public int? ComputeCap { get; init; }

    /// <summary>Highest CUDA version the host driver supports.</summary>
    [JsonConverter(typeof(CudaVersionConverter))]
    public Version? CudaMaxGood { get; init; }

    /// <summary>Where the host is, as <c>City, CC</c>.</summary>
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? Geolocation { get; init; }

    /// <summary>Longest rental the host allows, in seconds.</summary>
    public double? Duration { get; init; }

    /// <summary>Verification state, <c>verified</c> for verified hosts.</summary>
    public string? Verification { get; init; }

    /// <summary>Whether the offer can be rented now.</summary>
    public bool? Rentable { get; init; }

    /// <summary>Whether the offer is already rented.</summary>
    public bool? Rented { get; init; }

    /// <summary>Two-letter country code taken from <see cref="Geolocation"/>, when it has one.</summary>
    [JsonIgnore]
    public string? CountryCode => Geolocation?.Split(',', StringSplitOptions.TrimEntries) is [.., var last] && last.Length == 2
        ? last.ToUpperInvariant()
        : null;
}
