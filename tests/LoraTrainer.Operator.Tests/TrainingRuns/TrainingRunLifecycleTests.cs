using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Testing;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

public sealed class TrainingRunLifecycleTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private OperatorHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await OperatorHarness.StartAsync(s3.Server);

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task HappyPath_FromApplyToCompleted_ReleasesTheGpuAndRecordsTheCost()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(101, machine: 11), OperatorHarness.Offer(102, machine: 12, price: 0.9));
        await _h.ApplyRunAsync("happy");

        var allocated = await _h.WaitForPhaseAsync("happy", TrainingPhase.PendingGpu);
        Assert.Equal(1, allocated.Status!.Attempt);
        Assert.Equal("11", allocated.Status.Gpu!.MachineId);
        Assert.Equal(2, allocated.Status.Dataset!.Images);
        Assert.Contains(TrainingRun.ReleaseFinalizer, allocated.Metadata.Finalizers);
        var config = await _h.AgentConfigAsync("happy");
        Assert.Equal(1, config.Run.Attempt);
        Assert.StartsWith("http", config.Dataset.Url, StringComparison.Ordinal);
        Assert.Equal("train_network.py", config.Training.Script);
        Assert.Equal(1, _h.Vast.Cost().AliveInstances);

        await _h.AgentSendsAsync("happy", a => new GpuReadyInput(1, a, "RTX 4090", 24564));
        // The receiver wrote that phase change; the operator records the Event the receiver may not.
        Assert.Contains("PendingImages", await EventReasonsAsync("happy", until: reasons => reasons.Contains("PendingImages")));
        await _h.AgentSendsAsync("happy", a => new ImagesDownloadedInput(2, a, 2, 1, 4000));
        await _h.AgentSendsAsync("happy", a => new ModelDownloadedInput(3, a, 100, null));
        await _h.AgentSendsAsync("happy", a => new ReadyInput(4, a));
        await _h.AgentSendsAsync("happy", a => new EpochCompletedInput(5, a, 1, 0.12));
        await _h.AgentSendsAsync("happy", a => new EpochCompletedInput(6, a, 2, 0.09));
        var lora = Encoding.UTF8.GetBytes(new string('L', 4096));
        await _h.S3.PutObjectAsync(OperatorHarness.OutputBucket, "loras/happy.safetensors", lora, TestContext.Current.CancellationToken);
        await _h.AgentSendsAsync("happy", a => new UploadedInput(7, a, 2, 0.09, $"s3://{OperatorHarness.OutputBucket}/loras/happy.safetensors", lora.Length, null));

        var done = await _h.WaitForAsync("happy", r => r.Status?.Phase == TrainingPhase.Completed && r.Status.Gpu?.ReleasedAt is not null);
        Assert.NotNull(done.Status!.Output!.VerifiedAt);
        Assert.True(done.Status.Cost!.EstimatedUsd >= 0);
        Assert.True(done.Status.Conditions.IsTrue(ConditionTypes.Ready));
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
        Assert.Single(_h.Vast.Instances(includeDestroyed: true));
        // The release event is recorded just after the status write that the wait above observed.
        var events = await EventReasonsAsync("happy", until: reasons => reasons.Contains("GpuReleased"));
        Assert.Contains("GpuAllocated", events);
        Assert.Contains("GpuReleased", events);
        Assert.Contains("Completed", events);
    }

    [Fact]
    public async Task AnUploadThatIsNotInS3_FailsVerification_AndReleasesTheGpu()
    {
        await StartTrainingAsync("liar", 201, 21);

        await _h.AgentSendsAsync("liar", a => new UploadedInput(4, a, 1, 0.1, $"s3://{OperatorHarness.OutputBucket}/loras/liar.safetensors", 10, null));

        var failed = await _h.WaitForAsync("liar", r => r.Status?.Phase == TrainingPhase.Failed && r.Status.Gpu?.ReleasedAt is not null);
        Assert.Contains("not in S3", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
    }

    [Fact]
    public async Task AnUploadOfAnotherObject_FailsVerification_EvenThoughTheObjectIsInS3()
    {
        await StartTrainingAsync("forger", 251, 25);
        var someoneElses = Encoding.UTF8.GetBytes("another team's LoRA");
        await _h.S3.PutObjectAsync(OperatorHarness.OutputBucket, "loras/other-team.safetensors", someoneElses, TestContext.Current.CancellationToken);

        await _h.AgentSendsAsync("forger", a => new UploadedInput(4, a, 1, 0.1, $"s3://{OperatorHarness.OutputBucket}/loras/other-team.safetensors", someoneElses.Length, null));

        var failed = await _h.WaitForAsync("forger", r => r.Status?.Phase == TrainingPhase.Failed && r.Status.Gpu?.ReleasedAt is not null);
        Assert.Equal("VerificationFailed", failed.Status!.Reason);
        Assert.Equal($"the agent reported s3://{OperatorHarness.OutputBucket}/loras/other-team.safetensors uploaded, but this run writes its output to s3://{OperatorHarness.OutputBucket}/loras/forger.safetensors",
            failed.Status.Message);
        Assert.Null(failed.Status.Output!.VerifiedAt);
    }

    [Fact]
    public async Task ARunKeepingAllEpochs_AcceptsTheReportedEpochsOwnKey()
    {
        await StartTrainingAsync("keeper", 261, 26, s => s with { Output = s.Output with { Keep = KeepPolicy.All } });
        var lora = Encoding.UTF8.GetBytes(new string('E', 512));
        await _h.S3.PutObjectAsync(OperatorHarness.OutputBucket, "loras/keeper-000002.safetensors", lora, TestContext.Current.CancellationToken);

        await _h.AgentSendsAsync("keeper", a => new UploadedInput(4, a, 2, 0.1, $"s3://{OperatorHarness.OutputBucket}/loras/keeper-000002.safetensors", lora.Length, null));

        var done = await _h.WaitForAsync("keeper", r => r.Status?.Phase == TrainingPhase.Completed);
        Assert.NotNull(done.Status!.Output!.VerifiedAt);
        Assert.Equal(2, done.Status.Output.Epoch);
    }

    [Fact]
    public async Task AnOutputReportedWhileInterrupted_IsVerifiedAndCompletes_EvenWhenTheContainerHasExited()
    {
        // The agent restarted in place on the resumed instance finishes, reports its output and exits before the operator sees the instance run again.
        await StartTrainingAsync("bidder", 281, 28, s => s with { Gpu = new GpuSpec { MaxPricePerHour = 5, Interruptible = true } });
        var training = await _h.WaitForPhaseAsync("bidder", TrainingPhase.Training);
        var instanceId = long.Parse(training.Status!.Gpu!.InstanceId!, System.Globalization.CultureInfo.InvariantCulture);
        _h.Vast.Outbid(instanceId);
        await _h.WaitForPhaseAsync("bidder", TrainingPhase.Interrupted);
        var lora = Encoding.UTF8.GetBytes(new string('B', 2048));
        await _h.S3.PutObjectAsync(OperatorHarness.OutputBucket, "loras/bidder.safetensors", lora, TestContext.Current.CancellationToken);

        await _h.AgentSendsAsync("bidder", a => new UploadedInput(4, a, 1, 0.1, $"s3://{OperatorHarness.OutputBucket}/loras/bidder.safetensors", lora.Length, null));
        _h.Vast.Resume(instanceId);
        _h.Vast.SetStatus(instanceId, "exited", "container exited with code 0");

        var done = await _h.WaitForAsync("bidder", r => r.Status?.Gpu?.ReleasedAt is not null);
        Assert.Equal((TrainingPhase.Completed, 1), (done.Status!.Phase, done.Status.Attempt));
        Assert.NotNull(done.Status.Output!.VerifiedAt);
        Assert.NotNull(done.Status.Interruption!.ResumedAt);
        Assert.Single(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task AgentFailure_IsTerminal_KeepsTheReason_AndReleasesTheGpu()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(301, machine: 31));
        await _h.ApplyRunAsync("oom");
        await _h.WaitForPhaseAsync("oom", TrainingPhase.PendingGpu);

        await _h.AgentSendsAsync("oom", a => new AgentFailedInput(1, a, "training", "CUDA out of memory"));

        var failed = await _h.WaitForAsync("oom", r => r.Status?.Gpu?.ReleasedAt is not null);
        Assert.Equal(TrainingPhase.Failed, failed.Status!.Phase);
        Assert.Equal("training: CUDA out of memory", failed.Status.Message);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
    }

    [Fact]
    public async Task Release_RecordsTheCostVastBilled_NotTheWholeSecondsAroundIt()
    {
        // A dear GPU, so a second's price ($0.001) shows in the cost's four decimals.
        _h.Vast.AddOffers(OperatorHarness.Offer(311, machine: 32, price: 3.6));
        await _h.ApplyRunAsync("billed", s => s with { Gpu = (s.Gpu ?? new GpuSpec()) with { MaxPricePerHour = 5 } });
        await _h.WaitForPhaseAsync("billed", TrainingPhase.PendingGpu);
        // End the rental half a second out of step with its start, where whole-second timestamps are furthest off.
        var target = (_h.Vast.Instances().Single().CreatedAt.Millisecond + 500) % 1000;
        while (Math.Abs(TimeProvider.System.GetUtcNow().Millisecond - target) > 20)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, TestContext.Current.CancellationToken);
        }

        await _h.AgentSendsAsync("billed", a => new AgentFailedInput(1, a, "training", "CUDA out of memory"));

        var released = await _h.WaitForAsync("billed", r => r.Status?.Gpu?.ReleasedAt is not null);
        var bill = _h.Vast.Cost();
        var status = released.Status!;
        // The cost is kept to four decimals; the requests around the create and the destroy take milliseconds.
        var allowed = 0.00005 + status.Gpu!.PricePerHour!.Value * 0.1 / 3600;
        Assert.True(Math.Abs(bill.Dollars - status.Cost!.EstimatedUsd) < allowed,
            $"Vast billed ${bill.Dollars:0.000000} for {bill.InstanceSeconds:0.000} s; status.cost is ${status.Cost.EstimatedUsd:0.000000} from {status.Gpu.AllocatedAt:O} to {status.Gpu.ReleasedAt:O}");
    }

    [Fact]
    public async Task ADatasetWithoutImages_IsRefusedBeforeAnyGpuIsRented()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(401, machine: 41));

        await _h.ApplyRunAsync("empty", s => s with { Dataset = s.Dataset with { S3 = new S3Location { Bucket = OperatorHarness.ImagesBucket, Prefix = "nobody/" } } });

        var failed = await _h.WaitForPhaseAsync("empty", TrainingPhase.Failed);
        Assert.Contains("no images under s3://training-images/nobody/", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task AMissingCredentialSecret_IsReportedByName_AndNothingIsRented()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(501, machine: 51));

        await _h.ApplyRunAsync("nocreds", s => s with { Credentials = new CredentialsSpec { S3 = new SecretReference { Name = "team-s3" } } });

        var failed = await _h.WaitForPhaseAsync("nocreds", TrainingPhase.Failed);
        Assert.Equal("spec.credentials.s3: Secret ml-team/team-s3 not found; create it or remove the reference", failed.Status!.Message);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task NoMatchingOffer_SaysWhy_AndRentsOnceAnOfferAppears()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(601, machine: 61, price: 2.0));
        await _h.ApplyRunAsync("picky", s => s with { Gpu = new GpuSpec { MaxPricePerHour = 0.5 } });

        var waiting = await _h.WaitForAsync("picky", r => r.Status?.Message?.StartsWith("no GPU yet", StringComparison.Ordinal) == true);
        Assert.Contains("$0.50/h", waiting.Status!.Message, StringComparison.Ordinal);

        _h.Vast.AddOffers(OperatorHarness.Offer(602, machine: 62, price: 0.3));
        var rented = await _h.WaitForPhaseAsync("picky", TrainingPhase.PendingGpu);
        Assert.Equal("62", rented.Status!.Gpu!.MachineId);
    }

    [Fact]
    public async Task ARunOnSeveralGpus_TellsTheAgentToTrainOnEachOfThem()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(801, machine: 81) with { NumGpus = 1 }, OperatorHarness.Offer(802, machine: 82, price: 0.8) with { NumGpus = 2 });

        await _h.ApplyRunAsync("pair", s => s with { Gpu = new GpuSpec { NumGpus = 2, MaxPricePerHour = 5 } });

        var rented = await _h.WaitForPhaseAsync("pair", TrainingPhase.PendingGpu);
        Assert.Equal("82", rented.Status!.Gpu!.MachineId);
        Assert.Equal(2, (await _h.AgentConfigAsync("pair")).Training.Gpus);
    }

    [Theory]
    [InlineData(true, "ohwx woman")]
    [InlineData(false, null)]
    public async Task GeneratedCaptions_AreGivenToTheTrainer_OnlyWhenTheSpecAsksForThem(bool generate, string? caption)
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(901, machine: 91));

        await _h.ApplyRunAsync("captions", s => s with { Dataset = s.Dataset with { TriggerWord = "ohwx", ClassTokens = "woman", GenerateMissingCaptions = generate } });

        await _h.WaitForPhaseAsync("captions", TrainingPhase.PendingGpu);
        Assert.Equal(caption, (await _h.AgentConfigAsync("captions")).Dataset.Layout.ClassTokens);
    }

    [Fact]
    public async Task ARunWaitingForAnOffer_LooksAgain_WithoutPreparingItsAttemptAgain()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(611, machine: 63, price: 2.0));
        await _h.ApplyRunAsync("waiting", s => s with { Gpu = new GpuSpec { MaxPricePerHour = 0.5 } });
        await _h.WaitForAsync("waiting", r => r.Status?.Message?.StartsWith("no GPU yet", StringComparison.Ordinal) == true);
        var searches = _h.Vast.RequestsTo(VastRoute.Search).Count;
        var secretWrites = SecretWrites();

        await Eventually.UntilAsync(() => _h.Vast.RequestsTo(VastRoute.Search).Count, count => count >= searches + 2, TimeSpan.FromSeconds(10),
            $"two more offer searches than the {searches} before", count => $"{count} searches", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(secretWrites, SecretWrites());
        _h.Vast.AddOffers(OperatorHarness.Offer(612, machine: 64, price: 0.3));
        var rented = await _h.WaitForPhaseAsync("waiting", TrainingPhase.PendingGpu);
        Assert.Equal(1, (await _h.AgentConfigAsync("waiting")).Run.Attempt);
        Assert.Equal("64", rented.Status!.Gpu!.MachineId);

        int SecretWrites() => _h.Kube.RequestLog.Count(r => r.Method != "GET" && r.Path.Contains("/secrets", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARunWithADeadlineAndABudget_TellsItsAgentWhenToGiveUp()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(621, machine: 65, price: 0.5));
        await _h.ApplyRunAsync("limited", s => s with { RunPolicy = new RunPolicySpec { ActiveDeadlineSeconds = 3600, MaxCostUsd = 2 } });
        var rented = await _h.WaitForPhaseAsync("limited", TrainingPhase.PendingGpu);

        // The config written before renting knows the deadline; the one written once the GPU is held knows its price too.
        var limits = (await Eventually.UntilAsync(_ => _h.AgentConfigAsync("limited"), config => config.Limits?.BudgetExhaustedAt is not null,
            TimeSpan.FromSeconds(20), "an agent config that knows when the budget runs out", config => $"limits {config.Limits}",
            cancellationToken: TestContext.Current.CancellationToken)).Limits!;

        Assert.Equal(rented.Status!.StartTime!.Value.AddSeconds(3600), limits.Deadline);
        var gpu = rented.Status.Gpu!;
        Assert.Equal(gpu.AllocatedAt!.Value.AddHours(2 / gpu.PricePerHour!.Value), limits.BudgetExhaustedAt!.Value, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task DryRun_WritesThePlan_AndRentsNothing()
    {
        // One worker, so the harness can tell when every reconcile queued so far is done; the clock is advanced by hand.
        await _h.StopOperatorAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await OperatorHarness.StartAsync(s3.Server, s => s["Operator:Workers"] = "1", time: clock);
        h.Vast.AddOffers(OperatorHarness.Offer(701, machine: 71, price: 0.4), OperatorHarness.Offer(702, machine: 72, price: 0.6));

        await h.ApplyRunAsync("plan", s => s with { DryRun = true });

        var planned = await h.WaitForAsync("plan", r => r.Status?.Plan is not null);
        Assert.Equal("701", planned.Status!.Plan!.OfferId);
        Assert.Equal(2, planned.Status.Plan.MatchingOffers);
        Assert.True(planned.Status.Plan.EstimatedUsd > 0);
        Assert.StartsWith("dry run: would rent RTX 4090", planned.Status.Message, StringComparison.Ordinal);
        Assert.Equal("DryRun", planned.Status.Reason);
        Assert.True(planned.Status.Conditions.IsTrue(ConditionTypes.Ready));
        Assert.False(planned.Status.Conditions.IsTrue(ConditionTypes.Reconciling));
        Assert.Empty(h.Vast.Instances(includeDestroyed: true));

        // Planned for this spec: once the writes' echoes have been reconciled, the run is left alone, however much
        // time passes: no more searches at Vast.
        await h.CaughtUpAsync();
        var searches = h.Vast.RequestsTo(VastRoute.Search).Count;
        clock.Advance(TimeSpan.FromHours(1));
        await h.CaughtUpAsync();
        Assert.Equal(searches, h.Vast.RequestsTo(VastRoute.Search).Count);
    }

    [Fact]
    public async Task Supervision_OfARunThatSavesNoState_ReadsItsS3SecretNoMoreWhileItTrains()
    {
        _h.Kube.Seed(new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = "s3-writer", NamespaceProperty = OperatorHarness.Namespace },
            Data = new Dictionary<string, byte[]>
            {
                ["accessKeyId"] = Encoding.UTF8.GetBytes(S3rverServer.AccessKeyId),
                ["secretAccessKey"] = Encoding.UTF8.GetBytes(S3rverServer.SecretAccessKey),
            },
        });
        await StartTrainingAsync("stateless", 801, 81, s => s with
        {
            Credentials = new CredentialsSpec { S3 = new SecretReference { Name = "s3-writer" } },
            RunPolicy = new RunPolicySpec { SaveStateEveryNEpochs = 0 },
        });
        await _h.WaitForPhaseAsync("stateless", TrainingPhase.Training);
        // The instance check reads the instances from Vast, by id or in a list.
        int Checks() => _h.Vast.Requests.Count(r => r.Route is VastRoute.Show or VastRoute.List);
        int SecretReads() => _h.Kube.RequestLog.Count(r => r.Method == "GET" && r.Path.EndsWith("/secrets/s3-writer", StringComparison.Ordinal));
        var checksBefore = Checks();
        var readsBefore = SecretReads();

        // Three checks of the instance are three supervision passes, each a second apart.
        await Eventually.UntilAsync(Checks, checks => checks >= checksBefore + 3, TimeSpan.FromSeconds(15),
            "three more checks of the instance", checks => $"{checks - checksBefore} checks", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(readsBefore, SecretReads());
    }

    /// <summary>The reasons of the run's events, read again (for up to 10 s) until <paramref name="until"/> holds.</summary>
    private Task<IReadOnlyList<string>> EventReasonsAsync(string name, Func<IReadOnlyList<string>, bool> until) =>
        Eventually.UntilAsync(async _ => (IReadOnlyList<string>)[.. (await _h.EventsAsync(name)).Select(e => e.Reason)], until, TimeSpan.FromSeconds(10),
            $"the events of {name}", reasons => string.Join(", ", reasons), cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>Applies a run on its own offer and walks its agent to training (events 1 to 3).</summary>
    private async Task StartTrainingAsync(string name, long offer, long machine, Func<TrainingRunSpec, TrainingRunSpec>? change = null)
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(offer, machine));
        await _h.ApplyRunAsync(name, change);
        await _h.WaitForPhaseAsync(name, TrainingPhase.PendingGpu);
        await _h.AgentSendsAsync(name, a => new GpuReadyInput(1, a, null, null));
        await _h.AgentSendsAsync(name, a => new ImagesDownloadedInput(2, a, 2, 1, 1));
        await _h.AgentSendsAsync(name, a => new ReadyInput(3, a));
    }
}
