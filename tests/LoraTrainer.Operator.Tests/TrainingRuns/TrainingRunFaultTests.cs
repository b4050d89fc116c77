using k8s;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>Stalls, retries, crashes, deletion, suspension and limits; every test ends with nothing alive at Vast.</summary>
public sealed class TrainingRunFaultTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private OperatorHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await OperatorHarness.StartAsync(s3.Server);

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    private static Func<TrainingRunSpec, TrainingRunSpec> Deadlines(string pendingGpu, int backoffLimit) => s => s with
    {
        RunPolicy = new RunPolicySpec { BackoffLimit = backoffLimit, Deadlines = new DeadlinesSpec { PendingGpu = pendingGpu } },
    };

    [Fact]
    public async Task AGpuThatNeverReportsReady_StallsAtItsDeadline_IsReleased_AndTheRetryUsesAnotherMachine()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(1001, machine: 1), OperatorHarness.Offer(1002, machine: 2, price: 0.5));
        await _h.ApplyRunAsync("silent", Deadlines("2s", backoffLimit: 1));

        var retried = await _h.WaitForAsync("silent", r => r.Status is { Phase: TrainingPhase.PendingGpu, Attempt: 2 });
        Assert.Equal("2", retried.Status!.Gpu!.MachineId);
        Assert.Contains("1", retried.Status.ExcludedMachines);

        var stalled = await _h.WaitForAsync("silent", r => r.Status is { Phase: TrainingPhase.Stalled, Attempt: 2 } && r.Status.Gpu?.ReleasedAt is not null);
        Assert.Contains("the GPU did not report ready within 2s; no retries left", stalled.Status!.Message, StringComparison.Ordinal);
        Assert.True(stalled.Status.Conditions.IsTrue(ConditionTypes.Stalled));
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
        Assert.Equal(2, _h.Vast.Instances(includeDestroyed: true).Count);
    }

    [Fact]
    public async Task ADeadInstance_StallsAtOnce_WithoutWaitingForTheDeadline()
    {
        var dying = VastLifecycle.Immediate with { Failure = VastInstanceFailure.ExitsWhileRunning, FailAfter = TimeSpan.FromMilliseconds(500) };
        _h.Vast.AddOffers(OperatorHarness.Offer(1101, machine: 3, lifecycle: dying));
        await _h.ApplyRunAsync("dies", Deadlines("30m", backoffLimit: 0));

        var stalled = await _h.WaitForAsync("dies", r => r.Status?.Phase == TrainingPhase.Stalled && r.Status.Gpu?.ReleasedAt is not null, seconds: 15);

        Assert.Contains("died", stalled.Status!.Message, StringComparison.Ordinal);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
    }

    [Fact]
    public async Task AnInstanceCreatedBeforeACrash_IsAdoptedByLabel_NotRentedTwice()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(1201, machine: 4));
        await _h.StopOperatorAsync();
        var run = await _h.ApplyRunAsync("adopt");
        var orphan = _h.Vast.SeedInstance(1201, $"loratrainer:test:{run.Metadata.Uid}:1");

        await _h.StartOperatorAsync();

        var adopted = await _h.WaitForPhaseAsync("adopt", TrainingPhase.PendingGpu);
        Assert.Equal(orphan.ToString(System.Globalization.CultureInfo.InvariantCulture), adopted.Status!.Gpu!.InstanceId);
        Assert.Empty(_h.Vast.RequestsTo(VastRoute.Create));
        Assert.Equal(1, _h.Vast.Cost().AliveInstances);
    }

    [Fact]
    public async Task OperatorRestartsAtEveryStep_NeverDuplicateOrLeakAnInstance()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(1301, machine: 5), OperatorHarness.Offer(1302, machine: 6, price: 0.5));
        await _h.ApplyRunAsync("bumpy");
        await _h.WaitForPhaseAsync("bumpy", TrainingPhase.PendingGpu);

        await _h.RestartAsync();
        await _h.AgentSendsAsync("bumpy", a => new GpuReadyInput(1, a, "RTX 4090", 1));
        await _h.RestartAsync();
        await _h.AgentSendsAsync("bumpy", a => new ImagesDownloadedInput(2, a, 2, 1, 1));
        await _h.AgentSendsAsync("bumpy", a => new ReadyInput(3, a));
        await _h.RestartAsync();
        await _h.S3.PutObjectAsync(OperatorHarness.OutputBucket, "loras/bumpy.safetensors", [1, 2, 3], TestContext.Current.CancellationToken);
        await _h.AgentSendsAsync("bumpy", a => new UploadedInput(4, a, 1, 0.1, $"s3://{OperatorHarness.OutputBucket}/loras/bumpy.safetensors", 3, null));
        await _h.RestartAsync();

        await _h.WaitForAsync("bumpy", r => r.Status?.Phase == TrainingPhase.Completed && r.Status.Gpu?.ReleasedAt is not null);
        Assert.Single(_h.Vast.Instances(includeDestroyed: true));
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
    }

    [Fact]
    public async Task DeletingARunMidTraining_DestroysItsInstanceWithinSeconds()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(1401, machine: 7));
        await _h.ApplyRunAsync("doomed");
        await _h.WaitForPhaseAsync("doomed", TrainingPhase.PendingGpu);
        await _h.AgentSendsAsync("doomed", a => new GpuReadyInput(1, a, null, null));
        await _h.AgentSendsAsync("doomed", a => new ImagesDownloadedInput(2, a, 2, 1, 1));
        await _h.AgentSendsAsync("doomed", a => new ReadyInput(3, a));
        var started = DateTime.UtcNow;

        _h.Kube.Delete(TrainingRun.ApiVersionString, TrainingRun.KindName, OperatorHarness.Namespace, "doomed");

        await _h.Kube.WaitForDeletionAsync(TrainingRun.ApiVersionString, TrainingRun.KindName, OperatorHarness.Namespace, "doomed", TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
        using var client = _h.Kube.CreateClient();
        Assert.Empty((await client.CoreV1.ListNamespacedSecretAsync(OperatorHarness.Namespace, cancellationToken: TestContext.Current.CancellationToken)).Items);
    }

    [Fact]
    public async Task Suspend_ReleasesTheGpuAndWaits_ResumeRentsAgain()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(1501, machine: 8));
        await _h.ApplyRunAsync("pause");
        await _h.WaitForPhaseAsync("pause", TrainingPhase.PendingGpu);

        await _h.PatchSpecAsync("pause", """{"spec":{"runPolicy":{"suspend":true}}}""");
        var suspended = await _h.WaitForAsync("pause", r => r.Status?.Suspended == true && r.Status.Gpu?.ReleasedAt is not null);
        Assert.Equal(TrainingPhase.Pending, suspended.Status!.Phase);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);

        await _h.PatchSpecAsync("pause", """{"spec":{"runPolicy":{"suspend":false}}}""");
        var resumed = await _h.WaitForAsync("pause", r => r.Status is { Phase: TrainingPhase.PendingGpu, Suspended: false } && r.Status.Gpu?.ReleasedAt is null);
        Assert.Equal(2, resumed.Status!.Attempt);
        Assert.Equal(1, _h.Vast.Cost().AliveInstances);

        _h.Kube.Delete(TrainingRun.ApiVersionString, TrainingRun.KindName, OperatorHarness.Namespace, "pause");
        await _h.Kube.WaitForDeletionAsync(TrainingRun.ApiVersionString, TrainingRun.KindName, OperatorHarness.Namespace, "pause", TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
    }

    [Fact]
    public async Task FinishNow_WhileWaitingForTheGpu_FailsFinishedEarlyAndReleasesTheGpu()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(1511, machine: 18));
        await _h.ApplyRunAsync("early");
        await _h.WaitForPhaseAsync("early", TrainingPhase.PendingGpu);

        await _h.PatchSpecAsync("early", """{"spec":{"finish":"now"}}""");
        var failed = await _h.WaitForAsync("early", r => r.Status?.Phase == TrainingPhase.Failed && r.Status.Gpu?.ReleasedAt is not null);

        Assert.Equal(PhaseMachine.FinishedEarlyReason, failed.Status!.Reason);
        Assert.Equal("finished early (spec.finish: now) while pendingGpu, before any epoch was saved: there is nothing to keep", failed.Status.Message);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
        Assert.Single(_h.Vast.Instances(includeDestroyed: true));
        await Testing.Eventually.UntilAsync(_ => _h.EventsAsync("early"), events => events.Any(e => e is { Type: "Warning", Reason: PhaseMachine.FinishedEarlyReason }),
            TimeSpan.FromSeconds(5), "a Warning Event with reason FinishedEarly", cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task FinishNow_OnARunNotRentedYet_EndsWithoutRenting()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(1521, machine: 19));

        await _h.ApplyRunAsync("never", s => s with { Finish = FinishRequest.Now });
        var failed = await _h.WaitForPhaseAsync("never", TrainingPhase.Failed);

        Assert.Equal(PhaseMachine.FinishedEarlyReason, failed.Status!.Reason);
        Assert.Contains("while pending", failed.Status.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task ReachingMaxCost_FailsTheRunWithTheReason_AndReleasesTheGpu()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(1601, machine: 9, price: 36));
        await _h.ApplyRunAsync("spendy", s => s with { Gpu = new GpuSpec { MaxPricePerHour = 50 }, RunPolicy = new RunPolicySpec { MaxCostUsd = 0.01 } });

        var failed = await _h.WaitForAsync("spendy", r => r.Status?.Phase == TrainingPhase.Failed && r.Status.Gpu?.ReleasedAt is not null, seconds: 20);

        Assert.Contains("reaching maxCostUsd ($0.01)", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
        Assert.True(_h.Vast.Cost().Dollars < 0.05, $"spent ${_h.Vast.Cost().Dollars}");
    }

    [Fact]
    public async Task ARunThatWaitsForAGpuPastItsActiveDeadline_FailsWithoutEverRenting()
    {
        await _h.StopOperatorAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await OperatorHarness.StartAsync(s3.Server, s => s["Operator:Workers"] = "1", time: clock);
        h.Vast.AddOffers(OperatorHarness.Offer(1651, machine: 16, price: 2.0));
        await h.ApplyRunAsync("patient", s => s with { Gpu = new GpuSpec { MaxPricePerHour = 0.5 }, RunPolicy = new RunPolicySpec { ActiveDeadlineSeconds = 60 } });
        await h.WaitForAsync("patient", r => r.Status?.Message?.StartsWith("no GPU yet", StringComparison.Ordinal) == true);

        // A minute passes without an offer (caught up first, so the operator's next look is due within it), then an
        // affordable offer appears: renting it now would only pay for a GPU that has to go at once.
        await h.CaughtUpAsync();
        clock.Advance(TimeSpan.FromSeconds(61));
        var failed = await h.WaitForPhaseAsync("patient", TrainingPhase.Failed, seconds: 10);
        h.Vast.AddOffers(OperatorHarness.Offer(1652, machine: 17, price: 0.3));

        Assert.Equal("the run exceeded activeDeadlineSeconds (60s)", failed.Status!.Message);
        Assert.Null(failed.Status.Gpu);
        clock.Advance(TimeSpan.FromHours(1));
        await h.CaughtUpAsync();
        Assert.Empty(h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task AVastOutage_IsRetried_AndTheRunIsRentedOnceVastAnswers()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(1701, machine: 10));
        _h.Vast.Faults.ServerError(VastRoute.Search, times: 12, status: 503);

        await _h.ApplyRunAsync("outage");

        var rented = await _h.WaitForPhaseAsync("outage", TrainingPhase.PendingGpu, seconds: 30);
        Assert.Equal("10", rented.Status!.Gpu!.MachineId);
        Assert.Equal(1, _h.Vast.Cost().AliveInstances);
    }

    [Fact]
    public async Task AFinishedRunWithATtl_IsDeletedAfterIt()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(1801, machine: 13));
        await _h.ApplyRunAsync("brief", s => s with { RunPolicy = new RunPolicySpec { TtlSecondsAfterFinished = 1 } });
        await _h.WaitForPhaseAsync("brief", TrainingPhase.PendingGpu);

        await _h.AgentSendsAsync("brief", a => new AgentFailedInput(1, a, "model", "sha256 mismatch"));

        await _h.Kube.WaitForDeletionAsync(TrainingRun.ApiVersionString, TrainingRun.KindName, OperatorHarness.Namespace, "brief", TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
    }

    [Fact]
    public async Task PresignedUrls_AreReissuedWhileTheRunHoldsItsGpu()
    {
        await _h.StopOperatorAsync();
        await using var fast = await OperatorHarness.StartAsync(s3.Server, s => s["Operator:PresignRefreshInterval"] = "00:00:01");
        fast.Vast.AddOffers(OperatorHarness.Offer(1901, machine: 14));
        await fast.ApplyRunAsync("fresh");
        await fast.WaitForPhaseAsync("fresh", TrainingPhase.PendingGpu);
        var first = await fast.ConfigIssuedAtAsync("fresh");

        await fast.WaitForConfigIssuedAfterAsync("fresh", first, seconds: 10);

        Assert.Equal(1, fast.Vast.Cost().AliveInstances);
    }
}
