using System.Net;
using k8s;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Webhook.Tests;

public sealed class EventTests : IAsyncLifetime
{
    private ReceiverFixture _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await ReceiverFixture.StartAsync();

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    private static AgentEvent Event(long seq, string kind, int attempt = 1) => new() { Seq = seq, Kind = kind, Attempt = attempt, At = DateTimeOffset.UtcNow };

    [Fact]
    public async Task Events_WalkTheRunFromPendingGpuToAnUploadedOutput()
    {
        var token = _receiver.SeedRun("walk");

        Assert.Equal("pendingImages", (await _receiver.PostOkAsync("walk", token, Event(1, EventKinds.GpuReady) with { Gpu = new GpuInfo { Name = "RTX 4090", MemoryMb = 24564 } })).Phase);
        Assert.Equal("pendingModel", (await _receiver.PostOkAsync("walk", token, Event(2, EventKinds.ImagesDownloaded) with { Images = 38, Captions = 30, Bytes = 91233422 })).Phase);
        Assert.Equal("pendingModel", (await _receiver.PostOkAsync("walk", token, Event(3, EventKinds.ModelDownloaded) with { Bytes = 6938078334, Sha256 = new string('a', 64) })).Phase);
        Assert.Equal("training", (await _receiver.PostOkAsync("walk", token, Event(4, EventKinds.Ready))).Phase);
        await _receiver.PostOkAsync("walk", token, Event(5, EventKinds.Progress) with { Percent = 10, Epoch = 1, TotalEpochs = 3, Step = 10, TotalSteps = 100, Loss = 0.12 });
        await _receiver.PostOkAsync("walk", token, Event(6, EventKinds.EpochCompleted) with { Epoch = 1, Loss = 0.1123 });
        await _receiver.PostOkAsync("walk", token, Event(7, EventKinds.EpochCompleted) with { Epoch = 2, Loss = 0.0987 });
        await _receiver.PostOkAsync("walk", token, Event(8, EventKinds.TrainingCompleted) with
        {
            Epochs = [new EpochResult { Epoch = 1, Loss = 0.1123 }, new EpochResult { Epoch = 2, Loss = 0.0987 }, new EpochResult { Epoch = 3, Loss = 0.0991 }],
            BestEpoch = 2,
        });
        var ack = await _receiver.PostOkAsync("walk", token, Event(9, EventKinds.Uploaded) with { Epoch = 2, Loss = 0.0987, Key = ReceiverFixture.BestKey("walk"), Bytes = 228654120, Sha256 = new string('b', 64) });

        var status = _receiver.Run("walk").Status!;
        Assert.True(ack.Accepted);
        Assert.Equal(TrainingPhase.Training, status.Phase);
        Assert.Equal("s3://trained-loras/loras/anna/walk.safetensors", status.Output!.Uri);
        Assert.Equal(2, status.Output.Epoch);
        Assert.Equal([0.1123, 0.0987, 0.0991], status.Epochs.Select(e => e.Loss));
        Assert.Equal("RTX 4090", status.Gpu!.GpuName);
        Assert.Equal(9, status.LastEventSeq);
        Assert.NotNull(status.LastHeartbeatTime);
    }

    [Fact]
    public async Task Ready_AfterASavedStateCouldNotBeUsed_SaysInStatusThatTrainingStartedAgainFromEpoch1()
    {
        var token = _receiver.SeedRun("clean-start", TrainingPhase.PendingModel, attempt: 2);
        const string problem = "the saved state of epoch 6 could not be used (its SHA-256 did not match); training starts again from epoch 1";

        await _receiver.PostOkAsync("clean-start", token, Event(1, EventKinds.Ready, attempt: 2) with { Reason = problem });
        await _receiver.PostOkAsync("clean-start", token, Event(2, EventKinds.Progress, attempt: 2) with { Percent = 1, Epoch = 1, TotalEpochs = 10, Step = 1, TotalSteps = 200, Loss = 0.3 });

        var status = _receiver.Run("clean-start").Status!;
        Assert.Equal(TrainingPhase.Training, status.Phase);
        Assert.Equal(problem, status.Resume!.Problem);
        Assert.Contains(status.Conditions, c => c.Message?.Contains(problem, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Events_OfARunThatValidates_RecordTheValidationLossesAndTheMetricThatChoseTheEpoch()
    {
        var token = _receiver.SeedRun("validated", TrainingPhase.Training);

        await _receiver.PostOkAsync("validated", token, Event(1, EventKinds.EpochCompleted) with { Epoch = 1, Loss = 0.30, ValidationLoss = 0.28 });
        await _receiver.PostOkAsync("validated", token, Event(2, EventKinds.EpochCompleted) with { Epoch = 2, Loss = 0.20, ValidationLoss = 0.24 });
        await _receiver.PostOkAsync("validated", token, Event(3, EventKinds.TrainingCompleted) with
        {
            Epochs = [new EpochResult { Epoch = 1, Loss = 0.30, ValidationLoss = 0.28 }, new EpochResult { Epoch = 2, Loss = 0.20, ValidationLoss = 0.24 }, new EpochResult { Epoch = 3, Loss = 0.25, ValidationLoss = 0.21 }],
            BestEpoch = 3,
            Loss = 0.21,
            Metric = SelectionMetrics.ValidationLoss,
        });
        var afterTraining = _receiver.Run("validated").Status!;
        await _receiver.PostOkAsync("validated", token, Event(4, EventKinds.Uploaded) with
        {
            Epoch = 3, Loss = 0.21, Metric = SelectionMetrics.ValidationLoss, Key = "loras/anna/validated.safetensors", Bytes = 1000,
        });

        var status = _receiver.Run("validated").Status!;
        Assert.Contains("lowest validation loss", afterTraining.Message, StringComparison.Ordinal);
        Assert.Equal([0.28, 0.24, 0.21], status.Epochs.Select(e => e.ValidationLoss));
        Assert.Equal([0.30, 0.20, 0.25], status.Epochs.Select(e => e.Loss));
        Assert.Equal((3, 0.21, "validationLoss"), (status.Output!.Epoch, status.Output.Loss, status.Output.Metric));
    }

    [Fact]
    public async Task RepeatedSeq_IsAnsweredOkAndChangesNothing()
    {
        var token = _receiver.SeedRun("repeat");
        await _receiver.PostOkAsync("repeat", token, Event(1, EventKinds.GpuReady));
        var before = _receiver.Run("repeat").Metadata.ResourceVersion;

        var again = await _receiver.PostOkAsync("repeat", token, Event(1, EventKinds.GpuReady));

        Assert.False(again.Accepted);
        Assert.Equal("pendingImages", again.Phase);
        Assert.Equal(before, _receiver.Run("repeat").Metadata.ResourceVersion);
    }

    [Fact]
    public async Task RepeatedSeq_IsLoggedAsIgnored_NamingTheRunTheKindAndTheSeq()
    {
        var token = _receiver.SeedRun("logged");
        await _receiver.PostOkAsync("logged", token, Event(1, EventKinds.GpuReady));

        await _receiver.PostOkAsync("logged", token, Event(1, EventKinds.GpuReady));

        Assert.Contains(_receiver.Logs.GetSnapshot(), r => r.Level == LogLevel.Debug && r.Message == "TrainingRun ml-team/logged: gpuReady seq 1 ignored");
    }

    [Fact]
    public async Task AStrictlyOlderSeq_IsAnsweredOkAndChangesNothing()
    {
        var token = _receiver.SeedRun("older");
        await _receiver.PostOkAsync("older", token, Event(3, EventKinds.GpuReady));
        var before = _receiver.Run("older");

        var older = await _receiver.PostOkAsync("older", token, Event(2, EventKinds.ImagesDownloaded) with { Images = 3 });

        var after = _receiver.Run("older");
        Assert.False(older.Accepted);
        Assert.Equal("pendingImages", older.Phase);
        Assert.Equal(TrainingPhase.PendingImages, after.Status!.Phase);
        Assert.Equal(3, after.Status.LastEventSeq);
        Assert.Equal(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Answers_OnceTheUserSetsFinish_AskTheAgentToFinishNow_AndAnEarlyUploadIsRecordedAsSuch()
    {
        var token = _receiver.SeedRun("finishing", TrainingPhase.Training);
        var before = await _receiver.PostOkAsync("finishing", token, Event(1, EventKinds.Heartbeat));
        var run = _receiver.Run("finishing");
        run.Spec = run.Spec with { Finish = FinishRequest.Now };
        _receiver.Kube.Seed(run);

        // The receiver reads the run afresh once its cached copy is older than Receiver:TokenCacheDuration (30 s).
        _receiver.Time.Advance(TimeSpan.FromSeconds(31));
        var after = await _receiver.PostOkAsync("finishing", token, Event(2, EventKinds.Heartbeat));
        var uploaded = await _receiver.PostOkAsync("finishing", token, Event(3, EventKinds.Uploaded) with
        {
            Epoch = 2, Loss = 0.0987, Key = ReceiverFixture.BestKey("finishing"), Bytes = 1000, Sha256 = new string('b', 64), FinishedEarly = true,
        });

        Assert.Null(before.Finish);
        Assert.Equal(FinishRequests.Now, after.Finish);
        Assert.Equal(FinishRequests.Now, uploaded.Finish);
        Assert.True(_receiver.Run("finishing").Status!.Output!.FinishedEarly);
    }

    [Fact]
    public async Task Heartbeat_IsAccepted_AndMovesLastHeartbeatTimeForward()
    {
        var token = _receiver.SeedRun("pulse", TrainingPhase.Training);
        var first = await _receiver.PostOkAsync("pulse", token, Event(1, EventKinds.Heartbeat));
        var firstBeat = _receiver.Run("pulse").Status!.LastHeartbeatTime;

        _receiver.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await _receiver.PostOkAsync("pulse", token, Event(2, EventKinds.Heartbeat));

        var status = _receiver.Run("pulse").Status!;
        Assert.True(first.Accepted);
        Assert.True(second.Accepted);
        Assert.Equal("training", second.Phase);
        Assert.Equal(TimeSpan.FromMinutes(1), status.LastHeartbeatTime - firstBeat);
        Assert.Equal(Api.Time.Truncate(_receiver.Time.GetUtcNow()), status.LastHeartbeatTime);
        Assert.Equal(2, status.LastEventSeq);
    }

    public static TheoryData<TrainingPhase, string> EventsOutOfPhase => new()
    {
        { TrainingPhase.PendingGpu, EventKinds.Ready },
        { TrainingPhase.PendingGpu, EventKinds.Progress },
        { TrainingPhase.PendingImages, EventKinds.TrainingCompleted },
        { TrainingPhase.PendingModel, EventKinds.GpuReady },
        { TrainingPhase.Training, EventKinds.ImagesDownloaded },
        { TrainingPhase.PendingModel, EventKinds.Uploaded },
    };

    [Theory]
    [MemberData(nameof(EventsOutOfPhase))]
    public async Task AnEventOutOfPhase_IsAnsweredOkAndIgnored_AndTheRunStaysWhereItIs(TrainingPhase phase, string kind)
    {
        var token = _receiver.SeedRun("astray", phase);
        var before = _receiver.Run("astray");

        var ack = await _receiver.PostOkAsync("astray", token, Event(1, kind) with
        {
            Percent = 10, BestEpoch = 1, Epochs = [new EpochResult { Epoch = 1, Loss = 0.1 }], Epoch = 1, Key = ReceiverFixture.BestKey("astray"), Bytes = 10,
        });

        var after = _receiver.Run("astray");
        Assert.False(ack.Accepted);
        Assert.Equal(phase.ToWireName(), ack.Phase);
        Assert.Equal(phase, after.Status!.Phase);
        Assert.Equal(0, after.Status.LastEventSeq);
        Assert.Equal(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
    }

    [Theory]
    [InlineData(TrainingPhase.PendingGpu)]
    [InlineData(TrainingPhase.PendingImages)]
    [InlineData(TrainingPhase.PendingModel)]
    [InlineData(TrainingPhase.Training)]
    public async Task Failed_FromEveryPhaseThatHoldsAGpu_MovesTheRunToFailed(TrainingPhase phase)
    {
        var token = _receiver.SeedRun("broke", phase);

        var ack = await _receiver.PostOkAsync("broke", token, Event(1, EventKinds.Failed) with { Stage = "images", Reason = "disk full" });

        var status = _receiver.Run("broke").Status!;
        Assert.True(ack.Accepted);
        Assert.Equal("failed", ack.Phase);
        Assert.Equal(TrainingPhase.Failed, status.Phase);
        Assert.Equal("AgentFailed", status.Reason);
        Assert.Equal("images: disk full", status.Message);
    }

    public static TheoryData<string, string> TerminalRunsAndLateEvents => new()
    {
        { "completed", EventKinds.Failed },
        { "failed", EventKinds.Progress },
        { "failed", EventKinds.Heartbeat },
        { "stalledForGood", EventKinds.GpuReady },
        { "stalledForGood", EventKinds.Failed },
    };

    [Theory]
    [MemberData(nameof(TerminalRunsAndLateEvents))]
    public async Task EventsAfterATerminalPhase_AreAnsweredOkAndIgnored(string terminal, string kind)
    {
        var token = SeedTerminal("done", terminal);
        var before = _receiver.Run("done");

        var ack = await _receiver.PostOkAsync("done", token, Event(1, kind) with { Stage = "training", Reason = "late", Percent = 50 });

        var after = _receiver.Run("done");
        Assert.False(ack.Accepted);
        Assert.Equal(before.Status!.Phase.ToWireName(), ack.Phase);
        Assert.Equal(before.Status.Phase, after.Status!.Phase);
        Assert.Equal(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("failed")]
    [InlineData("stalledForGood")]
    public async Task AnEventForALaterAttemptOfATerminalRun_IsIgnored_NotAskedForAgain(string terminal)
    {
        var token = SeedTerminal("over", terminal);
        var before = _receiver.Run("over").Metadata.ResourceVersion;

        var first = await _receiver.PostOkAsync("over", token, Event(1, EventKinds.GpuReady, attempt: 2));
        var again = await _receiver.PostOkAsync("over", token, Event(1, EventKinds.GpuReady, attempt: 2));

        Assert.False(first.Accepted);
        Assert.False(again.Accepted);
        Assert.Equal(before, _receiver.Run("over").Metadata.ResourceVersion);
    }

    /// <summary>A run that is over: completed, failed by its agent, or stalled with no retries left (backoffLimit 0).</summary>
    private string SeedTerminal(string name, string terminal) => terminal switch
    {
        "completed" => _receiver.SeedRun(name, TrainingPhase.Completed),
        "failed" => _receiver.SeedRun(name, TrainingPhase.Failed),
        _ => _receiver.SeedRun(name, TrainingPhase.Stalled, customize: b => b.WithBackoffLimit(0)),
    };

    [Fact]
    public async Task Failed_MovesTheRunToFailedWithTheReason()
    {
        var token = _receiver.SeedRun("oom", TrainingPhase.Training);

        var ack = await _receiver.PostOkAsync("oom", token, Event(1, EventKinds.Failed) with { Stage = "training", Reason = "CUDA out of memory" });

        Assert.Equal("failed", ack.Phase);
        Assert.Equal("training: CUDA out of memory", _receiver.Run("oom").Status!.Message);
        Assert.True(_receiver.Run("oom").Status!.Conditions.IsTrue(ConditionTypes.Failed));
    }

    [Fact]
    public async Task AnEventForAnOlderAttempt_IsIgnored()
    {
        var token = _receiver.SeedRun("retry", TrainingPhase.PendingGpu, attempt: 2);

        var ack = await _receiver.PostOkAsync("retry", token, Event(5, EventKinds.GpuReady, attempt: 1));

        Assert.False(ack.Accepted);
        Assert.Equal(TrainingPhase.PendingGpu, _receiver.Run("retry").Status!.Phase);
    }

    [Fact]
    public async Task ProgressEvents_AreCoalescedToOneWritePerInterval_AndTheLatestValuesAreWritten()
    {
        var token = _receiver.SeedRun("flood", TrainingPhase.Training);
        await _receiver.PostOkAsync("flood", token, Event(1, EventKinds.Progress) with { Percent = 1, Loss = 0.2 });
        var writesAfterFirst = _receiver.StatusWrites("flood");

        for (var seq = 2; seq <= 30; seq++)
        {
            Assert.True((await _receiver.PostOkAsync("flood", token, Event(seq, EventKinds.Progress) with { Percent = seq, Loss = 0.2 - (seq * 0.001) })).Accepted);
        }

        Assert.Equal(writesAfterFirst, _receiver.StatusWrites("flood"));
        Assert.Equal(1, _receiver.Run("flood").Status!.Progress!.Percent);

        _receiver.Time.Advance(TimeSpan.FromSeconds(5));
        var status = await _receiver.Kube.WaitForAsync<Api.TrainingRun>(ReceiverFixture.Namespace, "flood", r => r.Status!.Progress!.Percent == 30, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(writesAfterFirst + 1, await _receiver.StatusWritesAsync("flood", writesAfterFirst + 1));
        Assert.Equal(30, status.Status!.LastEventSeq);
        Assert.Equal(0.17, status.Status.Progress!.Loss!.Value, 6);
    }

    [Fact]
    public async Task APhaseChangeAfterCoalescedProgress_IsWrittenAtOnceTogetherWithTheProgress()
    {
        var token = _receiver.SeedRun("mixed", TrainingPhase.Training);
        await _receiver.PostOkAsync("mixed", token, Event(1, EventKinds.Progress) with { Percent = 10 });
        await _receiver.PostOkAsync("mixed", token, Event(2, EventKinds.Progress) with { Percent = 90 });

        var ack = await _receiver.PostOkAsync("mixed", token, Event(3, EventKinds.Failed) with { Stage = "training", Reason = "NaN loss" });

        var status = _receiver.Run("mixed").Status!;
        Assert.Equal("failed", ack.Phase);
        Assert.Equal(TrainingPhase.Failed, status.Phase);
        Assert.Equal(90, status.Progress!.Percent);
        Assert.Equal(3, status.LastEventSeq);
    }

    [Fact]
    public async Task AConcurrentReconcilerWrite_CausesAConflictTheReceiverSurvives_KeepingBothChanges()
    {
        var token = _receiver.SeedRun("race");
        await _receiver.PostOkAsync("race", token, Event(1, EventKinds.GpuReady));
        var run = _receiver.Run("race");
        run.Status = run.Status! with { Cost = new CostStatus { EstimatedUsd = 0.42 } };
        using (var client = _receiver.Kube.CreateClient())
        {
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                new k8s.Models.V1Patch("""{"status":{"cost":{"estimatedUsd":0.42}}}""", k8s.Models.V1Patch.PatchType.MergePatch),
                TrainingRun.Group, TrainingRun.Version, ReceiverFixture.Namespace, TrainingRun.Plural, "race", cancellationToken: TestContext.Current.CancellationToken);
        }

        var ack = await _receiver.PostOkAsync("race", token, Event(2, EventKinds.ImagesDownloaded) with { Images = 3 });

        var status = _receiver.Run("race").Status!;
        Assert.True(ack.Accepted);
        Assert.Equal(TrainingPhase.PendingModel, status.Phase);
        Assert.Equal(0.42, status.Cost!.EstimatedUsd);
        Assert.Contains(_receiver.Kube.RequestLog, e => e.Method == "PATCH" && e.StatusCode == 409);
    }

    [Fact]
    public async Task AnEventForAnAttemptNotYetRecorded_IsAnsweredRetry_AndLandsOnceTheRentIsRecorded()
    {
        var token = _receiver.SeedRun("early", TrainingPhase.Pending);

        using var early = await _receiver.PostAsync("early", token, Event(1, EventKinds.GpuReady, attempt: 1));
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("attempt 1 is not recorded on the run yet", await early.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(TrainingPhase.Pending, _receiver.Run("early").Status!.Phase);

        // The operator records the rent; the agent's retry of the same event now moves the run on.
        var run = _receiver.Run("early");
        run.Status = PhaseMachine.Apply(run, new GpuAllocatedInput(new GpuStatus { InstanceId = "7835611", MachineId = "11033" }), DateTimeOffset.UtcNow).Status;
        _receiver.Kube.Seed(run);
        var retried = await _receiver.PostOkAsync("early", token, Event(1, EventKinds.GpuReady, attempt: 1));

        Assert.True(retried.Accepted);
        Assert.Equal(TrainingPhase.PendingImages, _receiver.Run("early").Status!.Phase);
    }

    [Fact]
    public async Task AWriteThatFails_IsAnswered503_AndTheSameSeqSucceedsOnRetry()
    {
        var token = _receiver.SeedRun("flaky");
        _receiver.Kube.FailNextRequests("PATCH", "/apis/loratrainer.io/v1alpha1/namespaces/ml-team/trainingruns/flaky/status", 1, 500);

        using var failed = await _receiver.PostAsync("flaky", token, Event(1, EventKinds.GpuReady));
        var retried = await _receiver.PostOkAsync("flaky", token, Event(1, EventKinds.GpuReady));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.True(retried.Accepted);
        Assert.Equal(TrainingPhase.PendingImages, _receiver.Run("flaky").Status!.Phase);
    }
}
