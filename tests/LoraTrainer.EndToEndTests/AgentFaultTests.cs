using System.Net;
using System.Text.Json;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Testing.World;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.EndToEndTests;

/// <summary>Faults on the GPU side: a dead agent, an instance that never starts, and events that are not the agent's.</summary>
public sealed class AgentFaultTests : IAsyncLifetime
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PendingGpuDeadline = TimeSpan.FromSeconds(6);
    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await Scenario.StartStackAsync(
        TestWorld.Offer(601, machine: 61, price: 0.30),
        TestWorld.Offer(602, machine: 62, price: 0.40));

    // A test skipped for a missing program has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task AgentKilledMidTraining_StallsAtTheHeartbeatDeadline_AndTheRetryOnAnotherMachineCompletes()
    {
        _stack.Agents.Trainer = launch => launch == 1 ? Scenario.Slow with { StepSeconds = 0.2 } : Scenario.Fast;
        await _stack.ApplyAsync(Samples.Minimal("killed", heartbeat: "5s", backoffLimit: 1));
        var training = await _stack.WaitForPhaseAsync("killed", TrainingPhase.Training, cancellationToken: TestContext.Current.CancellationToken);

        var killedAt = Scenario.Now;
        _stack.Agents.Kill(long.Parse(training.Status!.Gpu!.InstanceId!, System.Globalization.CultureInfo.InvariantCulture));

        var run = await _stack.CompletesAsync("killed");
        var completedAt = Scenario.Now;
        Assert.Equal(2, run.Status!.Attempt);
        Assert.Equal("62", run.Status.Gpu!.MachineId);
        Assert.Contains("61", run.Status.ExcludedMachines);
        await _stack.AssertLedgerAsync(
            InstanceBudget.Until(killedAt + Heartbeat + Scenario.CheckInterval, "attempt 1: until its agent died and the 5 s heartbeat deadline passed"),
            InstanceBudget.Until(completedAt, "attempt 2: until the run completed"));
    }

    [Fact]
    public async Task AgentThatExitsAtStart_LeavesAnExitedContainer_AndTheRetryOnAnotherMachineCompletesLongBeforeAnyDeadline()
    {
        // The first agent refuses a setting and exits 2 at once, as a broken image would: Vast shows the instance exited.
        _stack.Agents.Settings = launch => launch == 1
            ? new Dictionary<string, string> { ["Agent__RetryBaseDelay"] = "-00:00:01" }
            : new Dictionary<string, string>();
        var appliedAt = Scenario.Now;
        await _stack.ApplyAsync(Samples.Minimal("exits", deadline: "10m", backoffLimit: 1));

        var run = await _stack.CompletesAsync("exits");

        Assert.Equal(2, run.Status!.Attempt);
        Assert.Equal("62", run.Status.Gpu!.MachineId);
        Assert.Equal(2, Assert.Single(_stack.Agents.Started, a => a.Launch == 1).ExitCode);
        Assert.Contains(_stack.Kube.List<Corev1Event>(_stack.Namespace),
            e => e.InvolvedObject.Name == "exits" && e.Message?.Contains("container exited with code 2", StringComparison.Ordinal) == true);
        Assert.True(Scenario.Now - appliedAt < TimeSpan.FromMinutes(2), "the exit is seen at once, not at a 10-minute deadline");
        await _stack.WaitForNothingAliveAsync(cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task InstanceStuckInLoading_StallsAtThePendingGpuDeadline_AndTheRetryCompletes()
    {
        _stack.Vast.AddOffers(TestWorld.Offer(601, machine: 61, price: 0.30, VastLifecycle.Immediate with { Failure = VastInstanceFailure.StuckInLoading }));
        _stack.Agents.Trainer = _ => Scenario.Fast;

        await _stack.ApplyAsync(Samples.Minimal("stuck", deadline: "6s", backoffLimit: 1));

        var run = await _stack.CompletesAsync("stuck");
        var completedAt = Scenario.Now;
        Assert.Equal(2, run.Status!.Attempt);
        Assert.Equal("62", run.Status.Gpu!.MachineId);
        Assert.Single(_stack.Agents.Agents);
        await _stack.AssertLedgerAsync(
            InstanceBudget.Lasting(PendingGpuDeadline + Scenario.CheckInterval, "attempt 1: stuck in loading until the 6 s pendingGpu deadline"),
            InstanceBudget.Until(completedAt, "attempt 2: until the run completed"));
    }

    [Fact]
    public async Task ForgedAndReplayedEvents_AreRefusedOrIgnored_AndTheRunCompletesUnaffected()
    {
        _stack.Agents.Trainer = _ => Scenario.Slow;
        await _stack.ApplyAsync(Samples.Minimal("guarded"));
        var training = await _stack.WaitForPhaseAsync("guarded", TrainingPhase.Training, cancellationToken: TestContext.Current.CancellationToken);
        var token = _stack.Vast.Instances().Single().Env[AgentEnvironment.RunToken];
        using var http = new HttpClient { BaseAddress = _stack.Receiver.BaseUrl };
        var failed = new AgentEvent { Seq = 1_000_000, Kind = EventKinds.Failed, At = DateTimeOffset.UtcNow, Attempt = training.Status!.Attempt, Stage = "training", Reason = "forged" };

        // Forged: signed with a guessed token. Replayed: a captured request re-sent later than the 5-minute window.
        using var forged = await PostAsync(http, "guarded", RequestSigner.NewToken(), failed, DateTimeOffset.UtcNow);
        using var stale = await PostAsync(http, "guarded", token, failed, DateTimeOffset.UtcNow.AddMinutes(-10));
        // Replayed: a correctly signed event whose sequence number was already used is acknowledged and ignored.
        using var repeated = await PostAsync(http, "guarded", token, failed with { Seq = 1 }, DateTimeOffset.UtcNow);

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.False(JsonSerializer.Deserialize<EventAck>(await repeated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), ProtocolJson.Options)!.Accepted);
        var run = await _stack.CompletesAsync("guarded");
        var completedAt = Scenario.Now;
        Assert.Equal(1, run.Status!.Attempt);
        Assert.DoesNotContain("forged", run.Status.Message ?? "", StringComparison.Ordinal);
        await _stack.AssertLedgerAsync(InstanceBudget.Until(completedAt, "the one attempt: until the run completed"));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string run, string token, AgentEvent evt, DateTimeOffset signedAt)
    {
        var path = AgentEnvironment.RunPath(TestWorld.DefaultNamespace, run) + "/events";
        var body = JsonSerializer.SerializeToUtf8Bytes(evt, ProtocolJson.Options);
        var timestamp = signedAt.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(RequestSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(token, timestamp, "POST", path, body));
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
