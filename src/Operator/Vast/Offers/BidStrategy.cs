using LoraTrainer.Operator.Vast.Api;

namespace LoraTrainer.Operator.Vast.Offers;

/// <summary>
/// What an interruptible run bids on an offer: its <c>min_bid</c> plus <paramref name="MarginPercent"/>, so that the bid
/// and the storage of <paramref name="DiskGb"/> together never pass <paramref name="MaxPricePerHour"/>. An offer whose
/// <c>min_bid</c> plus storage is already over the cap gets no bid.
/// </summary>
/// <remarks>
/// Vast pauses an interruptible instance as soon as another bid on its machine is higher, so bidding exactly the
/// minimum loses the machine to the next small bid; the margin buys some headroom at a known price. The bid buys the
/// GPU alone: storage bills on top, every second the instance exists, so the cap (GPU and storage together, as for an
/// on-demand offer's <c>dph_total</c>) leaves room for it.
/// </remarks>
internal sealed record BidStrategy(int MarginPercent, double MaxPricePerHour, int DiskGb = 0)
{
    /// <summary>The bid in USD per hour, rounded up to a tenth of a cent; null when the offer's minimum and its storage are over the cap.</summary>
    /// <remarks>An offer without <c>min_bid</c> is bid at its on-demand price, which no bid can be refused for.</remarks>
    public double? BidFor(VastOffer offer)
    {
        var cap = MaxPricePerHour - Storage(offer);
        if (offer.MinBid is not { } minimum)
        {
            return offer.DphTotal <= cap ? offer.DphTotal : null;
        }

        if (minimum > cap)
        {
            return null;
        }

        var wanted = Math.Ceiling(minimum * (100 + MarginPercent) / 100 * 1000 - 1e-9) / 1000;
        return Math.Min(Math.Max(wanted, minimum), cap);
    }

    /// <summary>
    /// What the instance costs per hour while it runs: the bid (or, with none possible, the minimum bid) plus storage.
    /// </summary>
    public double HourlyCost(VastOffer offer) => (BidFor(offer) ?? offer.MinBid ?? offer.DphTotal) + Storage(offer);

    /// <summary>What the offer's storage for <see cref="DiskGb"/> costs per hour; 0 when the offer does not say.</summary>
    private double Storage(VastOffer offer) => offer.StoragePerHour(DiskGb) ?? 0;
}
