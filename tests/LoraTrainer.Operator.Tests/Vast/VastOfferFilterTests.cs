using LoraTrainer.Api;
using LoraTrainer.Operator.Vast;
using LoraTrainer.Operator.Vast.Offers;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.DependencyInjection;

namespace LoraTrainer.Operator.Tests.Vast;

/// <summary>The server-side filter as Vast applies it: unknown filter names are ignored, so a misnamed floor filters nothing.</summary>
public sealed class VastOfferFilterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly GpuImageSupport Torch28Cuda128 = new() { CudaVersion = "12.8", MinComputeCapability = 750, MaxComputeCapability = 1200 };

    private static readonly GpuImageSupport Torch26Cuda124 = new() { CudaVersion = "12.4", MinComputeCapability = 500, MaxComputeCapability = 900 };

    [Fact]
    public async Task SearchOffers_AppliesTheReliabilityFloorInVastsOwnFilter()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1, DphBase = 0.20, Reliability = 0.90 }, new SimulatedOffer { Id = 2, DphBase = 0.40, Reliability = 0.99 });
        var requirements = OfferRequirements.For(new GpuSpec { GpuNames = ["RTX 4090"], MinReliability = 0.95 }, ModelFamily.Sdxl);

        var answered = await harness.Services.GetRequiredService<VastClient>().SearchOffersAsync(OfferSelection.BuildQuery(requirements, 64), Ct);

        Assert.Equal([2L], answered.Select(offer => offer.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RentAsync_NeverRentsAGpuTheImageHasNoKernelsFor_NorAHostWhoseDriverIsOlderThanItsCuda(bool imageHasBlackwellKernels)
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(
            new SimulatedOffer { Id = 1, GpuName = "RTX 5090", GpuRamMb = 32607, DphBase = 0.30, CudaMaxGood = 12.9 },
            new SimulatedOffer { Id = 2, GpuName = "RTX 4090", DphBase = 0.32, CudaMaxGood = 12.4, DriverVersion = "550.127.05" },
            new SimulatedOffer { Id = 3, GpuName = "RTX 4090", DphBase = 0.45, CudaMaxGood = 12.8, DriverVersion = "570.124.06" });
        var image = imageHasBlackwellKernels ? Torch28Cuda128 : Torch26Cuda124;
        var requirements = OfferRequirements.For(new GpuSpec { GpuNames = ["RTX 5090", "RTX 4090"] }, ModelFamily.Sdxl, image: image);

        var rented = await harness.Provider.RentAsync(requirements, VastHarness.Request(), Ct);

        // CUDA 12.8 needs a 570 driver: the cheaper 4090 on 550 is never rented for it. Without Blackwell kernels the
        // 5090 is never rented; that image's CUDA 12.4 runs on the 550 host.
        Assert.Equal(imageHasBlackwellKernels ? 1L : 2L, rented.Instance!.OfferId);
        var search = Assert.Single(harness.Simulator.RequestsTo(VastRoute.Search));
        Assert.Contains(imageHasBlackwellKernels ? "\"compute_cap\":{\"gte\":750,\"lte\":1200}" : "\"compute_cap\":{\"gte\":500,\"lte\":900}", search.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchOffersAsync_WhenOnlyGpusTheImageCannotDriveAreOnTheMarket_SaysSo()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1, GpuName = "RTX 5090", GpuRamMb = 32607 });
        var requirements = OfferRequirements.For(new GpuSpec { GpuNames = ["RTX 5090"] }, ModelFamily.Sdxl, image: Torch26Cuda124);

        var selection = await harness.Provider.SearchOffersAsync(requirements, Ct);

        Assert.Empty(selection.Ranked);
        Assert.Equal("no RTX 5090 the GPU image can drive (compute capability 5.0 to 9.0); found RTX 5090 (12.0)", selection.Summary);
    }
}
