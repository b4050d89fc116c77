using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Tests.Running;

/// <summary>A receiver answer with <c>finish: now</c> stops the trainer and makes the best epoch saved so far the result.</summary>
public sealed class AgentFinishTests : IAsyncLifetime
{
    private const int Epochs = 8;
    private AgentScenario _scenario = null!;

    public async ValueTask InitializeAsync()
    {
        _scenario = await AgentScenario.StartAsync();
        // About a second per epoch: the finish lands long before the last one.
        _scenario.Trainer = _scenario.Trainer with { EpochLosses = [0.30, 0.12, 0.20, 0.19, 0.18, 0.17, 0.16, 0.05], StepSeconds = 0.2 };
        _scenario.Receiver.Config = _scenario.Receiver.Config with
        {
            Training = _scenario.Receiver.Config.Training with { Args = _scenario.Receiver.Config.Training.Args with { MaxTrainEpochs = Epochs } },
        };
    }

    public ValueTask DisposeAsync() => _scenario.DisposeAsync();

    [Fact(Timeout = 60_000)]
    public async Task Run_WhenTheReceiverAsksToFinishAfterEpoch2_StopsTrainingAndUploadsTheBestEpochSavedSoFar()
    {
        _scenario.Receiver.Config = _scenario.Receiver.Config with
        {
            Outputs = _scenario.Receiver.Config.Outputs with
            {
                Epochs = [.. Enumerable.Range(1, Epochs).Select(n => new EpochUploadTarget { Epoch = n, Url = _scenario.Store.UrlOf($"loras/anna-e{n}.safetensors"), Key = $"loras/anna-e{n}.safetensors" })],
            },
        };
        _scenario.Receiver.FinishWhen = e => e.Kind == EventKinds.EpochCompleted && e.Epoch == 2;

        Assert.Equal(0, await _scenario.RunAgentAsync());

        var uploaded = _scenario.Single(EventKinds.Uploaded);
        Assert.True(uploaded.FinishedEarly);
        Assert.Equal(2, uploaded.Epoch);
        var epochTwo = await File.ReadAllBytesAsync(_scenario.OutputFile("portrait-anna-000002.safetensors"), TestContext.Current.CancellationToken);
        Assert.Equal(epochTwo, _scenario.Store.Get(AgentScenario.BestKey));
        var completed = _scenario.Single(EventKinds.TrainingCompleted);
        Assert.True(completed.FinishedEarly);
        Assert.Equal(2, completed.BestEpoch);
        var saved = completed.Epochs!.Select(e => e.Epoch).ToList();
        Assert.InRange(saved.Count, 2, Epochs - 1);
        // Every epoch saved before the finish is kept; none after it was trained, so none is uploaded.
        Assert.All(saved, n => Assert.NotNull(_scenario.Store.Get($"loras/anna-e{n}.safetensors")));
        Assert.Null(_scenario.Store.Get($"loras/anna-e{Epochs}.safetensors"));
        Assert.DoesNotContain(_scenario.Receiver.Accepted, e => e.Kind == EventKinds.Failed);
    }

    [Fact(Timeout = 60_000)]
    public async Task Run_WhenTheReceiverAsksToFinishBeforeAnyEpochIsSaved_FailsAtTheFinishStageSayingSo()
    {
        _scenario.Receiver.FinishWhen = e => e.Kind == EventKinds.Ready;

        Assert.Equal(1, await _scenario.RunAgentAsync());

        var failed = _scenario.Single(EventKinds.Failed);
        Assert.Equal("finish", failed.Stage);
        Assert.Equal("The run was finished early (spec.finish: now) before any epoch was saved; there is nothing to keep.", failed.Reason);
        Assert.DoesNotContain(_scenario.Receiver.Accepted, e => e.Kind is EventKinds.EpochCompleted or EventKinds.Uploaded);
        Assert.Null(_scenario.Store.Get(AgentScenario.BestKey));
    }
}
