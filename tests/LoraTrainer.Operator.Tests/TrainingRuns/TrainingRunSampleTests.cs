using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>Sample images the receiver wrote to status: the operator announces each sampled epoch once, with where its images are.</summary>
public sealed class TrainingRunSampleTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private OperatorHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await OperatorHarness.StartAsync(s3.Server);

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    private static TrainingRunSpec TwoPrompts(TrainingRunSpec spec) =>
        spec with { Samples = new SamplesSpec { Prompts = [new SamplePromptSpec { Prompt = "ohwx woman, portrait" }, new SamplePromptSpec { Prompt = "ohwx woman, beach" }], AtFirst = true } };

    private static SampleImageStatus Uploaded(string run, int epoch, int prompt) =>
        new() { Prompt = prompt, Key = $"loras/samples/{run}/e{epoch:D6}-{prompt:D2}.png" };

    [Fact]
    public async Task SampledEpochs_EachGetOneSamplesUploadedEvent_NamingWhereTheImagesAre()
    {
        await StartTrainingAsync("sampled", 301, 31);

        await _h.AgentSendsAsync("sampled", a => new SamplesUploadedInput(4, a, 0, [Uploaded("sampled", 0, 0), Uploaded("sampled", 0, 1)]));
        await _h.AgentSendsAsync("sampled", a => new EpochCompletedInput(5, a, 1, 0.12));
        await _h.AgentSendsAsync("sampled", a => new SamplesUploadedInput(6, a, 1, [Uploaded("sampled", 1, 0), Uploaded("sampled", 1, 1)]));

        var events = await SampleEventsAsync("sampled", count: 2);
        Assert.Equal(
            [("Normal", "before training: 2 sample images at s3://trained-loras/loras/samples/sampled/"),
             ("Normal", "epoch 1: 2 sample images at s3://trained-loras/loras/samples/sampled/")],
            events.Select(e => (e.Type, e.Message)).Order());
        await _h.AgentSendsAsync("sampled", a => new EpochCompletedInput(7, a, 2, 0.1));
        await _h.WaitForAsync("sampled", r => r.Status!.Epochs.Any(e => e.Epoch == 2));
        // A repeated Event would raise the count of the same one rather than add another.
        Assert.All(await SampleEventsAsync("sampled", count: 2), e => Assert.Equal(1, e.Count ?? 1));
    }

    [Fact]
    public async Task AnEpochWithAFailedSample_IsAWarningNamingThePromptAndWhy()
    {
        await StartTrainingAsync("halfdrawn", 311, 32);

        await _h.AgentSendsAsync("halfdrawn", a => new SamplesUploadedInput(4, a, 1,
            [Uploaded("halfdrawn", 1, 0), new SampleImageStatus { Prompt = 1, Error = "sd-scripts wrote no image" }]));

        var warning = Assert.Single(await SampleEventsAsync("halfdrawn", count: 1));
        Assert.Equal(("Warning", "epoch 1: 1 sample images at s3://trained-loras/loras/samples/halfdrawn/; failed: prompt 1 (sd-scripts wrote no image)"),
            (warning.Type, warning.Message));
    }

    private async Task<IReadOnlyList<Corev1Event>> SampleEventsAsync(string name, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var events = (await _h.EventsAsync(name)).Where(e => e.Reason == "SamplesUploaded").ToList();
            if (events.Count >= count || DateTime.UtcNow > deadline)
            {
                return events;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private async Task StartTrainingAsync(string name, long offer, long machine)
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(offer, machine));
        await _h.ApplyRunAsync(name, TwoPrompts);
        await _h.WaitForPhaseAsync(name, TrainingPhase.PendingGpu);
        await _h.AgentSendsAsync(name, a => new GpuReadyInput(1, a, null, null));
        await _h.AgentSendsAsync(name, a => new ImagesDownloadedInput(2, a, 2, 1, 1));
        await _h.AgentSendsAsync(name, a => new ReadyInput(3, a));
    }
}
