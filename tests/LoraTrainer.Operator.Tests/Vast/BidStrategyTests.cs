using LoraTrainer.Operator.Vast.Api;
using LoraTrainer.Operator.Vast.Offers;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class BidStrategyTests
{
    private static VastOffer Offer(double? minBid, double dphTotal = 0.60) => new() { Id = 1, MinBid = minBid, DphTotal = dphTotal };

    [Theory]
    [InlineData(0.20, 10, 0.22)]
    [InlineData(0.20, 0, 0.20)]
    [InlineData(0.123, 10, 0.136)]
    [InlineData(0.30, 50, 0.45)]
    public void BidFor_BidsTheMinimumPlusTheMarginRoundedUpToATenthOfACent(double minBid, int margin, double expected)
    {
        var bid = new BidStrategy(margin, MaxPricePerHour: 1.0).BidFor(Offer(minBid));

        Assert.Equal(expected, bid!.Value, 9);
    }

    [Fact]
    public void BidFor_WhenTheMarginWouldPassTheCap_BidsTheCap()
    {
        var bid = new BidStrategy(50, MaxPricePerHour: 0.40).BidFor(Offer(0.30));

        Assert.Equal(0.40, bid);
    }

    [Fact]
    public void BidFor_WhenTheMinimumIsOverTheCap_BidsNothing()
    {
        var bid = new BidStrategy(10, MaxPricePerHour: 0.25).BidFor(Offer(0.26));

        Assert.Null(bid);
    }

    [Fact]
    public void BidFor_AnOfferWithoutMinBid_BidsItsOnDemandPriceWhichCannotBeRefused()
    {
        var bid = new BidStrategy(10, MaxPricePerHour: 1.0).BidFor(Offer(null, dphTotal: 0.60));

        Assert.Equal(0.60, bid);
    }

    [Fact]
    public void BidFor_LeavesRoomUnderTheCapForTheStorageOfItsDisk()
    {
        // 100 GB at $0.18 per GB and month: $0.025 an hour on top of the bid.
        var offer = Offer(0.30) with { StorageCost = 0.18 };
        var strategy = new BidStrategy(50, MaxPricePerHour: 0.40, DiskGb: 100);

        Assert.Equal(0.375, strategy.BidFor(offer)!.Value, 9);
        Assert.Equal(0.40, strategy.HourlyCost(offer), 9);
        Assert.Null(new BidStrategy(10, MaxPricePerHour: 0.32, DiskGb: 100).BidFor(offer));
    }
}
