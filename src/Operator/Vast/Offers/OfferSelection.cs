using LoraTrainer.Operator.Vast.Api;

namespace LoraTrainer.Operator.Vast.Offers;

/// <summary>Pure offer selection: the server-side filter for a run, the local re-check, and the ranking.</summary>
/// <remarks>
/// Vast's filter is only a pre-selection (values may be stale or differently rounded), so every offer
/// returned is checked again here against the same requirements. Offers are ranked by price, then by
/// reliability: a reliability floor is the principled form of "avoid the very cheapest hosts".
/// </remarks>
internal static class OfferSelection
{
    /// <summary>Vast counts GPU memory in MB of 1000 KB: an RTX 4090 shows 24564, so 24 GB must become 24000, not 24576.</summary>
    private const int MegabytesPerGigabyte = 1000;

    private static readonly VastFilterClause[] BaseFilters =
    [
        new("verified", "eq", true),
        new("rentable", "eq", true),
        new("rented", "eq", false),
        new("external", "eq", false),
    ];

    /// <summary>The search for offers that meet every requirement, cheapest first.</summary>
    public static VastSearchQuery BuildQuery(OfferRequirements requirements, int limit)
    {
        List<VastFilterClause> filters = [.. BaseFilters, .. HardwareFilters(requirements)];
        filters.Add(new("gpu_ram", "gte", requirements.MinGpuRamGb * MegabytesPerGigabyte));
        if (!requirements.Interruptible)
        {
            // A bid's price is the bid itself, checked locally against min_bid; dph_total is the on-demand price.
            filters.Add(new("dph_total", "lte", requirements.MaxPricePerHour));
        }

        filters.Add(new("disk_space", "gte", requirements.DiskGb));
        // The filter is named reliability (offers answer the value as reliability2); Vast ignores names it does not know.
        filters.Add(new("reliability", "gte", requirements.MinReliability));
        filters.Add(new("inet_down", "gte", requirements.MinInetDownMbps));
        // Vast compares its numbers; the local check compares versions, so this is only the looser pre-selection.
        filters.Add(new("cuda_max_good", "gte", CudaFilterValue(requirements.MinCudaVersion)));
        filters.Add(new("duration", "gte", (long)requirements.MinRental.TotalSeconds));
        filters.AddRange(ImageFilters(requirements));
        var excluded = requirements.ExcludedMachines.Select(id => long.TryParse(id, out var machine) ? machine : (long?)null).OfType<long>().Order().ToArray();
        if (excluded.Length > 0)
        {
            filters.Add(new("machine_id", "notin", excluded));
        }

        // Countries are checked locally: Vast's geolocation values read "City, CC", which an "in" filter on codes cannot match.
        return Query(requirements, filters, limit);
    }

    /// <summary>A broad search (model and count only) used to explain why <see cref="BuildQuery"/> found nothing.</summary>
    public static VastSearchQuery BuildMarketQuery(OfferRequirements requirements, int limit) =>
        Query(requirements, [.. BaseFilters, .. HardwareFilters(requirements)], limit);

    /// <summary>Re-checks offers locally and ranks those that pass; says why the others were rejected.</summary>
    public static OfferSelectionResult Select(OfferRequirements requirements, IEnumerable<VastOffer> offers)
    {
        var ranked = new List<VastOffer>();
        var rejections = new List<OfferRejection>();
        foreach (var offer in offers.DistinctBy(offer => offer.Id))
        {
            if (Check(requirements, offer) is { } rejection)
            {
                rejections.Add(rejection);
            }
            else
            {
                ranked.Add(offer);
            }
        }

        ranked.Sort((left, right) =>
        {
            var byPrice = PricePerHour(requirements, left).CompareTo(PricePerHour(requirements, right));
            if (byPrice != 0) return byPrice;
            var byReliability = right.ReliabilityScore.CompareTo(left.ReliabilityScore);
            return byReliability != 0 ? byReliability : left.Id.CompareTo(right.Id);
        });

        return new OfferSelectionResult(ranked, rejections, OfferSummary.Describe(requirements, ranked, rejections));
    }

    /// <summary>
    /// What renting the offer costs per hour, storage included: <c>dph_total</c> on demand; when interruptible, the bid
    /// of <see cref="BidStrategy"/> plus storage (its <c>min_bid</c> plus storage when that is over the cap, so the
    /// offer is rejected for its price).
    /// </summary>
    public static double PricePerHour(OfferRequirements requirements, VastOffer offer) =>
        requirements.Bid is { } bid ? bid.HourlyCost(offer) : offer.DphTotal;

    /// <summary>The first requirement the offer fails, or null when it passes all.</summary>
    public static OfferRejection? Check(OfferRequirements requirements, VastOffer offer)
    {
        OfferRejection Reject(RejectionReason reason, string detail) => new(offer, reason, detail);

        var price = PricePerHour(requirements, offer);
        if (requirements.ExcludedMachines.Contains(offer.MachineId.ToString()))
            return Reject(RejectionReason.ExcludedMachine, $"machine {offer.MachineId} already failed this run");
        if (offer.Rented == true || offer.Rentable == false || offer.Verification is { } verification && verification != "verified")
            return Reject(RejectionReason.Unavailable, "rented, not rentable or unverified");
        if (requirements.GpuNames.Count > 0 && !requirements.GpuNames.Contains(offer.GpuName ?? "", StringComparer.OrdinalIgnoreCase))
            return Reject(RejectionReason.GpuModel, $"{offer.GpuName} is not one of {string.Join(", ", requirements.GpuNames)}");
        if (offer.NumGpus != requirements.NumGpus)
            return Reject(RejectionReason.GpuCount, $"{offer.NumGpus} GPUs instead of {requirements.NumGpus}");
        if (offer.GpuRam < requirements.MinGpuRamGb * MegabytesPerGigabyte)
            return Reject(RejectionReason.GpuMemory, $"{offer.GpuRam:0} MB per GPU is under {requirements.MinGpuRamGb} GB");
        if (price > requirements.MaxPricePerHour)
            return Reject(RejectionReason.Price, $"{(requirements.Interruptible ? "minimum bid and storage " : "")}{OfferSummary.Dollars(price)}/h is over {OfferSummary.Dollars(requirements.MaxPricePerHour)}/h");
        if (offer.ReliabilityScore < requirements.MinReliability)
            return Reject(RejectionReason.Reliability, $"reliability {offer.ReliabilityScore:0.000} is under {requirements.MinReliability:0.00}");
        if (offer.DiskSpace < requirements.DiskGb)
            return Reject(RejectionReason.Disk, $"{offer.DiskSpace:0} GB of disk is under {requirements.DiskGb} GB");
        if ((offer.InetDown ?? 0) < requirements.MinInetDownMbps)
            return Reject(RejectionReason.Bandwidth, $"{offer.InetDown:0} Mbps download is under {requirements.MinInetDownMbps} Mbps");
        if (offer.CudaMaxGood is null || offer.CudaMaxGood < requirements.MinCudaVersion)
            return Reject(RejectionReason.Cuda, $"CUDA {offer.CudaMaxGood} is older than {requirements.MinCudaVersion}");
        if (!Drivable(requirements, offer.ComputeCap))
            return Reject(RejectionReason.ComputeCapability, $"{offer.GpuName} (compute capability {ComputeCapability(offer.ComputeCap)}) has no kernels in the image");
        if (offer.Duration is double duration && duration < requirements.MinRental.TotalSeconds)
            return Reject(RejectionReason.RentalDuration, $"rentals end after {duration / 3600:0.#} h, under {requirements.MinRental.TotalHours:0.#} h");
        if (requirements.Countries.Count > 0 && !requirements.Countries.Contains(offer.CountryCode ?? ""))
            return Reject(RejectionReason.Country, $"host in {offer.Geolocation ?? "an unknown country"}");
        return null;
    }

    /// <summary>Whether the image has kernels for a GPU of this compute capability; an unknown one passes only when any is accepted.</summary>
    public static bool Drivable(OfferRequirements requirements, int? computeCap) =>
        computeCap is int cap
            ? cap >= requirements.MinComputeCapability && cap <= (requirements.MaxComputeCapability ?? int.MaxValue)
            : requirements.MinComputeCapability == 0 && requirements.MaxComputeCapability is null;

    /// <summary>A compute capability as NVIDIA writes it: 12.0 for 1200.</summary>
    public static string ComputeCapability(int? computeCap) =>
        computeCap is int cap ? (cap / 100.0).ToString("0.0#", System.Globalization.CultureInfo.InvariantCulture) : "unknown";

    /// <summary>The GPU generations the image can drive, so an RTX 50-series card is never rented for a PyTorch without its kernels.</summary>
    private static IEnumerable<VastFilterClause> ImageFilters(OfferRequirements requirements)
    {
        if (requirements.MinComputeCapability > 0)
        {
            yield return new("compute_cap", "gte", requirements.MinComputeCapability);
        }

        if (requirements.MaxComputeCapability is int newest)
        {
            yield return new("compute_cap", "lte", newest);
        }
    }

    /// <summary>A CUDA version as the number Vast's filter compares: 12.1 for 12.1, and 12.1 (looser) for 12.10.</summary>
    private static double CudaFilterValue(Version version) =>
        double.Parse($"{version.Major}.{version.Minor}", System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<VastFilterClause> HardwareFilters(OfferRequirements requirements)
    {
        if (requirements.GpuNames.Count > 0)
        {
            yield return new("gpu_name", "in", requirements.GpuNames.ToArray());
        }

        yield return new("num_gpus", "eq", requirements.NumGpus);
    }

    private static VastSearchQuery Query(OfferRequirements requirements, IReadOnlyList<VastFilterClause> filters, int limit) => new()
    {
        Filters = filters,
        OrderBy = "dph_total",
        OrderDirection = "asc",
        Type = requirements.Interruptible ? "bid" : "on-demand",
        Limit = limit,
        AllocatedStorage = requirements.DiskGb,
    };
}
