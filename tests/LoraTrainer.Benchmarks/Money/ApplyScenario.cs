using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>Moments of one apply, each from the POST of the TrainingRun arriving at the API server.</summary>
/// <param name="Seen">The operator's first write to the run (its finalizer): the watch delivered it and a worker took it.</param>
/// <param name="Accepted">The first status write (pending).</param>
/// <param name="Prepared">The run's Secret written: model resolved, dataset checked (and zipped if new), URLs presigned.</param>
/// <param name="Lookup">Vast's instance listing asked for the attempt's label (a crashed operator may have rented already).</param>
/// <param name="Search">The offer search at Vast.</param>
/// <param name="Create">The create call at Vast (<c>PUT /asks/{id}/</c>): money starts to be spent.</param>
internal sealed record ApplySample(TimeSpan Seen, TimeSpan Accepted, TimeSpan Prepared, TimeSpan Lookup, TimeSpan Search, TimeSpan Create);

/// <summary>Moments after the agent sent the signed <c>uploaded</c> event, each from sending it.</summary>
/// <param name="Answered">The receiver answered (it has written <c>status.output</c>).</param>
/// <param name="Completed">The operator verified the object in S3 and wrote phase completed.</param>
/// <param name="Destroyed">Vast received the DELETE of the instance.</param>
/// <param name="Confirmed">Vast received the read that confirmed the instance gone.</param>
/// <param name="Released">Status shows <c>gpu.releasedAt</c>.</param>
internal sealed record CompletionSample(TimeSpan Answered, TimeSpan Completed, TimeSpan Destroyed, TimeSpan Confirmed, TimeSpan Released);

/// <summary>
/// Measurements 1 and 2 on one stack, run after run: apply a TrainingRun through the Kubernetes API and time it to
/// the Vast create; then play its agent through boot and a short training, upload the LoRA to the presigned URL,
/// send <c>uploaded</c>, and time it to the DELETE of the instance.
/// </summary>
internal sealed class ApplyScenario(MoneyStack stack, TimeSpan training)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);
    private static readonly byte[] Lora = RandomNumberGenerator.GetBytes(1 << 20);

    /// <summary>One run from apply to released; returns both measurements.</summary>
    public async Task<(ApplySample Apply, CompletionSample Completion)> RunOnceAsync(string name, string datasetPrefix, CancellationToken cancellationToken)
    {
        await PacingGuard.WaitForQuietCreateAsync(stack.Vast, cancellationToken);
        var applied = TimeProvider.System.GetUtcNow();
        await stack.ApplyAsync(MoneyRuns.Run(name, stack.Name, datasetPrefix), cancellationToken);
        var create = await stack.WaitForVastRequestAsync(VastRoute.Create, applied, null, StepTimeout, cancellationToken);
        var apply = Stages(name, applied, create);

        var instanceId = await InstanceOfAsync(name, cancellationToken);
        var agent = new SimulatedGpuAgent(stack.Agents, stack.Vast.Instance(long.Parse(instanceId, System.Globalization.CultureInfo.InvariantCulture))!.Env);
        if (await agent.BootAsync(cancellationToken) is not "training")
        {
            throw new InvalidOperationException($"{stack.Name}: {name} did not reach training after the agent's ready");
        }

        var uploaded = await TrainAsync(agent, cancellationToken);
        var milestones = RunMilestones.Start(stack.Kube, MoneyStack.Namespace, name, new Dictionary<string, Func<TrainingRun, bool>>
        {
            ["completed"] = r => r.Status?.Phase == TrainingPhase.Completed,
            ["released"] = r => r.Status?.Gpu?.ReleasedAt is not null,
        }, StepTimeout, cancellationToken);
        var sent = TimeProvider.System.GetUtcNow();
        await agent.SendAsync(uploaded, cancellationToken);
        var answered = TimeProvider.System.GetUtcNow() - sent;
        var destroy = await stack.WaitForDestroyAsync(instanceId, sent, StepTimeout, cancellationToken);
        var reached = await milestones.ReachedAsync();
        var confirmed = stack.FirstShow(instanceId, destroy.At) ?? throw Missing("the read confirming the DELETE");
        return (apply, new CompletionSample(answered, reached["completed"] - sent, destroy.At - sent, confirmed.At - sent, reached["released"] - sent));
    }

    /// <summary>Waits until the run's status records its instance.</summary>
    private async Task<string> InstanceOfAsync(string name, CancellationToken cancellationToken)
    {
        var run = await stack.Kube.WaitForAsync<TrainingRun>(MoneyStack.Namespace, name, r => r.Status?.Gpu?.InstanceId is not null, StepTimeout, cancellationToken);
        return run.Status!.Gpu!.InstanceId!;
    }

    /// <summary>Progress once a second for the training time, then the result: the LoRA is in S3 before <c>uploaded</c> is returned for sending.</summary>
    /// <remarks>
    /// A real run trains for an hour or more; the few seconds here let the operator's first instance check (made
    /// right after renting) age past the Vast read pacing, as it would have in a real run.
    /// </remarks>
    private async Task<AgentEvent> TrainAsync(SimulatedGpuAgent agent, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        for (var step = 1; TimeProvider.System.GetElapsedTime(started) < training; step++)
        {
            await agent.SendAsync(new AgentEvent { Kind = EventKinds.Progress, Percent = Math.Min(99, step * 10), Step = step, TotalSteps = 100, Epoch = 1, TotalEpochs = 10, Loss = 0.1 }, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, cancellationToken);
        }

        await agent.SendAsync(new AgentEvent { Kind = EventKinds.TrainingCompleted, Epochs = [new EpochResult { Epoch = 1, Loss = 0.1 }], BestEpoch = 1 }, cancellationToken);
        return await agent.UploadBestAsync(Lora, epoch: 1, loss: 0.1, cancellationToken);
    }

    /// <summary>Reads the stages from the Kubernetes fake's request log and the Vast simulator's.</summary>
    private ApplySample Stages(string name, DateTimeOffset applied, VastRecordedRequest create)
    {
        var log = stack.Kube.RequestLog.Where(e => e.Time >= applied).ToList();
        var post = First(log, e => e.Method == "POST" && e.Path.EndsWith("/trainingruns", StringComparison.Ordinal), "the TrainingRun's POST");
        var seen = First(log, e => e.Method == "PATCH" && e.Path.EndsWith($"/trainingruns/{name}", StringComparison.Ordinal), "the operator's first write");
        var accepted = First(log, e => e.Method == "PATCH" && e.Path.EndsWith($"/trainingruns/{name}/status", StringComparison.Ordinal), "the first status write");
        var secret = First(log, e => e.Method is "POST" or "PUT" && e.Path.Contains("/secrets", StringComparison.Ordinal), "the Secret's write");
        var lookup = stack.FirstVastRequest(VastRoute.List, applied) ?? throw Missing("the label lookup at Vast");
        var search = stack.FirstVastRequest(VastRoute.Search, applied) ?? throw Missing("the offer search at Vast");
        var start = post.Time;
        return new ApplySample(seen.Time - start, accepted.Time - start, secret.Time - start, lookup.At - start, search.At - start, create.At - start);
    }

    private KubeRequestLogEntry First(IEnumerable<KubeRequestLogEntry> log, Func<KubeRequestLogEntry, bool> match, string what) =>
        log.FirstOrDefault(match) ?? throw Missing(what);

    private InvalidOperationException Missing(string what) => new($"{stack.Name}: {what} was never recorded");
}
