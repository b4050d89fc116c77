using System.Globalization;
using LoraTrainer.Operator.Vast.Api;

namespace LoraTrainer.Operator.Vast.Offers;

/// <summary>One sentence about a selection for <c>status.message</c>, naming the requirement that excluded the market.</summary>
internal static class OfferSummary
{
    /// <summary>Describes a selection: the choice, or why there is none.</summary>
    public static string Describe(OfferRequirements requirements, IReadOnlyList<VastOffer> ranked, IReadOnlyList<OfferRejection> rejections)
    {
        var what = requirements.DescribeGpus();
        if (ranked.Count > 0)
        {
            var best = ranked[0];
            var count = ranked.Count == 1 ? "1 matching offer" : $"{ranked.Count} matching offers";
            return $"{count}; cheapest is {best.GpuName} at {Dollars(OfferSelection.PricePerHour(requirements, best))}/h on machine {best.MachineId}";
        }

        if (rejections.Count == 0)
        {
            return $"no {what} offers on the market";
        }

        var groups = rejections.GroupBy(rejection => rejection.Reason)
            .OrderByDescending(group => group.Count())
            .ThenBy(group => group.Key)
            .ToList();
        return groups.Count == 1
            ? Alone(requirements, what, groups[0].Key, [.. groups[0].Select(rejection => rejection.Offer)])
            : $"no {what} meets every requirement: {string.Join(", ", groups.Select(group => Counted(requirements, group.Key, [.. group.Select(rejection => rejection.Offer)])))}";
    }

    /// <summary>A price as <c>$0.62</c>, with a third digit only when it matters.</summary>
    public static string Dollars(double value) => "$" + value.ToString("0.00#", CultureInfo.InvariantCulture);

    private static string Alone(OfferRequirements r, string what, RejectionReason reason, IReadOnlyList<VastOffer> offers) => reason switch
    {
        RejectionReason.Price => $"no {what} under {Dollars(r.MaxPricePerHour)}/h; cheapest was {Dollars(offers.Min(offer => OfferSelection.PricePerHour(r, offer)))}/h",
        RejectionReason.Reliability => $"no {what} with reliability of at least {Number(r.MinReliability)}; best was {Number(offers.Max(offer => offer.ReliabilityScore))}",
        RejectionReason.GpuMemory => $"no {what} with {r.MinGpuRamGb} GB per GPU; largest was {Number(offers.Max(offer => offer.GpuRam) / 1000, "0.#")} GB",
        RejectionReason.Disk => $"no {what} with {r.DiskGb} GB of disk; largest was {Number(offers.Max(offer => offer.DiskSpace), "0")} GB",
        RejectionReason.Bandwidth => $"no {what} downloading at {r.MinInetDownMbps} Mbps; fastest was {Number(offers.Max(offer => offer.InetDown ?? 0), "0")} Mbps",
        RejectionReason.Cuda => $"no {what} supporting CUDA {r.MinCudaVersion}; newest was {offers.Max(offer => offer.CudaMaxGood)?.ToString() ?? "unknown"}",
        RejectionReason.ComputeCapability => $"no {what} the GPU image can drive (compute capability {Generations(r)}); found {string.Join(", ", offers.Select(offer => $"{offer.GpuName} ({OfferSelection.ComputeCapability(offer.ComputeCap)})").Distinct().Order().Take(5))}",
        RejectionReason.RentalDuration => $"no {what} rentable for {Number(r.MinRental.TotalHours, "0.#")} h; longest was {Number(offers.Max(offer => offer.Duration ?? 0) / 3600, "0.#")} h",
        RejectionReason.Country => $"no {what} in {string.Join(", ", r.Countries)}; offers were in {string.Join(", ", offers.Select(offer => offer.CountryCode ?? "?").Distinct().Order().Take(5))}",
        RejectionReason.ExcludedMachine => $"every matching {what} is on a machine that already failed this run ({offers.Count} excluded)",
        RejectionReason.Unavailable => $"every {what} offer is rented or unverified",
        RejectionReason.GpuModel => $"no {what} on the market; found {string.Join(", ", offers.Select(offer => offer.GpuName).Distinct().Order().Take(5))}",
        _ => $"no {what} offer with {r.NumGpus} GPUs; found {string.Join(", ", offers.Select(offer => offer.NumGpus).Distinct().Order())}",
    };

    private static string Counted(OfferRequirements r, RejectionReason reason, IReadOnlyList<VastOffer> offers) => $"{offers.Count} " + reason switch
    {
        RejectionReason.Price => $"over {Dollars(r.MaxPricePerHour)}/h (cheapest {Dollars(offers.Min(offer => OfferSelection.PricePerHour(r, offer)))}/h)",
        RejectionReason.Reliability => $"below reliability {Number(r.MinReliability)}",
        RejectionReason.GpuMemory => $"with less than {r.MinGpuRamGb} GB per GPU",
        RejectionReason.Disk => $"with less than {r.DiskGb} GB of disk",
        RejectionReason.Bandwidth => $"below {r.MinInetDownMbps} Mbps",
        RejectionReason.Cuda => $"without CUDA {r.MinCudaVersion}",
        RejectionReason.ComputeCapability => $"of a GPU generation the image cannot drive (compute capability {Generations(r)})",
        RejectionReason.RentalDuration => $"with rentals shorter than {Number(r.MinRental.TotalHours, "0.#")} h",
        RejectionReason.Country => $"outside {string.Join(", ", r.Countries)}",
        RejectionReason.ExcludedMachine => "on machines that already failed this run",
        RejectionReason.Unavailable => "rented or unverified",
        RejectionReason.GpuModel => "of another GPU model",
        _ => "with another GPU count",
    };

    private static string Generations(OfferRequirements r) => r.MaxComputeCapability is int newest
        ? $"{OfferSelection.ComputeCapability(r.MinComputeCapability)} to {OfferSelection.ComputeCapability(newest)}"
        : $"{OfferSelection.ComputeCapability(r.MinComputeCapability)} or newer";

    private static string Number(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);
}
