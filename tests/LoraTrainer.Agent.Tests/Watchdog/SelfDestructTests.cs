using LoraTrainer.Agent.Tests.Running;
using LoraTrainer.Protocol;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Trainer;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Agent.Tests.Watchdog;

/// <summary>
/// The whole agent on a rented simulator instance, with the fake trainer training for real and the agent's clock faked:
/// the watchdog fires, salvages the best epoch so far, destroys the instance through its per-instance key, and exits.
/// </summary>
public sealed class SelfDestructTests : IAsyncLifetime
{
    private const string BestSoFar = "portrait-anna-000002.safetensors";
    private const string FinalFile = "portrait-anna.safetensors";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FakeLogCollector _logs = new();
    private AgentScenario _scenario = null!;
    private VastAccount _account = null!;
    private RentedInstance _instance = null!;

    public async ValueTask InitializeAsync()
    {
        _scenario = await AgentScenario.StartAsync();
        _account = await VastAccount.StartAsync();
        _instance = await _account.RentAsync();
        _scenario.Receiver.Clock = _time;
        // Long enough that the run is still training when the watchdog fires; epoch 2 has the lowest loss.
        _scenario.Trainer = new FakeTrainerSettings { EpochLosses = [0.30, 0.20, 0.25], StepSeconds = 0.05 };
        _scenario.Receiver.Config = _scenario.Receiver.Config with { Training = _scenario.Receiver.Config.Training with { Args = _scenario.Receiver.Config.Training.Args with { MaxTrainEpochs = 100 } } };
    }

    public async ValueTask DisposeAsync()
    {
        await _account.DisposeAsync();
        await _scenario.DisposeAsync();
    }

    [Fact]
    public async Task Agent_WhenTheReceiverIsUnreachablePastTheWindow_UploadsTheBestEpochSoFarDestroysItsInstanceAndExits()
    {
        var agent = StartAgent(onVast: true);
        await TrainedEpochsAsync(3);

        _scenario.Receiver.Unreachable = true;
        var exitCode = await RunClockUntilExitAsync(agent);

        Assert.Equal(ExitCodes.SelfDestructed, exitCode);
        Assert.Equal(await File.ReadAllBytesAsync(_scenario.OutputFile(BestSoFar), TestContext.Current.CancellationToken), _scenario.Store.Get(AgentScenario.BestKey));
        Assert.False(_account.IsAlive(_instance.Id));
        var delete = Assert.Single(_account.Vast.RequestsTo(VastRoute.Destroy));
        Assert.Equal(200, delete.Status);
        Assert.True(delete.BearerAuth);
        Assert.False(File.Exists(_scenario.OutputFile(FinalFile)), "the trainer should have been stopped long before its last epoch");
        Assert.Contains(_logs.GetSnapshot(), r => r.Level == LogLevel.Error && r.Message.Contains("the receiver has not answered since", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Agent_WhileTheReceiverAnswers_TrainsOnPastTheWindow()
    {
        var agent = StartAgent(onVast: true);
        await TrainedEpochsAsync(2);

        // An hour on the agent's clock, twice the window, in steps the receiver answers a heartbeat for.
        for (var step = 0; step < 12; step++)
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            var now = _time.GetUtcNow();
            await UntilAsync(() => _scenario.Receiver.Accepted.Any(e => e.Kind == EventKinds.Heartbeat && e.At >= now), "a heartbeat for the new time");
        }

        Assert.False(agent.IsCompleted);
        Assert.True(_account.IsAlive(_instance.Id));
        Assert.Contains(_scenario.Receiver.Accepted, e => e.Kind == EventKinds.Heartbeat);
        var silentFrom = _time.GetUtcNow();
        _scenario.Receiver.Unreachable = true;
        Assert.Equal(ExitCodes.SelfDestructed, await RunClockUntilExitAsync(agent));
        Assert.True(_time.GetUtcNow() - silentFrom >= TimeSpan.FromMinutes(30), "the window counts from the receiver's last answer");
    }

    [Fact]
    public async Task Agent_WhenTheRunsDeadlinePasses_StopsTheRunSayingWhyUploadsAndDestroysItsInstance()
    {
        _scenario.Receiver.Config = _scenario.Receiver.Config with { Limits = new RunLimits { Deadline = _time.GetUtcNow().AddMinutes(10) } };
        var agent = StartAgent(onVast: true);
        await TrainedEpochsAsync(3);

        // The clock stops once the watchdog fires, so the receiver gets the failed event before the agent's short stop window ends.
        await RunClockUntilAsync(agent, () => _logs.GetSnapshot().Any(r => r.Message.StartsWith("Self-destruct:", StringComparison.Ordinal)));
        var failed = await _scenario.Receiver.WaitForAsync(EventKinds.Failed, TimeSpan.FromSeconds(30));
        var exitCode = await RunClockUntilExitAsync(agent);

        Assert.Equal(ExitCodes.SelfDestructed, exitCode);
        Assert.Equal("training", failed.Stage);
        Assert.Contains("watchdog stopped the run", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("spec.runPolicy.activeDeadlineSeconds", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(_scenario.OutputFile(BestSoFar), TestContext.Current.CancellationToken), _scenario.Store.Get(AgentScenario.BestKey));
        Assert.False(_account.IsAlive(_instance.Id));
        Assert.DoesNotContain(_scenario.Receiver.Accepted, e => e.Kind == EventKinds.Uploaded);
    }

    [Fact]
    public async Task Agent_WhenTheReceiverNeverAnswers_DestroysItsInstanceWithNothingToUpload()
    {
        _scenario.Receiver.Unreachable = true;

        var exitCode = await RunClockUntilExitAsync(StartAgent(onVast: true));

        Assert.Equal(ExitCodes.SelfDestructed, exitCode);
        Assert.False(_account.IsAlive(_instance.Id));
        Assert.Null(_scenario.Store.Get(AgentScenario.BestKey));
        Assert.Contains(_logs.GetSnapshot(), r => r.Message.StartsWith("Nothing to upload before self-destructing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Agent_OffVast_SaysSoOnceUploadsAndOnlyExits()
    {
        var agent = StartAgent(onVast: false);
        await TrainedEpochsAsync(3);

        _scenario.Receiver.Unreachable = true;
        var exitCode = await RunClockUntilExitAsync(agent);

        Assert.Equal(ExitCodes.SelfDestructed, exitCode);
        Assert.NotNull(_scenario.Store.Get(AgentScenario.BestKey));
        Assert.Empty(_account.Vast.RequestsTo(VastRoute.Destroy));
        Assert.True(_account.IsAlive(_instance.Id));
        Assert.Single(_logs.GetSnapshot(), r => r.Message.Contains("CONTAINER_ID and CONTAINER_API_KEY are not set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Agent_WhenTheRunFinishes_LeavesItsInstanceToTheOperator()
    {
        _scenario.Receiver.Config = _scenario.Receiver.Config with { Training = _scenario.Receiver.Config.Training with { Args = _scenario.Receiver.Config.Training.Args with { MaxTrainEpochs = 3 } } };
        _scenario.Trainer = _scenario.Trainer with { StepSeconds = 0.001 };

        // The agent's clock stands still: nothing the run does needs it to move.
        var exitCode = await StartAgent(onVast: true);

        Assert.Equal(ExitCodes.Uploaded, exitCode);
        Assert.Empty(_account.Vast.RequestsTo(VastRoute.Destroy));
        Assert.True(_account.IsAlive(_instance.Id));
    }

    [Fact]
    public async Task Agent_NeverLogsItsInstanceKey()
    {
        var agent = StartAgent(onVast: true, logLevel: "Trace");
        await TrainedEpochsAsync(2);

        _scenario.Receiver.Unreachable = true;
        await RunClockUntilExitAsync(agent);

        Assert.False(_account.IsAlive(_instance.Id));
        Assert.DoesNotContain(_logs.GetSnapshot(), r => r.Message.Contains(_instance.Key, StringComparison.Ordinal));
    }

    private Task<int> StartAgent(bool onVast, string logLevel = "Information")
    {
        var settings = onVast ? _instance.Environment(_account.Vast) : new Dictionary<string, string?> { ["Agent:VastBaseUrl"] = _account.Vast.BaseUrl.ToString() };
        settings["Logging:LogLevel:Default"] = logLevel;
        return _scenario.RunAgentAsync(settings, services => services
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton<ILoggerProvider>(new FakeLoggerProvider(_logs)));
    }

    private Task TrainedEpochsAsync(int epochs) =>
        UntilAsync(() => _scenario.Receiver.Accepted.Count(e => e.Kind == EventKinds.EpochCompleted) >= epochs, $"{epochs} epochs");

    private Task UntilAsync(Func<bool> condition, string what) =>
        Eventually.UntilAsync(condition, TimeSpan.FromSeconds(30), what, seen: () => "the receiver got " + string.Join(", ", _scenario.Receiver.Accepted.Select(e => e.Kind)),
            cancellationToken: TestContext.Current.CancellationToken);

    private async Task<int> RunClockUntilExitAsync(Task<int> agent)
    {
        await RunClockUntilAsync(agent, () => false);
        return await agent;
    }

    // The agent's clock runs a minute per tick while the trainer trains in real time: half an hour passes in about a second.
    private async Task RunClockUntilAsync(Task<int> agent, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!agent.IsCompleted && !condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the agent did not get there within 60 s");
            _time.Advance(TimeSpan.FromMinutes(1));
            await Task.WhenAny(agent, Task.Delay(20, TestContext.Current.CancellationToken));
        }
    }
}
