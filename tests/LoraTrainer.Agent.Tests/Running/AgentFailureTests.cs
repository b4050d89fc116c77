using LoraTrainer.Protocol;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.Agent.Tests.Running;

public sealed class AgentFailureTests : IAsyncLifetime
{
    private AgentScenario _scenario = null!;

    public async ValueTask InitializeAsync() => _scenario = await AgentScenario.StartAsync();

    public ValueTask DisposeAsync() => _scenario.DisposeAsync();

    private void AssertNothingUploaded()
    {
        Assert.DoesNotContain(_scenario.Receiver.Accepted, e => e.Kind == EventKinds.Uploaded);
        Assert.Null(_scenario.Store.Get(AgentScenario.BestKey));
    }

    [Theory]
    [InlineData(FakeTrainerMode.Oom, "out of memory")]
    [InlineData(FakeTrainerMode.Sigkill, "SIGKILL")]
    [InlineData(FakeTrainerMode.Killed, "SIGKILL")]
    [InlineData(FakeTrainerMode.NanLatents, "NaN detected in latents")]
    [InlineData(FakeTrainerMode.NoData, "No data found")]
    [InlineData(FakeTrainerMode.NoModelSaved, "model saved.")]
    public async Task Run_WhenTheTrainerFails_ReportsFailedInTheTrainingStageWithTheLogTail(FakeTrainerMode mode, string reason)
    {
        _scenario.Trainer = _scenario.Trainer with { Mode = mode };

        var exitCode = await _scenario.RunAgentAsync();

        Assert.Equal(1, exitCode);
        var failed = _scenario.Single(EventKinds.Failed);
        Assert.Equal("training", failed.Stage);
        Assert.Contains(reason, failed.Reason, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(failed.LogTail));
        Assert.True(failed.LogTail!.Split('\n').Length <= 40);
        AssertNothingUploaded();
    }

    [Fact(Timeout = 60_000)]
    public async Task Run_WhenTheLossBecomesNaN_StopsTheTrainerAtOnce()
    {
        // The fake goes on printing avr_loss=nan for two minutes unless it is stopped.
        _scenario.Trainer = _scenario.Trainer with { Mode = FakeTrainerMode.Nan };
        var started = DateTime.UtcNow;

        var exitCode = await _scenario.RunAgentAsync();

        Assert.Equal(1, exitCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(45));
        var failed = _scenario.Single(EventKinds.Failed);
        Assert.Equal("training", failed.Stage);
        Assert.Contains("NaN", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("avr_loss=nan", failed.LogTail, StringComparison.Ordinal);
        AssertNothingUploaded();
    }

    [Fact]
    public async Task Run_WithAMisspeltArgument_FailsInTheConfigStageBeforeDownloadingAnything()
    {
        var config = _scenario.Receiver.Config;
        _scenario.Receiver.Config = config with
        {
            Training = config.Training with { Args = config.Training.Args with { Others = new Dictionary<string, object?>(config.Training.Args.Others) { ["learning_rat"] = 0.0001 } } },
        };

        var exitCode = await _scenario.RunAgentAsync();

        Assert.Equal(1, exitCode);
        var failed = _scenario.Single(EventKinds.Failed);
        Assert.Equal("config", failed.Stage);
        Assert.Contains("learning_rat", failed.Reason, StringComparison.Ordinal);
        Assert.Empty(_scenario.Store.Requests);
        Assert.DoesNotContain(_scenario.Receiver.Accepted, e => e.Kind == EventKinds.Ready);
    }

    [Fact]
    public async Task Run_WithAModelWhoseHashDoesNotMatch_FailsInTheModelStageAndNeverTrains()
    {
        var config = _scenario.Receiver.Config;
        _scenario.Receiver.Config = config with { Model = config.Model with { Sha256 = new string('a', 64) } };

        var exitCode = await _scenario.RunAgentAsync();

        Assert.Equal(1, exitCode);
        var failed = _scenario.Single(EventKinds.Failed);
        Assert.Equal("model", failed.Stage);
        Assert.Contains("SHA-256", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(_scenario.Receiver.Accepted, e => e.Kind is EventKinds.ModelDownloaded or EventKinds.Ready);
    }

    [Fact]
    public async Task Run_WithAZipThatClimbsOutOfItsFolder_FailsInTheImagesStage()
    {
        var zip = AgentScenario.DatasetZip(("a.png", [1]), ("../../escape.txt", [2]));
        _scenario.Store.Put("datasets/evil.zip", zip);
        var config = _scenario.Receiver.Config;
        _scenario.Receiver.Config = config with { Dataset = config.Dataset with { Url = _scenario.Store.UrlOf("datasets/evil.zip"), Bytes = zip.Length } };

        var exitCode = await _scenario.RunAgentAsync();

        Assert.Equal(1, exitCode);
        var failed = _scenario.Single(EventKinds.Failed);
        Assert.Equal("images", failed.Stage);
        Assert.Contains("../../escape.txt", failed.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(_scenario.Work.Combine("escape.txt")));
    }

    [Fact]
    public async Task Run_WhenTheDatasetZipIsInterrupted_ResumesItAndTrains()
    {
        _scenario.Store.CutFirstDownloadAfter("datasets/portrait.zip", 100);

        var exitCode = await _scenario.RunAgentAsync();

        Assert.Equal(0, exitCode);
        Assert.Contains("GET datasets/portrait.zip range=bytes=100- auth=no", _scenario.Store.Requests);
    }

    [Fact]
    public async Task Run_WhenTheReceiverCannotBeReached_ExitsWithItsOwnCode()
    {
        await _scenario.Receiver.DisposeAsync();

        var exitCode = await _scenario.RunAgentAsync(new Dictionary<string, string?> { ["Agent:ConfigTimeout"] = "00:00:00.300" });

        Assert.Equal(ExitCodes.ReceiverUnreachable, exitCode);
    }
}
