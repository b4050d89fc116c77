using LoraTrainer.Operator.Vast.Api;

namespace LoraTrainer.Operator.Vast.Offers;

/// <summary>The requirement an offer failed, checked in this order.</summary>
internal enum RejectionReason
{
    /// <summary>The machine failed an earlier attempt of this run.</summary>
    ExcludedMachine,

    /// <summary>The offer is rented, not rentable, or its host is unverified.</summary>
    Unavailable,

    /// <summary>Another GPU model.</summary>
    GpuModel,

    /// <summary>Another number of GPUs.</summary>
    GpuCount,

    /// <summary>Too little memory per GPU.</summary>
    GpuMemory,

    /// <summary>Over the price limit.</summary>
    Price,

    /// <summary>Host reliability too low.</summary>
    Reliability,

    /// <summary>Too little free disk.</summary>
    Disk,

    /// <summary>Download bandwidth too low.</summary>
    Bandwidth,

    /// <summary>Driver too old for the CUDA version needed.</summary>
    Cuda,

    /// <summary>A GPU generation the image has no kernels for.</summary>
    ComputeCapability,

    /// <summary>The host's longest rental is too short.</summary>
    RentalDuration,

    /// <summary>Host in a country not allowed.</summary>
    Country,
}

/// <summary>An offer that was not chosen and why.</summary>
internal sealed record OfferRejection(VastOffer Offer, RejectionReason Reason, string Detail);

/// <summary>The offers that can be rented, cheapest first, and the ones that cannot, with one sentence for <c>status.message</c>.</summary>
internal sealed record OfferSelectionResult(IReadOnlyList<VastOffer> Ranked, IReadOnlyList<OfferRejection> Rejections, string Summary)
{
    /// <summary>The offer to try first, if any.</summary>
    public VastOffer? Best => Ranked.Count > 0 ? Ranked[0] : null;
}
