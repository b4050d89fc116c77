using System.Globalization;
using LoraTrainer.Api;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>Moments after a phase deadline passed (as the status timestamps put it), each from that instant.</summary>
/// <param name="Stalled">Status shows phase stalled.</param>
/// <param name="Destroyed">Vast received the DELETE of the instance.</param>
/// <param name="Confirmed">Vast received the read that confirmed the instance gone.</param>
/// <param name="Released">Status shows <c>gpu.releasedAt</c>.</param>
internal sealed record DeadlineSample(TimeSpan Stalled, TimeSpan Destroyed, TimeSpan Confirmed, TimeSpan Released);

/// <summary>
/// Measurement 3 on one stack, run after run: a TrainingRun with a short deadline and no retries is applied and
/// rented; its instance never reports (pendingGpu), or its agent reaches training and then falls silent (heartbeat).
/// Times from the deadline to the stall, the DELETE and the recorded release.
/// </summary>
internal sealed class DeadlineScenario(MoneyStack stack, TrainingPhase phase, TimeSpan deadline)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    public async Task<DeadlineSample> RunOnceAsync(string name, string datasetPrefix, CancellationToken cancellationToken)
    {
        await PacingGuard.WaitForQuietCreateAsync(stack.Vast, cancellationToken);
        var milestones = RunMilestones.Start(stack.Kube, MoneyStack.Namespace, name, new Dictionary<string, Func<TrainingRun, bool>>
        {
            ["stalled"] = r => r.Status?.Phase == TrainingPhase.Stalled,
            ["released"] = r => r.Status?.Gpu?.ReleasedAt is not null,
        }, StepTimeout, cancellationToken);
        var applied = TimeProvider.System.GetUtcNow();
        await stack.ApplyAsync(MoneyRuns.Run(name, stack.Name, datasetPrefix, MoneyRuns.ShortDeadline(phase, deadline)), cancellationToken);
        var run = await stack.Kube.WaitForAsync<TrainingRun>(MoneyStack.Namespace, name, r => r.Status?.Gpu?.InstanceId is not null, StepTimeout, cancellationToken);
        var instanceId = run.Status!.Gpu!.InstanceId!;
        if (phase == TrainingPhase.Training)
        {
            var agent = new SimulatedGpuAgent(stack.Agents, stack.Vast.Instance(long.Parse(instanceId, CultureInfo.InvariantCulture))!.Env);
            if (await agent.BootAsync(cancellationToken) is not "training")
            {
                throw new InvalidOperationException($"{stack.Name}: {name} did not reach training after the agent's ready");
            }

            // Its last word: from here on the agent is silent.
            run = stack.Run(name);
        }

        if (run.Status?.Phase != phase || PhaseDeadlines.For(run) is not { } due)
        {
            throw new InvalidOperationException($"{stack.Name}: {name} is {run.Status?.Phase.ToWireName()} before its deadline could be read");
        }

        var destroy = await stack.WaitForDestroyAsync(instanceId, applied, StepTimeout, cancellationToken);
        var reached = await milestones.ReachedAsync();
        var confirmed = stack.FirstShow(instanceId, destroy.At)
            ?? throw new InvalidOperationException($"{stack.Name}: the read confirming the DELETE of {instanceId} was never recorded");
        return new DeadlineSample(reached["stalled"] - due.At, destroy.At - due.At, confirmed.At - due.At, reached["released"] - due.At);
    }
}
