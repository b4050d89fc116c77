using LoraTrainer.Api;

namespace LoraTrainer.Operator.Vast.Offers;

/// <summary>Everything an offer must satisfy for one run, with every default resolved.</summary>
internal sealed record OfferRequirements
{
    /// <summary>A host's longest rental must cover at least this when the run sets no active deadline: one day.</summary>
    public static readonly TimeSpan DefaultMinRental = TimeSpan.FromDays(1);

    /// <summary>Acceptable GPU models; empty accepts any.</summary>
    public IReadOnlyList<string> GpuNames { get; init; } = [];

    /// <summary>GPUs per instance.</summary>
    public int NumGpus { get; init; } = 1;

    /// <summary>Memory per GPU in GB.</summary>
    public int MinGpuRamGb { get; init; }

    /// <summary>Highest total price in USD per hour, storage included.</summary>
    public double MaxPricePerHour { get; init; }

    /// <summary>Lowest host reliability (0–1).</summary>
    public double MinReliability { get; init; }

    /// <summary>Disk to allocate in GB (also what the price is computed for).</summary>
    public int DiskGb { get; init; }

    /// <summary>Lowest download bandwidth in Mbps.</summary>
    public int MinInetDownMbps { get; init; }

    /// <summary>Lowest CUDA version the driver must support, compared as a version (12.10 is newer than 12.9).</summary>
    public Version MinCudaVersion { get; init; } = new(0, 0);

    /// <summary>The oldest GPU generation the image can drive, as compute capability × 100; 0 accepts any.</summary>
    public int MinComputeCapability { get; init; }

    /// <summary>The newest GPU generation the image can drive, as compute capability × 100; null accepts any.</summary>
    public int? MaxComputeCapability { get; init; }

    /// <summary>Acceptable host countries (ISO codes, upper case); empty accepts any.</summary>
    public IReadOnlyList<string> Countries { get; init; } = [];

    /// <summary>Rent an interruptible (bid) instance.</summary>
    public bool Interruptible { get; init; }

    /// <summary>For an interruptible run, how far above an offer's <c>min_bid</c> to bid, in percent.</summary>
    public int BidMarginPercent { get; init; }

    /// <summary>What to bid, for an interruptible run; null on demand.</summary>
    public BidStrategy? Bid => Interruptible ? new BidStrategy(BidMarginPercent, MaxPricePerHour, DiskGb) : null;

    /// <summary>The host must allow rentals at least this long.</summary>
    public TimeSpan MinRental { get; init; } = DefaultMinRental;

    /// <summary>Machines that failed earlier attempts of this run.</summary>
    public IReadOnlySet<string> ExcludedMachines { get; init; } = new HashSet<string>();

    /// <summary>Resolves a run's <c>spec.gpu</c> against its model family's floors.</summary>
    /// <param name="gpu">The run's GPU spec; null takes every default.</param>
    /// <param name="family">The model family, which sets the memory and disk floors.</param>
    /// <param name="excludedMachines">The run's <c>status.excludedMachines</c>.</param>
    /// <param name="activeDeadlineSeconds">The run's wall-clock limit, if any; hosts must allow at least that long a rental.</param>
    /// <param name="image">What the run's GPU image supports, when known: its CUDA version raises the run's driver floor, and GPUs it has no kernels for are not rented.</param>
    public static OfferRequirements For(GpuSpec? gpu, ModelFamily family, IEnumerable<string>? excludedMachines = null, long? activeDeadlineSeconds = null, GpuImageSupport? image = null)
    {
        gpu ??= new GpuSpec();
        var minCuda = Version.Parse(gpu.MinCudaVersion);
        return new OfferRequirements
        {
            GpuNames = [.. (gpu.GpuNames ?? []).Select(name => name.Trim()).Where(name => name.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)],
            NumGpus = gpu.NumGpus,
            MinGpuRamGb = Math.Max(gpu.MinGpuRamGb ?? 0, TrainingDefaults.MinGpuRamGb(family)),
            MaxPricePerHour = gpu.MaxPricePerHour,
            MinReliability = gpu.MinReliability,
            DiskGb = gpu.DiskGb ?? TrainingDefaults.DiskGb(family),
            MinInetDownMbps = gpu.MinInetDownMbps,
            MinCudaVersion = image is not null && image.Cuda > minCuda ? image.Cuda : minCuda,
            MinComputeCapability = image?.MinComputeCapability ?? 0,
            MaxComputeCapability = image?.MaxComputeCapability,
            Countries = [.. (gpu.Countries ?? []).Select(country => country.Trim().ToUpperInvariant()).Where(country => country.Length > 0).Distinct()],
            Interruptible = gpu.Interruptible,
            BidMarginPercent = gpu.BidMarginPercent,
            MinRental = activeDeadlineSeconds is long seconds ? TimeSpan.FromSeconds(seconds) : DefaultMinRental,
            ExcludedMachines = new HashSet<string>(excludedMachines ?? [], StringComparer.Ordinal),
        };
    }

    /// <summary>The GPUs asked for in words: <c>RTX 4090</c>, <c>2× RTX 4090 or RTX A6000</c>, <c>GPU</c>.</summary>
    public string DescribeGpus()
    {
        var names = GpuNames.Count == 0 ? "GPU" : string.Join(" or ", GpuNames);
        return NumGpus > 1 ? $"{NumGpus}× {names}" : names;
    }
}
