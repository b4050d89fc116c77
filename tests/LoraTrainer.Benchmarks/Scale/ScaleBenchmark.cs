using LoraTrainer.Testing.World;
using LoraTrainer.Api;
using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Benchmarks.Scale;

/// <summary>
/// <c>scale</c> (B1): N TrainingRuns through their whole lifecycle, the real operator and receiver each in its own
/// process, against the Kubernetes API fake, the Vast simulator and s3rver, with simulated agents. Measures the time
/// until every run is completed and every instance destroyed, each process's memory and CPU, and what each run
/// cost in Kubernetes requests (by component and verb), reconciles and Vast calls.
/// </summary>
internal sealed class ScaleBenchmark : IBenchmark
{
    private static readonly TimeProvider Time = TimeProvider.System;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);

    public string Name => "scale";

    public string Summary => "B1: N runs through the whole lifecycle, operator and receiver as processes: time, memory, requests per run";

    public string Usage => """
        scale [--runs 1000] [--agents 32] [--epochs 3] [--progress 2] [--boot 2] [--repeats 1] [--timeout 900] [--builds jit]
          --runs      TrainingRuns applied at once, each taken from apply to completed and its instance destroyed
          --agents    simulated agents working at once (the other instances wait, running, as during a slow boot)
          --epochs    epochs per run: one epochCompleted event each
          --progress  progress events per epoch
          --boot      seconds from creating an instance to its agent starting (the image pull)
          --repeats   measurements, each with fresh processes and fakes; medians are reported
          --timeout   seconds one measurement may take before it is abandoned
        """ + "\n" + ProgramBuild.Usage + " (alternating, each repeat)";

    public IReadOnlyList<string> Options => ["runs", "agents", "epochs", "progress", "boot", "repeats", "timeout", ProgramBuild.Option];

    public async Task RunAsync(BenchmarkOptions options, Report report, CancellationToken cancellationToken)
    {
        var runs = options.Int("runs", 1000, max: 20_000);
        var agents = options.Int("agents", 32, max: 1000);
        var script = new AgentScript(options.Int("epochs", 3, max: 100), options.Int("progress", 2, min: 0, max: 100), OutputBytes: 16 * 1024);
        var boot = options.Seconds("boot", 2, min: 0);
        var repeats = options.Int("repeats", 1, max: 20);
        var timeout = options.Seconds("timeout", 900, min: 10);
        var builds = ProgramBuild.Parse(options);

        // The builds take turns within each repeat, so a change in the machine's load falls on all of them alike.
        var results = builds.ToDictionary(build => build, _ => new List<ScaleRun>());
        for (var repeat = 1; repeat <= repeats; repeat++)
        {
            foreach (var build in builds)
            {
                results[build].Add(await MeasureOnceAsync(build, runs, agents, script, boot, timeout, cancellationToken));
                Console.Error.WriteLine($"scale: measurement {repeat}/{repeats} of the {build.Name} build done");
            }
        }

        foreach (var build in builds)
        {
            ScaleReport.Print(report, build, runs, agents, script, boot, results[build]);
        }

        if (builds.Count > 1)
        {
            ScaleReport.Compare(report, runs, builds.Select(build => (build, (IReadOnlyList<ScaleRun>)results[build])).ToList());
        }
    }

    private static async Task<ScaleRun> MeasureOnceAsync(ProgramBuild build, int runs, int concurrency, AgentScript script, TimeSpan boot, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var fakes = await BenchmarkWorld.StartAsync(requestLogCapacity: (runs * 200) + 20_000, boot, cancellationToken);
        var workload = new ScaleWorkload(fakes, runs, script.Epochs);
        await workload.PrepareAsync(cancellationToken);
        using var agents = new AgentPool(concurrency, script);
        fakes.Vast.OnRunning = agents.RunAsync;

        await using var receiver = await Components.StartReadyAsync(() => Components.StartReceiver(fakes, build: build), cancellationToken);
        await using var @operator = await Components.StartReadyAsync(() => Components.StartOperator(fakes, receiver.BaseUrl, build: build), cancellationToken);
        await Eventually.UntilAsync(() => fakes.Kube.RequestLog.Any(e => e.User == BenchmarkWorld.OperatorUser && e.IsWatch && e.Path.EndsWith("/trainingruns", StringComparison.Ordinal)),
            Components.ReadyTimeout, "the operator's informer to sync", interval: Poll.Interval, cancellationToken: cancellationToken);

        Console.Error.WriteLine($"scale: operator pid {@operator.Id}, receiver pid {receiver.Id}");
        var metricsBefore = await @operator.ScrapeAsync(cancellationToken);
        var receiverBefore = await receiver.ScrapeAsync(cancellationToken);
        var cpuBefore = (Operator: @operator.Cpu(), Receiver: receiver.Cpu());
        var memoryAtStart = (Operator: @operator.Memory(), Receiver: receiver.Memory());
        var from = Time.GetUtcNow();
        var started = Time.GetTimestamp();

        await workload.ApplyAsync(cancellationToken);
        var applied = Time.GetElapsedTime(started);
        await WaitUntilDoneAsync(fakes, agents, runs, timeout, started, cancellationToken);
        var elapsed = Time.GetElapsedTime(started);

        var cpu = (Operator: @operator.Cpu() - cpuBefore.Operator, Receiver: receiver.Cpu() - cpuBefore.Receiver);
        var memory = (Operator: @operator.Memory(), Receiver: receiver.Memory());
        var metrics = await @operator.ScrapeAsync(cancellationToken);
        var receiverMetrics = await receiver.ScrapeAsync(cancellationToken);
        var log = fakes.Kube.RequestLog.Where(e => e.Time >= from).ToList();
        var finalRuns = fakes.Kube.List<TrainingRun>(BenchmarkWorld.Namespace);
        var cost = fakes.Vast.Cost();

        return new ScaleRun(
            elapsed,
            applied,
            new ComponentFigures(memoryAtStart.Operator, memory.Operator, cpu.Operator, Requests(log, BenchmarkWorld.OperatorUser)),
            new ComponentFigures(memoryAtStart.Receiver, memory.Receiver, cpu.Receiver, Requests(log, BenchmarkWorld.ReceiverUser)),
            Requests(log, BenchmarkWorld.BenchmarkUser),
            Delta(metricsBefore.SumBy("loratrainer_reconciles_total", "result"), metrics.SumBy("loratrainer_reconciles_total", "result")),
            Delta(receiverBefore.SumBy("loratrainer_receiver_events_total", "outcome"), receiverMetrics.SumBy("loratrainer_receiver_events_total", "outcome")),
            receiverMetrics.Sum("loratrainer_receiver_coalesced_updates_total") - receiverBefore.Sum("loratrainer_receiver_coalesced_updates_total"),
            fakes.Vast.Requests.Where(r => r.At >= from).GroupBy(r => $"{r.Route} {r.Status}").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            finalRuns.Count(r => r.Status is { Phase: TrainingPhase.Completed, Gpu.ReleasedAt: not null }),
            finalRuns.Count,
            cost,
            agents.Started,
            agents.Retries,
            [.. agents.ReportedFailures],
            MachineInfo.LoadAverage());
    }

    /// <summary>Waits until every agent has finished, nothing is alive at Vast and every run is completed with its GPU released.</summary>
    private static async Task WaitUntilDoneAsync(TestWorld fakes, AgentPool agents, int runs, TimeSpan timeout, long started, CancellationToken cancellationToken)
    {
        var nextProgress = ProgressInterval;
        while (true)
        {
            if (agents.Failures.Count > 0 || fakes.Vast.HookFailures.Count > 0)
            {
                throw new InvalidOperationException($"{agents.Failures.Count} agents failed; first: {agents.Failures.Concat(fakes.Vast.HookFailures.Select(e => e.Message)).First()}");
            }

            var elapsed = Time.GetElapsedTime(started);
            var everyAgentDone = agents.Finished == runs && fakes.Vast.Cost().AliveInstances == 0;
            if (everyAgentDone || elapsed >= nextProgress || elapsed > timeout)
            {
                var all = fakes.Kube.List<TrainingRun>(BenchmarkWorld.Namespace);
                var completed = all.Count(r => r.Status is { Phase: TrainingPhase.Completed, Gpu.ReleasedAt: not null });
                var failed = all.Count(r => r.Status is { Phase: TrainingPhase.Failed, Gpu.ReleasedAt: not null });
                if (everyAgentDone && completed + failed == runs && failed == agents.ReportedFailures.Count)
                {
                    return;
                }

                var phases = string.Join(", ", all.GroupBy(r => r.Status?.Phase.ToWireName() ?? "new").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
                var line = $"scale: {elapsed.TotalSeconds:N0} s: agents {agents.Finished}/{runs} done, instances alive {fakes.Vast.Cost().AliveInstances}; runs: {phases}";
                var unexplained = all.Count(r => r.Status?.Phase == TrainingPhase.Failed) > agents.ReportedFailures.Count;
                if (all.FirstOrDefault(r => r.Status?.Phase == TrainingPhase.Stalled || (unexplained && r.Status?.Phase == TrainingPhase.Failed)) is { } broken)
                {
                    throw new InvalidOperationException($"run {broken.Metadata.Name} is {broken.Status!.Phase.ToWireName()}: {broken.Status.Message}\n{line}");
                }

                if (elapsed > timeout)
                {
                    throw new TimeoutException($"not done after {timeout.TotalSeconds:N0} s\n{line}");
                }

                Console.Error.WriteLine(line);
                nextProgress = elapsed + ProgressInterval;
            }

            await Task.Delay(PollInterval, Time, cancellationToken);
        }
    }

    private static RequestCounts Requests(IEnumerable<KubeRequestLogEntry> log, string user) => RequestCounts.From(log.Where(e => e.User == user));

    private static IReadOnlyDictionary<string, double> Delta(IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after) =>
        after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key), StringComparer.Ordinal);
}

/// <summary>What one component did during a measurement: memory at the start and end (with the peak), CPU, Kubernetes requests.</summary>
internal sealed record ComponentFigures(ProcessMemory AtStart, ProcessMemory AtEnd, TimeSpan Cpu, RequestCounts Requests);

/// <summary>Everything one measurement of the scale benchmark found.</summary>
internal sealed record ScaleRun(
    TimeSpan Elapsed,
    TimeSpan ApplyTime,
    ComponentFigures Operator,
    ComponentFigures Receiver,
    RequestCounts BenchmarkRequests,
    IReadOnlyDictionary<string, double> ReconcilesByResult,
    IReadOnlyDictionary<string, double> EventsByOutcome,
    double CoalescedProgress,
    IReadOnlyDictionary<string, int> VastCalls,
    int CompletedRuns,
    int RunsFound,
    VastCostReport Cost,
    int Instances,
    int AgentRetries,
    IReadOnlyList<string> FailedByAgent,
    string LoadAtEnd);
