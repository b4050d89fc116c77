using System.Text;
using k8s;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Operator.Vast.Instances;
using LoraTrainer.Operator.Vast.Sweeping;
using LoraTrainer.Testing;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>Vast refusing, failing or misbehaving while a run rents, plans or releases: the run says so and keeps trying.</summary>
public sealed class TrainingRunVastTroubleTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private const string KeySecret = "vast-key";
    private const string RevokedKey = "revoked-key-0123456789";

    private OperatorHarness _h = null!;

    // A rejected key is retried after a minute, as by default; an outage after a second, so recovery is quick to see.
    public async ValueTask InitializeAsync() => _h = await OperatorHarness.StartAsync(s3.Server, s => s["Operator:VastRefusalRetryInterval"] = "00:01:00");

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task ARejectedKey_SaysSoNamingTheSecret_RentsNothing_AndDoesNotHammerVast()
    {
        // The operator's clock moves only when the test says; one worker, so the harness can tell when it is caught up.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await _h.DisposeAsync();
        _h = await OperatorHarness.StartAsync(s3.Server, s =>
        {
            s["Operator:VastRefusalRetryInterval"] = "00:01:00";
            s["Operator:Workers"] = "1";
        }, time: clock);
        _h.Vast.AddOffers(OperatorHarness.Offer(2001, machine: 21));
        SeedKeySecret(RevokedKey);

        await _h.ApplyRunAsync("badkey", WithKeySecret);

        var waiting = await _h.WaitForAsync("badkey", r => r.Status?.Message?.StartsWith("no GPU yet: Vast", StringComparison.Ordinal) == true);
        const string Why = "Vast rejected the API key in secret ml-team/vast-key (401 auth_error: Invalid user key) while calling the instance listing; fix the key, nothing is rented until then";
        Assert.Equal($"no GPU yet: {Why}; looking again in 1m", waiting.Status!.Message);
        Assert.Equal(TrainingPhase.Pending, waiting.Status.Phase);
        TroubleshootingDoc.AssertExplains(waiting.Status.Message!);
        TroubleshootingDoc.AssertExplains(Why);

        // Caught up, the operator has scheduled its next look; nothing happens for 59 s, and then it looks again.
        await _h.CaughtUpAsync();
        var refused = _h.Vast.Requests.Count;
        clock.Advance(TimeSpan.FromSeconds(59));
        await _h.CaughtUpAsync();
        Assert.Equal(refused, _h.Vast.Requests.Count);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
        Assert.InRange(refused, 1, 3);
        Assert.All(_h.Vast.Requests, request => Assert.Equal(401, request.Status));
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(() => _h.Vast.Requests.Count, count => count > refused, TimeSpan.FromSeconds(10),
            "the operator to ask Vast again a minute later", count => $"{count} requests", cancellationToken: TestContext.Current.CancellationToken);
        var warning = Assert.Single(await _h.EventsAsync("badkey"), e => e.Reason == "VastKeyRejected");
        Assert.Equal(("Warning", Why), (warning.Type, warning.Message));
        Assert.DoesNotContain(RevokedKey, ClusterJson.Serialize(_h.Run("badkey")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADryRunWithARejectedKey_SaysWhyItCannotPlan()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(2101, machine: 22));
        SeedKeySecret(RevokedKey);

        await _h.ApplyRunAsync("badplan", spec => WithKeySecret(spec) with { DryRun = true });

        var waiting = await _h.WaitForAsync("badplan", r => r.Status?.Message?.StartsWith("dry run: cannot plan yet:", StringComparison.Ordinal) == true);
        Assert.Equal(
            "dry run: cannot plan yet: Vast rejected the API key in secret ml-team/vast-key (401 auth_error: Invalid user key) while calling the offer search; fix the key, nothing is rented until then; looking again in 1m",
            waiting.Status!.Message);
        Assert.Null(waiting.Status.Plan);
        TroubleshootingDoc.AssertExplains(waiting.Status.Message!);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task AVast5xxDuringCreate_IsReportedInTheMessage_ThenTheRunRentsOnceVastRecovers()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(2201, machine: 23));
        _h.Vast.Faults.ServerError(VastRoute.Create, times: 3, status: 503);

        await _h.ApplyRunAsync("flaky");

        var reported = await _h.WaitForAsync("flaky", r => r.Status?.Message?.StartsWith("no GPU yet: Vast", StringComparison.Ordinal) == true);
        Assert.Equal(
            "no GPU yet: Vast never confirmed renting offer 2201 after 3 attempts, and no instance carries the label " +
            $"loratrainer:test:{reported.Metadata.Uid}:1; looking again in 1s",
            reported.Status!.Message);
        TroubleshootingDoc.AssertExplains(reported.Status.Message!);
        var rented = await _h.WaitForPhaseAsync("flaky", TrainingPhase.PendingGpu);
        Assert.Equal("23", rented.Status!.Gpu!.MachineId);
        Assert.Single(_h.Vast.Instances(includeDestroyed: true));
        Assert.Contains(await _h.EventsAsync("flaky"), e => e is { Type: "Warning", Reason: "VastUnavailable" });
    }

    [Fact]
    public async Task AReleaseVastFails_KeepsTryingWhileTheMessageSaysSo_ThenRestoresTheMessage()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(2301, machine: 24));
        await _h.ApplyRunAsync("stuck");
        var rented = await _h.WaitForPhaseAsync("stuck", TrainingPhase.PendingGpu);
        var instance = rented.Status!.Gpu!.InstanceId;
        _h.Vast.Faults.ServerError(VastRoute.Destroy, times: 7, status: 502);

        await _h.AgentSendsAsync("stuck", a => new AgentFailedInput(1, a, "model", "sha256 mismatch"));

        var billing = await _h.WaitForAsync("stuck", r => r.Status?.Message?.Contains("not released yet", StringComparison.Ordinal) == true);
        Assert.StartsWith($"model: sha256 mismatch; the GPU is not released yet (instance {instance}): Vast refused the instance destruction: 502 ", billing.Status!.Message, StringComparison.Ordinal);
        Assert.EndsWith("; trying again in 1s", billing.Status.Message, StringComparison.Ordinal);
        Assert.Null(billing.Status.Gpu!.ReleasedAt);
        TroubleshootingDoc.AssertExplains(billing.Status.Message!);
        var released = await _h.WaitForAsync("stuck", r => r.Status?.Gpu?.ReleasedAt is not null);
        Assert.Equal("model: sha256 mismatch", released.Status!.Message);
        Assert.Equal(TrainingPhase.Failed, released.Status.Phase);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
        Assert.Contains(await _h.EventsAsync("stuck"), e => e is { Type: "Warning", Reason: "GpuReleaseFailed" });
    }

    [Fact]
    public async Task Suspending_DestroysALeftoverOfTheNextAttempt_AndClaimsNoneThatAppearsLater()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(2401, machine: 25), OperatorHarness.Offer(2402, machine: 26), OperatorHarness.Offer(2403, machine: 27));
        var run = await _h.ApplyRunAsync("paused");
        await _h.WaitForPhaseAsync("paused", TrainingPhase.PendingGpu);
        // A create for the next attempt whose answer was lost: no status names the instance it made.
        var leftover = _h.Vast.SeedInstance(2402, $"loratrainer:test:{run.Metadata.Uid}:2");

        await SuspendAsync("paused");

        await _h.WaitForAsync("paused", r => r.Status?.Suspended == true);
        Assert.NotNull(_h.Vast.Instance(leftover)!.DestroyedAt);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
        var late = _h.Vast.SeedInstance(2403, $"loratrainer:test:{run.Metadata.Uid}:2");
        var informer = _h.Services.GetRequiredService<Informer<TrainingRun>>();
        await Eventually.UntilAsync(() => informer.Get(ResourceKey.Of(run))?.Status?.Suspended == true, TimeSpan.FromSeconds(5),
            "the operator's cache to see the run suspended", cancellationToken: TestContext.Current.CancellationToken);

        var claims = _h.Services.GetRequiredService<IInstanceClaims>();
        Assert.False(await claims.IsClaimedAsync(new InstanceClaim(late, new VastInstanceLabel("test", run.Metadata.Uid, 2)), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ADryRunOfAnInterruptibleRun_PricesThePlanAtTheBidItWouldRentAtBesideTheOnDemandPrice()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(2501, machine: 28, price: 0.35) with { MinBid = 0.18 });

        await _h.ApplyRunAsync("bidplan", spec => spec with { DryRun = true, Gpu = new GpuSpec { MaxPricePerHour = 5, Interruptible = true, BidMarginPercent = 10 } });

        var planned = await _h.WaitForAsync("bidplan", r => r.Status?.Plan is not null);
        var plan = planned.Status!.Plan!;
        // The bid buys the GPU; the disk's storage bills on top of it, as it does inside an on-demand dph_total.
        var storage = 0.15 * TrainingDefaults.DiskGb(planned.Status.Model?.Family ?? planned.Spec.BaseModel.Family ?? ModelFamily.Sdxl) / 720;
        Assert.Equal(0.198 + storage, plan.PricePerHour!.Value, 9);
        Assert.True(plan.OnDemandPricePerHour > 0.35, $"on-demand price {plan.OnDemandPricePerHour}");
        Assert.Equal(Math.Round((0.198 + storage) * plan.EstimatedHours!.Value, 2), plan.EstimatedUsd);
        Assert.StartsWith($"dry run: would rent RTX 4090 at ${0.198 + storage:0.00}/h interruptible (${plan.OnDemandPricePerHour:0.00}/h on demand)", planned.Status.Message, StringComparison.Ordinal);
    }

    private static TrainingRunSpec WithKeySecret(TrainingRunSpec spec) =>
        spec with { Credentials = new CredentialsSpec { Vast = new SecretReference { Name = KeySecret } } };

    private void SeedKeySecret(string key) => _h.Kube.Seed(new V1Secret
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = KeySecret, NamespaceProperty = OperatorHarness.Namespace },
        Data = new Dictionary<string, byte[]> { ["apiKey"] = Encoding.UTF8.GetBytes(key) },
    });

    private async Task SuspendAsync(string name)
    {
        using var client = _h.Kube.CreateClient();
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"spec":{"runPolicy":{"suspend":true}}}""", V1Patch.PatchType.MergePatch),
            TrainingRun.Group, TrainingRun.Version, OperatorHarness.Namespace, TrainingRun.Plural, name, cancellationToken: TestContext.Current.CancellationToken);
    }
}
