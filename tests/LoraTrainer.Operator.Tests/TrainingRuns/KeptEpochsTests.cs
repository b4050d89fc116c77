using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.Testing;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>
/// The epoch files and training state a run that saves state keeps in its bucket: finishing the run from them between
/// attempts, and deleting what <c>output.keep</c> does not keep once it completes.
/// </summary>
public sealed class KeptEpochsTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private const string Output = $"s3://{OperatorHarness.OutputBucket}/loras/";
    private OperatorHarness _h = null!;
    private long _seq;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await OperatorHarness.StartAsync(s3.Server, s3Proxy: true);

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task FinishNow_BetweenAttempts_CompletesWithTheBestKeptEpochCopiedToTheOutput_ReportingACopyThatFailedCheck_AndRentsNothingMore()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(2101, machine: 41));
        await _h.ApplyRunAsync("between", s => s with { RunPolicy = new RunPolicySpec { BackoffLimit = 1, Deadlines = new DeadlinesSpec { Heartbeat = "2s" } } });
        var files = await TrainAsync("between", 0.20, 0.10, 0.15);
        // The agent falls silent: the attempt stalls, and the only offer is on the machine that failed.
        await _h.WaitForAsync("between", r => r.Status is { Phase: TrainingPhase.Stalled, Gpu.ReleasedAt: not null });
        await _h.S3.PutObjectAsync(OperatorHarness.OutputBucket, EpochKey("between", 2), [1, 2, 3], Ct);

        await _h.PatchSpecAsync("between", """{"spec":{"finish":"now"}}""");

        var refused = await _h.WaitForAsync("between", r => r.Status?.Message?.StartsWith("spec.finish: the copy of epoch 2", StringComparison.Ordinal) == true);
        Assert.Equal(TrainingPhase.Stalled, refused.Status!.Phase);
        Assert.EndsWith($"not {Sha256(files[2])} ({files[2].Length} bytes); trying again", refused.Status.Message, StringComparison.Ordinal);
        TroubleshootingDoc.AssertExplains(refused.Status.Message);
        await Eventually.UntilAsync(_ => _h.EventsAsync("between"), events => events.Any(e => e is { Type: "Warning", Reason: "FinishNotCopied" }),
            TimeSpan.FromSeconds(5), "a Warning Event FinishNotCopied", cancellationToken: Ct);

        await _h.S3.PutObjectAsync(OperatorHarness.OutputBucket, EpochKey("between", 2), files[2], Ct);
        var done = await _h.WaitForPhaseAsync("between", TrainingPhase.Completed);

        var status = done.Status!;
        Assert.Equal(PhaseMachine.FinishedEarlyReason, status.Reason);
        Assert.Equal(PhaseMachine.FinishedEarlyReason, status.Conditions.Find(ConditionTypes.Succeeded)!.Reason);
        Assert.Equal($"finished early (spec.finish: now): epoch 2 (loss 0.1), the best saved, at {Output}between.safetensors", status.Message);
        TroubleshootingDoc.AssertExplains(status.Message);
        Assert.Equal((2, 0.10, "trainingLoss", Sha256(files[2]), (long?)files[2].Length, (bool?)true),
            (status.Output!.Epoch, status.Output.Loss, status.Output.Metric, status.Output.Sha256, status.Output.Bytes, status.Output.FinishedEarly));
        Assert.NotNull(status.Output.VerifiedAt);
        Assert.Equal(files[2], await _h.S3.GetObjectAsync(OperatorHarness.OutputBucket, "loras/between.safetensors", Ct));
        Assert.Single(_h.Vast.Instances(includeDestroyed: true));
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
    }

    [Fact]
    public async Task ACompletedRunKeepingTheBestEpoch_DeletesTheEpochFilesAndTheSavedState_RetryingADeleteTheStoreRefused()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(2201, machine: 42));
        await _h.ApplyRunAsync("tidy");
        var files = await TrainAsync("tidy", 0.20, 0.10, 0.15);
        await SaveStateAsync("tidy", epoch: 3);
        _h.S3Proxy.RefuseDeletes(OperatorHarness.OutputBucket, times: 1);

        await _h.S3.PutObjectAsync(OperatorHarness.OutputBucket, "loras/tidy.safetensors", files[2], Ct);
        await _h.AgentSendsAsync("tidy", a => new UploadedInput(++_seq, a, 2, 0.10, $"{Output}tidy.safetensors", files[2].Length, Sha256(files[2])));

        var warning = await Eventually.UntilAsync(_ => _h.EventsAsync("tidy"), events => events.Any(e => e.Reason == "LeftoversNotDeleted"),
            TimeSpan.FromSeconds(10), "a Warning Event LeftoversNotDeleted", cancellationToken: Ct);
        var notDeleted = warning.Single(e => e.Reason == "LeftoversNotDeleted");
        Assert.Equal("Warning", notDeleted.Type);
        TroubleshootingDoc.AssertExplains(notDeleted.Message);
        var tidy = await _h.WaitForAsync("tidy", r => r.Status is { Resume: null } && r.Status.Epochs.All(e => e.Sha256 is null));
        Assert.Equal(TrainingPhase.Completed, tidy.Status!.Phase);
        Assert.Equal(Sha256(files[2]), tidy.Status.Output!.Sha256);
        var left = (await _h.S3.ListKeysAsync(OperatorHarness.OutputBucket, cancellationToken: Ct)).Where(k => k.Contains("tidy", StringComparison.Ordinal));
        Assert.Equal(["loras/tidy.safetensors"], left);
        await Eventually.UntilAsync(_ => _h.EventsAsync("tidy"), events => events.Any(e => e is { Type: "Normal", Reason: "LeftoversDeleted" }),
            TimeSpan.FromSeconds(5), "a Normal Event LeftoversDeleted", cancellationToken: Ct);
    }

    private static string EpochKey(string run, int epoch) => $"loras/{run}-{epoch:D6}.safetensors";

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// Trains one epoch per loss through the simulated agent, each epoch's own file uploaded and reported as a run that
    /// saves state does; returns the files by epoch.
    /// </summary>
    private async Task<Dictionary<int, byte[]>> TrainAsync(string name, params double[] losses)
    {
        await _h.WaitForPhaseAsync(name, TrainingPhase.PendingGpu);
        await _h.AgentSendsAsync(name, a => new GpuReadyInput(++_seq, a, null, null));
        await _h.AgentSendsAsync(name, a => new ImagesDownloadedInput(++_seq, a, 2, 1, 1));
        await _h.AgentSendsAsync(name, a => new ReadyInput(++_seq, a));
        var files = new Dictionary<int, byte[]>();
        for (var epoch = 1; epoch <= losses.Length; epoch++)
        {
            var (e, file) = (epoch, Enumerable.Repeat((byte)epoch, 1000 + epoch).ToArray());
            files[e] = file;
            await _h.S3.PutObjectAsync(OperatorHarness.OutputBucket, EpochKey(name, e), file, Ct);
            await _h.AgentSendsAsync(name, a => new EpochCompletedInput(++_seq, a, e, losses[e - 1]));
            await _h.AgentSendsAsync(name, a => new EpochUploadedInput(++_seq, a, e, file.Length, Sha256(file)));
        }

        return files;
    }

    /// <summary>Sends a state through the upload the operator holds open, as the agent does, and waits until the operator completes it.</summary>
    private async Task SaveStateAsync(string name, int epoch)
    {
        var upload = (await Eventually.UntilAsync(_ => _h.AgentConfigAsync(name), c => c.State?.Upload is not null, TimeSpan.FromSeconds(10),
            "the config to name the open state upload", cancellationToken: Ct)).State!.Upload!;
        var state = new byte[2048];
        using var http = new HttpClient();
        using var response = await http.PutAsync(new Uri(upload.Parts[0].Url), new ByteArrayContent(state), Ct);
        response.EnsureSuccessStatusCode();
        var saved = new SavedStateStatus
        {
            Epoch = epoch, Key = upload.Key, UploadId = upload.UploadId, Bytes = state.Length, Sha256 = Sha256(state),
            Parts = [new StatePartStatus { PartNumber = 1, ETag = response.Headers.ETag!.Tag }],
        };
        await _h.AgentSendsAsync(name, a => new StateSavedInput(++_seq, a, saved));
        await _h.WaitForAsync(name, r => r.Status?.Resume?.Epoch == epoch);
    }
}
