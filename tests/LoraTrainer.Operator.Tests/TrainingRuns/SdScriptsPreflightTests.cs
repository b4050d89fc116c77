using System.Text.Json;
using LoraTrainer.Api;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>An argument the GPU's sd-scripts would refuse fails the run before a GPU is rented, saying what to change.</summary>
public sealed class SdScriptsPreflightTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private OperatorHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await OperatorHarness.StartAsync(s3.Server);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Xformers_IsRefusedBeforeAnyGpuIsRented_PointingToSdpa()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(781, machine: 79));

        await _h.ApplyRunAsync("xformers", s => s with { Training = s.Training! with { ExtraArgs = Args(("xformers", true)) } });

        var failed = await _h.WaitForPhaseAsync("xformers", TrainingPhase.Failed);
        Assert.Equal("spec.training.extraArgs.xformers is not allowed: the GPU image does not install xformers; use sdpa (on by default), which needs nothing extra",
            failed.Status!.Message);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task AnSdxlRun_CachingTextEncoderOutputsWhileTrainingTheTextEncoders_IsRefusedBeforeAnyGpuIsRented()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(791, machine: 80));

        await _h.ApplyRunAsync("sdxl-te", s => s with
        {
            BaseModel = s.BaseModel with { Url = s.BaseModel.Url! with { Url = "https://models.example.com/sdxl.safetensors" }, Family = ModelFamily.Sdxl },
            Training = s.Training! with { TextEncoderLr = 5e-5, ExtraArgs = Args(("cache_text_encoder_outputs", true)) },
        });

        var failed = await _h.WaitForPhaseAsync("sdxl-te", TrainingPhase.Failed);
        Assert.StartsWith("spec.training.extraArgs.cache_text_encoder_outputs needs network_train_unet_only = true with sdxl_train_network.py", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    internal static Dictionary<string, JsonElement> Args(params (string Name, object Value)[] args) =>
        args.ToDictionary(a => a.Name, a => JsonSerializer.SerializeToElement(a.Value));
}
