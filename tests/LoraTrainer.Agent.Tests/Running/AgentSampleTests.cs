using System.Security.Cryptography;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Tests.Running;

/// <summary>A run with sample prompts renders them with the fake sd-scripts, uploads each image, and reports them per epoch.</summary>
public sealed class AgentSampleTests : IAsyncLifetime
{
    private AgentScenario _scenario = null!;

    public async ValueTask InitializeAsync()
    {
        _scenario = await AgentScenario.StartAsync();
        var store = _scenario.Store;
        var plan = new SamplePlan
        {
            Prompts =
            [
                new() { Prompt = "ohwx woman, portrait", NegativePrompt = "blurry", Seed = 42, Width = 512, Height = 768, Steps = 28, CfgScale = 7 },
                new() { Prompt = "ohwx woman hiking", Seed = 43, Width = 512, Height = 512, Steps = 28, CfgScale = 7 },
            ],
            EveryNEpochs = 1,
            AtFirst = true,
            Sampler = "euler_a",
        };
        _scenario.Receiver.Config = _scenario.Receiver.Config with
        {
            Samples = plan,
            Outputs = _scenario.Receiver.Config.Outputs with
            {
                Samples = [.. plan.SampledEpochs(3).SelectMany(e => Enumerable.Range(0, 2).Select(p => new SampleUploadTarget { Epoch = e, Prompt = p, Key = Key(e, p), Url = store.UrlOf(Key(e, p)) }))],
            },
        };
    }

    public ValueTask DisposeAsync() => _scenario.DisposeAsync();

    [Fact]
    public async Task Run_WithSamples_UploadsEveryEpochsImagesAndReportsTheirKeysAndHashes()
    {
        Assert.Equal(0, await _scenario.RunAgentAsync());

        var reports = _scenario.Receiver.Accepted.Where(e => e.Kind == EventKinds.SamplesUploaded).ToList();
        Assert.Equal([0, 1, 2, 3], reports.Select(r => r.Epoch!.Value));
        foreach (var report in reports)
        {
            Assert.Equal([0, 1], report.SampleImages!.Select(i => i.Prompt));
            foreach (var image in report.SampleImages!)
            {
                var stored = _scenario.Store.Get(image.Key!)!;
                Assert.Equal(Key(report.Epoch!.Value, image.Prompt), image.Key);
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored)), image.Sha256);
                Assert.Equal(stored.LongLength, image.Bytes);
                Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], stored[..4]);
            }
        }

        // Each epoch and prompt draws its own pixels.
        Assert.Equal(8, reports.SelectMany(r => r.SampleImages!).Select(i => i.Sha256).Distinct().Count());
        var prompts = await File.ReadAllTextAsync(_scenario.Work.Combine("sample-prompts.txt"), TestContext.Current.CancellationToken);
        Assert.Equal("ohwx woman, portrait --n blurry --w 512 --h 768 --d 42 --s 28 --l 7\nohwx woman hiking --w 512 --h 512 --d 43 --s 28 --l 7\n", prompts);
        var args = await File.ReadAllTextAsync(_scenario.Work.Combine("args.toml"), TestContext.Current.CancellationToken);
        Assert.Contains("sample_every_n_epochs = 1", args, StringComparison.Ordinal);
        Assert.Contains("sample_at_first = true", args, StringComparison.Ordinal);
        Assert.Contains("sample_sampler = \"euler_a\"", args, StringComparison.Ordinal);
        // The reports come before the result's.
        Assert.True(_scenario.Receiver.Accepted.ToList().FindLastIndex(e => e.Kind == EventKinds.SamplesUploaded)
            < _scenario.Receiver.Accepted.ToList().FindIndex(e => e.Kind == EventKinds.Uploaded));
    }

    [Fact]
    public async Task Run_WhenASampleUploadFailsTwice_RetriesItAndReportsItUploaded()
    {
        _scenario.Store.Fail(Key(2, 1), 503, 500);

        Assert.Equal(0, await _scenario.RunAgentAsync());

        var image = _scenario.Receiver.Accepted.Single(e => e.Kind == EventKinds.SamplesUploaded && e.Epoch == 2).SampleImages![1];
        Assert.Equal(Key(2, 1), image.Key);
        Assert.Null(image.Error);
        Assert.Equal(3, _scenario.Store.Requests.Count(r => r.StartsWith($"PUT {Key(2, 1)} ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Run_WhenOnePromptFailsToRender_ReportsItFailedAndStillCompletes()
    {
        _scenario.Trainer = _scenario.Trainer with { SampleFailPrompt = 1 };

        Assert.Equal(0, await _scenario.RunAgentAsync());

        var reports = _scenario.Receiver.Accepted.Where(e => e.Kind == EventKinds.SamplesUploaded).ToList();
        Assert.Equal(4, reports.Count);
        Assert.All(reports, r => Assert.Equal("a PNG cut short", r.SampleImages![1].Error));
        Assert.All(reports, r => Assert.Null(r.SampleImages![1].Key));
        Assert.All(reports, r => Assert.NotNull(_scenario.Store.Get(r.SampleImages![0].Key!)));
        Assert.DoesNotContain(_scenario.Store.Requests, r => r.StartsWith("PUT samples/e", StringComparison.Ordinal) && r.Contains("-01.png", StringComparison.Ordinal));
        Assert.Single(_scenario.Receiver.Accepted, e => e.Kind == EventKinds.Uploaded);
        Assert.DoesNotContain(_scenario.Receiver.Accepted, e => e.Kind == EventKinds.Failed);
    }

    private static string Key(int epoch, int prompt) => $"samples/e{epoch:D6}-{prompt:D2}.png";
}
