namespace LoraTrainer.Testing.Vast;

/// <summary>An offer on the simulated market. Defaults describe a healthy verified RTX 4090 host in Sweden.</summary>
public sealed record SimulatedOffer
{
    /// <summary>NVIDIA's compute capabilities (× 100) of the models the tests and the demo use.</summary>
    private static readonly Dictionary<string, int> KnownComputeCaps = new(StringComparer.Ordinal)
    {
        ["RTX 3060"] = 860, ["RTX 3090"] = 860, ["RTX A6000"] = 860, ["A100 SXM4"] = 800, ["A100 PCIE"] = 800, ["RTX 4090"] = 890,
        ["RTX 6000Ada"] = 890, ["H100 SXM"] = 900, ["H100 PCIE"] = 900, ["RTX 5090"] = 1200, ["RTX 5080"] = 1200, ["RTX PRO 6000"] = 1200,
    };

    /// <summary>Vast's month for storage pricing, in hours.</summary>
    public const double HoursPerMonth = 720;

    /// <summary>The ask id.</summary>
    public required long Id { get; init; }

    /// <summary>The machine; defaults to <c>100000 + Id</c>.</summary>
    public long? MachineId { get; init; }

    /// <summary>The host (owner).</summary>
    public long HostId { get; init; } = 4242;

    /// <summary>The GPU model as Vast names it.</summary>
    public string GpuName { get; init; } = "RTX 4090";

    /// <summary>GPUs in the offer.</summary>
    public int NumGpus { get; init; } = 1;

    /// <summary>Memory per GPU in MB.</summary>
    public double GpuRamMb { get; init; } = 24564;

    /// <summary>USD per hour for the GPU (charged while running).</summary>
    public double DphBase { get; init; } = 0.35;

    /// <summary>USD per GB per month of storage (charged while the instance exists).</summary>
    public double StorageCostPerGbMonth { get; init; } = 0.15;

    /// <summary>The lowest accepted bid, USD per hour.</summary>
    public double MinBid { get; init; } = 0.20;

    /// <summary>Free disk in GB.</summary>
    public double DiskSpaceGb { get; init; } = 250;

    /// <summary>Reliability score 0–1.</summary>
    public double Reliability { get; init; } = 0.99;

    /// <summary>Download bandwidth in Mbps.</summary>
    public double InetDownMbps { get; init; } = 900;

    /// <summary>Upload bandwidth in Mbps.</summary>
    public double InetUpMbps { get; init; } = 500;

    /// <summary>Highest CUDA version the host's driver supports. Defaults to 12.9 (driver 575).</summary>
    public double CudaMaxGood { get; init; } = 12.9;

    /// <summary>
    /// The host's NVIDIA driver version. Defaults to a release of the branch that brought <see cref="CudaMaxGood"/>
    /// (<c>575.57.08</c> for 12.9), so a host's driver and CUDA version agree unless a test sets them apart.
    /// </summary>
    public string DriverVersion
    {
        get => _driverVersion ?? DriverReleaseFor(CudaMaxGood);
        init => _driverVersion = value;
    }

    private readonly string? _driverVersion;

    // A driver release of each CUDA version's branch, as nvidia-smi and Vast report it.
    private static string DriverReleaseFor(double cuda) => Math.Round(cuda, 1) switch
    {
        <= 12.2 => "535.183.01",
        12.3 or 12.4 => "550.54.14",
        12.5 or 12.6 => "560.35.03",
        12.7 or 12.8 => "570.124.06",
        _ => "575.57.08",
    };

    /// <summary>The GPU's CUDA compute capability × 100 as Vast writes it (890 for 8.9); by default the value of <see cref="GpuName"/>, 890 for a model not listed.</summary>
    public int? ComputeCap { get; init; }

    /// <summary>Location as <c>City, CC</c>.</summary>
    public string Geolocation { get; init; } = "Stockholm, SE";

    /// <summary>Longest rental in seconds. Defaults to 30 days.</summary>
    public double DurationSeconds { get; init; } = 30 * 86400;

    /// <summary>Whether the host is verified.</summary>
    public bool Verified { get; init; } = true;

    /// <summary>Whether the offer is listed externally.</summary>
    public bool External { get; init; }

    /// <summary>How instances on this machine behave; the simulator's default when null.</summary>
    public VastLifecycle? Lifecycle { get; init; }

    /// <summary>The compute capability actually used.</summary>
    public int ComputeCapability => ComputeCap ?? KnownComputeCaps.GetValueOrDefault(GpuName, 890);

    /// <summary>The machine id actually used.</summary>
    public long Machine => MachineId ?? 100_000 + Id;

    /// <summary>Storage price per hour for <paramref name="diskGb"/> GB.</summary>
    public double StoragePerHour(double diskGb) => StorageCostPerGbMonth * diskGb / HoursPerMonth;

    /// <summary>The total on-demand price for <paramref name="diskGb"/> GB, as search answers it.</summary>
    public double DphTotal(double diskGb) => DphBase + StoragePerHour(diskGb);
}
