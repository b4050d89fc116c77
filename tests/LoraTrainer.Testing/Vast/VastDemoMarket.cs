namespace LoraTrainer.Testing.Vast;

/// <summary>The offers the standalone simulator (<c>vast-sim</c>) starts with: a small market for a local demo.</summary>
/// <remarks>
/// With a run's default GPU settings (reliability at least 0.95, at most $1/h) an SD 1.5 run gets the cheap 12 GB
/// RTX 3060 and an SDXL run, which needs 16 GB, the first RTX 4090; the RTX 3090 is cheaper but too unreliable,
/// the other RTX 4090 cheaper but its driver (CUDA 12.4) older than the GPU image's CUDA 12.8, the RTX 5090 dearer and
/// the A100 over the price cap.
/// </remarks>
internal static class VastDemoMarket
{
    public static IReadOnlyList<SimulatedOffer> Offers { get; } =
    [
        new() { Id = 21_000_001 },
        new()
        {
            Id = 21_000_002, HostId = 5151, GpuName = "RTX 3090", GpuRamMb = 24576, DphBase = 0.22, MinBid = 0.12,
            Reliability = 0.93, CudaMaxGood = 12.2, Geolocation = "Quebec, CA",
        },
        new()
        {
            Id = 21_000_003, HostId = 6262, GpuName = "A100 SXM4", GpuRamMb = 81920, DphBase = 1.10, MinBid = 0.70,
            Reliability = 0.995, CudaMaxGood = 12.6, Geolocation = "Virginia, US", DiskSpaceGb = 1000, InetDownMbps = 5000,
        },
        new()
        {
            Id = 21_000_004, HostId = 7373, GpuName = "RTX 3060", GpuRamMb = 12288, DphBase = 0.10, MinBid = 0.05,
            Reliability = 0.98, Geolocation = "Warsaw, PL",
        },
        new()
        {
            Id = 21_000_005, HostId = 8484, GpuName = "RTX 4090", DphBase = 0.28, MinBid = 0.15, CudaMaxGood = 12.4,
            DriverVersion = "550.127.05", Geolocation = "Lyon, FR",
        },
        new()
        {
            Id = 21_000_006, HostId = 9595, GpuName = "RTX 5090", GpuRamMb = 32607, DphBase = 0.55, MinBid = 0.30,
            Reliability = 0.985, Geolocation = "Helsinki, FI",
        },
    ];

    /// <summary>One line per offer, as the command lists them.</summary>
    public static string Describe(SimulatedOffer offer) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{offer.Id}: {offer.NumGpus}x {offer.GpuName} {offer.GpuRamMb / 1024:0} GB, ${offer.DphBase:0.00}/h, reliability {offer.Reliability:0.###}, CUDA {offer.CudaMaxGood}, {offer.Geolocation}{(offer.Verified ? "" : ", unverified")}");
}
