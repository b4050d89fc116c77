using LoraTrainer.Operator.Vast.Api;

namespace LoraTrainer.Operator.Vast.Offers;

/// <summary>
/// What an interruptible run bids on an offer: its <c>min_bid</c> plus <paramref name="MarginPercent"/>, never more
/// than <paramref name="MaxPricePerHour"/>. An offer whose <c>min_bid</c> is already over the cap gets no bid.
/// </summary>
/// <remarks>
/// Vast pauses an interruptible instance as soon as another bid on its machine is higher, so bidding exactly the
/// minimum loses the machine to the next small bid; the margin buys some headroom at a known price.
/// </remarks>
internal sealed record BidStrategy(int MarginPercent, double MaxPricePerHour)
{
    /// <summary>The bid in USD per hour, rounded up to a tenth of a cent; null when the offer's minimum is over the cap.</summary>
    /// <remarks>An offer without <c>min_bid</c> is bid at its on-demand price, which no bid can be refused for.</remarks>
    public double? BidFor(VastOffer offer)
    {
        if (offer.MinBid is not { } minimum)
        {
            return offer.DphTotal <= MaxPricePerHour ? offer.DphTotal : null;
        }

        if (minimum > MaxPricePerHour)
        {
            return null;
        }

        var wanted = Math.Ceiling(minimum * (100 + MarginPercent) / 100 * 1000 - 1e-9) / 1000;
        return Math.Min(Math.Max(wanted, minimum), MaxPricePerHour);
    }
}
