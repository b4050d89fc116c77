using System.Text.Json;
using LoraTrainer.Api;
using LoraTrainer.Operator.Vast.Api;
using LoraTrainer.Operator.Vast.Offers;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class OfferSelectionTests
{
    /// <summary>The example body of the reference page, byte for byte.</summary>
    internal const string ReferenceBody =
        """
        {"verified":{"eq":true},"rentable":{"eq":true},"rented":{"eq":false},"external":{"eq":false},"gpu_name":{"in":["RTX 4090"]},"num_gpus":{"eq":1},"gpu_ram":{"gte":24000},"dph_total":{"lte":0.8},"disk_space":{"gte":60},"reliability":{"gte":0.95},"inet_down":{"gte":200},"cuda_max_good":{"gte":12.1},"duration":{"gte":86400},"order":[["dph_total","asc"]],"type":"on-demand","limit":20,"allocated_storage":60}
        """;

    private static readonly OfferRequirements Sdxl4090 = OfferRequirements.For(
        new GpuSpec { GpuNames = ["RTX 4090"], MinGpuRamGb = 24, MaxPricePerHour = 0.50, MinReliability = 0.97 }, ModelFamily.Sdxl);

    private static VastOffer Offer(long id, double price = 0.40, double reliability = 0.99) => new()
    {
        Id = id, MachineId = 1000 + id, GpuName = "RTX 4090", NumGpus = 1, GpuRam = 24564, DiskSpace = 200, InetDown = 800,
        DphTotal = price, Reliability2 = reliability, CudaMaxGood = new Version(12, 4), ComputeCap = 890, Geolocation = "Oslo, NO", Duration = 30 * 86400,
        Verification = "verified", Rentable = true, Rented = false,
    };

    [Fact]
    public void BuildQuery_ForTheReferenceSpec_WritesTheReferenceBody()
    {
        var requirements = OfferRequirements.For(new GpuSpec { GpuNames = ["RTX 4090"], MinGpuRamGb = 24, MaxPricePerHour = 0.8, DiskGb = 60 }, ModelFamily.Sdxl);

        var json = JsonSerializer.Serialize(OfferSelection.BuildQuery(requirements, limit: 20), VastJson.Options);

        Assert.Equal(ReferenceBody, json);
    }

    [Fact]
    public void BuildQuery_ForTheDefaultImage_FiltersOnItsGpuGenerationsAndRaisesTheDriverFloorToItsCuda()
    {
        var image = new GpuImageSupport { CudaVersion = "12.8", MinComputeCapability = 750, MaxComputeCapability = 1200 };
        var requirements = OfferRequirements.For(new GpuSpec { MinCudaVersion = "12.1" }, ModelFamily.Sdxl, image: image);

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(OfferSelection.BuildQuery(requirements, 64), VastJson.Options));

        Assert.Equal("""{"gte":750,"lte":1200}""", json.RootElement.GetProperty("compute_cap").GetRawText());
        Assert.Equal("""{"gte":12.8}""", json.RootElement.GetProperty("cuda_max_good").GetRawText());
    }

    [Fact]
    public void For_WhenTheRunAsksForANewerDriverThanTheImageNeeds_KeepsTheRunsFloor()
    {
        var image = new GpuImageSupport { CudaVersion = "12.8", MinComputeCapability = 750, MaxComputeCapability = 1200 };

        var requirements = OfferRequirements.For(new GpuSpec { MinCudaVersion = "12.9" }, ModelFamily.Sdxl, image: image);

        Assert.Equal(new Version(12, 9), requirements.MinCudaVersion);
    }

    [Theory]
    [InlineData("reliability2")]
    [InlineData("reliability")]
    public void Select_ReadsTheReliabilityUnderEitherNameAndAppliesTheFloor(string name)
    {
        var reliable = JsonSerializer.Deserialize<VastOffer>($$"""{"id":1,"gpu_name":"RTX 4090","{{name}}":0.99}""", VastJson.Options)!;
        var unreliable = JsonSerializer.Deserialize<VastOffer>($$"""{"id":2,"gpu_name":"RTX 4090","{{name}}":0.90}""", VastJson.Options)!;

        var result = OfferSelection.Select(Sdxl4090, [Offer(1) with { Reliability2 = reliable.Reliability2, Reliability = reliable.Reliability }, Offer(2) with { Reliability2 = unreliable.Reliability2, Reliability = unreliable.Reliability }]);

        Assert.Equal([1L], result.Ranked.Select(offer => offer.Id));
        Assert.Equal(RejectionReason.Reliability, Assert.Single(result.Rejections).Reason);
    }

    [Fact]
    public void BuildQuery_WithExcludedMachinesAndBids_ExcludesMachinesAndLeavesPriceToTheLocalCheck()
    {
        var requirements = Sdxl4090 with { ExcludedMachines = new HashSet<string> { "11032", "9" }, Interruptible = true };

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(OfferSelection.BuildQuery(requirements, 64), VastJson.Options));

        Assert.Equal("[9,11032]", json.RootElement.GetProperty("machine_id").GetProperty("notin").GetRawText());
        Assert.Equal("bid", json.RootElement.GetProperty("type").GetString());
        Assert.False(json.RootElement.TryGetProperty("dph_total", out _));
    }

    [Theory]
    [InlineData(ModelFamily.Sd15, null, null, 12, 40)]
    [InlineData(ModelFamily.Sdxl, 12, null, 16, 60)]
    [InlineData(ModelFamily.Flux, 48, 200, 48, 200)]
    public void For_AppliesFamilyFloorsUnderTheUsersValues(ModelFamily family, int? ram, int? disk, int expectedRam, int expectedDisk)
    {
        var requirements = OfferRequirements.For(new GpuSpec { MinGpuRamGb = ram, DiskGb = disk }, family);

        Assert.Equal((expectedRam, expectedDisk), (requirements.MinGpuRamGb, requirements.DiskGb));
    }

    private static readonly Dictionary<string, (VastOffer Offer, RejectionReason Reason)> Failing = new()
    {
        ["failed machine"] = (Offer(1) with { MachineId = 77 }, RejectionReason.ExcludedMachine),
        ["already rented"] = (Offer(1) with { Rented = true }, RejectionReason.Unavailable),
        ["unverified host"] = (Offer(1) with { Verification = "unverified" }, RejectionReason.Unavailable),
        ["other model"] = (Offer(1) with { GpuName = "RTX 3090" }, RejectionReason.GpuModel),
        ["two GPUs"] = (Offer(1) with { NumGpus = 2 }, RejectionReason.GpuCount),
        ["16 GB card"] = (Offer(1) with { GpuRam = 16376 }, RejectionReason.GpuMemory),
        ["too dear"] = (Offer(1, price: 0.62), RejectionReason.Price),
        ["unreliable"] = (Offer(1, reliability: 0.90), RejectionReason.Reliability),
        ["small disk"] = (Offer(1) with { DiskSpace = 40 }, RejectionReason.Disk),
        ["slow link"] = (Offer(1) with { InetDown = 50 }, RejectionReason.Bandwidth),
        ["old driver"] = (Offer(1) with { CudaMaxGood = new Version(11, 8) }, RejectionReason.Cuda),
        ["short rentals"] = (Offer(1) with { Duration = 3600 }, RejectionReason.RentalDuration),
        ["GPU newer than the image"] = (Offer(1) with { GpuName = "RTX 4090", ComputeCap = 1200 }, RejectionReason.ComputeCapability),
        ["GPU older than the image"] = (Offer(1) with { ComputeCap = 700 }, RejectionReason.ComputeCapability),
        ["wrong country"] = (Offer(1) with { Geolocation = "Dallas, US" }, RejectionReason.Country),
    };

    public static TheoryData<string> FailingCases => [.. Failing.Keys];

    [Theory]
    [MemberData(nameof(FailingCases))]
    public void Select_RejectsAnOfferFailingARequirement_WithThatReason(string failure)
    {
        var (offer, reason) = Failing[failure];
        var requirements = Sdxl4090 with { ExcludedMachines = new HashSet<string> { "77" }, Countries = ["NO", "SE"], MinComputeCapability = 750, MaxComputeCapability = 900 };

        var result = OfferSelection.Select(requirements, [offer]);

        Assert.Empty(result.Ranked);
        Assert.Equal(reason, Assert.Single(result.Rejections).Reason);
    }

    [Fact]
    public void Select_OfAnOfferMeetingEveryRequirement_RanksIt() =>
        Assert.Single(OfferSelection.Select(Sdxl4090 with { Countries = ["NO"] }, [Offer(1)]).Ranked);

    [Fact]
    public void Select_RanksByPriceThenReliability()
    {
        var offers = new[] { Offer(1, 0.45, 0.98), Offer(2, 0.41, 0.97), Offer(3, 0.45, 0.995), Offer(4, 0.41, 0.99) };

        var result = OfferSelection.Select(Sdxl4090, offers);

        Assert.Equal([4L, 2L, 3L, 1L], result.Ranked.Select(offer => offer.Id));
        Assert.Equal("4 matching offers; cheapest is RTX 4090 at $0.41/h on machine 1004", result.Summary);
    }

    [Fact]
    public void Select_WhenOnlyPriceExcludesTheMarket_SaysSoWithTheCheapestPrice()
    {
        var result = OfferSelection.Select(Sdxl4090, [Offer(1, 0.71), Offer(2, 0.62)]);

        Assert.Equal("no RTX 4090 under $0.50/h; cheapest was $0.62/h", result.Summary);
    }

    [Fact]
    public void Select_WhenSeveralRequirementsExclude_CountsEach()
    {
        var result = OfferSelection.Select(Sdxl4090, [Offer(1, 0.71), Offer(2, 0.62), Offer(3, 0.30, reliability: 0.9)]);

        Assert.Equal("no RTX 4090 meets every requirement: 2 over $0.50/h (cheapest $0.62/h), 1 below reliability 0.97", result.Summary);
    }

    [Fact]
    public void Select_WithNoOffersAtAll_SaysTheMarketHasNone()
    {
        var requirements = OfferRequirements.For(new GpuSpec { GpuNames = ["H100 SXM"], NumGpus = 2 }, ModelFamily.Flux);

        Assert.Equal("no 2× H100 SXM offers on the market", OfferSelection.Select(requirements, []).Summary);
    }

    [Fact]
    public void Select_WhenEveryMachineFailedBefore_SaysSo()
    {
        var requirements = Sdxl4090 with { ExcludedMachines = new HashSet<string> { "1001", "1002" } };

        var result = OfferSelection.Select(requirements, [Offer(1), Offer(2)]);

        Assert.Equal("every matching RTX 4090 is on a machine that already failed this run (2 excluded)", result.Summary);
    }

    [Theory]
    [InlineData("12.10", "12.9", true)]
    [InlineData("12.9", "12.10", false)]
    [InlineData("12.2", "12.10", false)]
    [InlineData("13.0", "12.10", true)]
    [InlineData("12.1", "12.1", true)]
    public void Select_ComparesCudaAsVersions_So12Point10IsNewerThan12Point9(string offered, string minimum, bool accepted)
    {
        var requirements = OfferRequirements.For(new GpuSpec { GpuNames = ["RTX 4090"], MaxPricePerHour = 0.5, MinCudaVersion = minimum }, ModelFamily.Sdxl);

        var result = OfferSelection.Select(requirements, [Offer(1) with { CudaMaxGood = Version.Parse(offered) }]);

        Assert.Equal(accepted, result.Ranked.Count == 1);
    }

    [Fact]
    public void Select_WhenOnlyCudaExcludesTheMarket_NamesBothVersionsAsWritten()
    {
        var requirements = OfferRequirements.For(new GpuSpec { GpuNames = ["RTX 4090"], MaxPricePerHour = 0.5, MinCudaVersion = "12.10" }, ModelFamily.Sdxl);

        var result = OfferSelection.Select(requirements, [Offer(1) with { CudaMaxGood = new Version(12, 9) }, Offer(2) with { CudaMaxGood = new Version(12, 2) }]);

        Assert.Equal("no RTX 4090 supporting CUDA 12.10; newest was 12.9", result.Summary);
    }

    [Fact]
    public void BuildQuery_ForATwoDigitCudaMinor_SendsTheLooserNumberAndLeavesTheRestToTheLocalCheck()
    {
        var requirements = OfferRequirements.For(new GpuSpec { MinCudaVersion = "12.10" }, ModelFamily.Sdxl);

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(OfferSelection.BuildQuery(requirements, 64), VastJson.Options));

        Assert.Equal(12.1, json.RootElement.GetProperty("cuda_max_good").GetProperty("gte").GetDouble());
    }

    [Theory]
    [InlineData("12.10", 12, 10)]
    [InlineData("\"12.10\"", 12, 10)]
    [InlineData("12.4", 12, 4)]
    [InlineData("\" 12.4 \"", 12, 4)]
    [InlineData("12", 12, 0)]
    public void VastOffer_ReadsCudaMaxGoodFromItsTextNotItsDoubleValue(string written, int major, int minor)
    {
        var offer = JsonSerializer.Deserialize<VastOffer>($$"""{"id":1,"cuda_max_good":{{written}}}""", VastJson.Options)!;

        Assert.Equal(new Version(major, minor), offer.CudaMaxGood);
    }

    [Fact]
    public void VastOffer_WithAnUnreadableCudaVersion_ReadsNoneAndIsRejected()
    {
        var offer = JsonSerializer.Deserialize<VastOffer>("""{"id":1,"cuda_max_good":"n/a"}""", VastJson.Options)!;

        Assert.Null(offer.CudaMaxGood);
        Assert.Equal(RejectionReason.Cuda, OfferSelection.Check(Sdxl4090, Offer(1) with { CudaMaxGood = offer.CudaMaxGood })?.Reason);
    }

    [Fact]
    public void Select_ForInterruptibleRun_PricesOffersAtTheirMinimumBidPlusTheMargin()
    {
        var requirements = Sdxl4090 with { Interruptible = true };

        var result = OfferSelection.Select(requirements, [Offer(1, price: 0.80) with { MinBid = 0.25 }]);

        Assert.Equal(0.275, OfferSelection.PricePerHour(requirements, Assert.Single(result.Ranked)), 9);
    }

    [Fact]
    public void Select_ForInterruptibleRun_SkipsOffersWhoseMinimumBidIsOverTheCapAndSaysSo()
    {
        var requirements = Sdxl4090 with { Interruptible = true };

        var result = OfferSelection.Select(requirements, [Offer(1) with { MinBid = 0.51 }, Offer(2) with { MinBid = 0.49 }]);

        Assert.Equal(2, Assert.Single(result.Ranked).Id);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionReason.Price, rejection.Reason);
        Assert.Contains("minimum bid and storage $0.51/h is over $0.50/h", rejection.Detail);
    }

    [Fact]
    public void PricePerHour_ForInterruptibleRun_AddsTheStorageOfItsDiskToTheBid_AndKeepsBothUnderTheCap()
    {
        // 60 GB at $0.36 per GB and month is $0.03 an hour, billed beside the bid every second the instance exists.
        var requirements = Sdxl4090 with { Interruptible = true, DiskGb = 60, MaxPricePerHour = 0.30, BidMarginPercent = 20 };
        var offer = Offer(1, price: 0.80) with { MinBid = 0.25, StorageCost = 0.36 };

        Assert.Equal(0.27, requirements.Bid!.BidFor(offer)!.Value, 9);
        Assert.Equal(0.30, OfferSelection.PricePerHour(requirements, offer), 9);
        Assert.Equal(RejectionReason.Price, OfferSelection.Check(requirements with { MaxPricePerHour = 0.27 }, offer)?.Reason);
    }
}
