using LoraTrainer.Testing.World;
using LoraTrainer.Api;
using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Benchmarks.Scale;
using LoraTrainer.Protocol;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Operators;

namespace LoraTrainer.Benchmarks.Startup;

/// <summary>
/// <c>startup</c>: how long the operator and the receiver take from process start to ready (and, for the operator, to
/// holding the lease, a synced informer and every run reconciled), and what they hold in memory once idle, each a
/// fresh process per repeat against the fakes.
/// </summary>
internal sealed class StartupBenchmark : IBenchmark
{
    private const string LeaseName = "loratrainer-operator";
    private static readonly TimeSpan MetricsPoll = TimeSpan.FromMilliseconds(20);

    public string Name => "startup";

    public string Summary => "cold start of the operator and the receiver (to ready, synced, reconciled) and their idle memory";

    public string Usage => """
        startup [--repeats 5] [--idle 10] [--runs 100] [--builds jit]
          --repeats  fresh processes per scenario; medians are reported
          --idle     seconds each process is left idle before its memory is read
          --runs     completed TrainingRuns in the cluster for the operator's second scenario
        """ + "\n" + ProgramBuild.Usage;

    public IReadOnlyList<string> Options => ["repeats", "idle", "runs", ProgramBuild.Option];

    public async Task RunAsync(BenchmarkOptions options, Report report, CancellationToken cancellationToken)
    {
        var repeats = options.Int("repeats", 5, max: 50);
        var idle = options.Seconds("idle", 10, min: 0);
        var runs = options.Int("runs", 100, max: 10_000);
        var builds = ProgramBuild.Parse(options);

        foreach (var build in builds)
        {
            await using var fakes = await BenchmarkWorld.StartAsync(requestLogCapacity: 100_000, boot: TimeSpan.Zero, cancellationToken);
            var receiver = await RepeatAsync($"{build.Name} receiver", repeats, () => MeasureReceiverAsync(fakes, build, idle, cancellationToken));
            var empty = await RepeatAsync($"{build.Name} operator, no runs", repeats, () => MeasureOperatorAsync(fakes, build, 0, idle, cancellationToken));
            CompletedRuns.Seed(fakes.Kube, runs);
            var loaded = await RepeatAsync($"{build.Name} operator, {runs} runs", repeats, () => MeasureOperatorAsync(fakes, build, runs, idle, cancellationToken));
            StartupReport.Print(report, build, idle, runs, receiver, empty, loaded);
        }
    }

    private static async Task<IReadOnlyList<StartupRun>> RepeatAsync(string what, int repeats, Func<Task<StartupRun>> measure)
    {
        var results = new List<StartupRun>();
        for (var repeat = 1; repeat <= repeats; repeat++)
        {
            results.Add(await measure());
            Console.Error.WriteLine($"startup: {what} {repeat}/{repeats} done");
        }

        return results;
    }

    /// <summary>Start → ready → the first agent request answered (a signed config GET) → idle → memory.</summary>
    private static async Task<StartupRun> MeasureReceiverAsync(TestWorld fakes, ProgramBuild build, TimeSpan idle, CancellationToken cancellationToken)
    {
        var run = new TrainingRunBuilder().Named("probe", BenchmarkWorld.Namespace).InPhase(TrainingPhase.PendingGpu).Build();
        run.Metadata.Uid = null;
        var (_, token) = RunSeeding.SeedWithSecret(fakes.Kube, run, new AgentConfig { Run = new RunIdentity { Namespace = BenchmarkWorld.Namespace, Name = "probe", Attempt = 1 } });
        try
        {
            await using var receiver = Components.StartReceiver(fakes, build: build);
            var ready = await receiver.WaitForOkAsync("/readyz", Components.ReadyTimeout, cancellationToken);
            var cpu = receiver.Cpu();
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            var agent = new LifecycleAgent(http, new Uri(receiver.BaseUrl, AgentEnvironment.RunPath(BenchmarkWorld.Namespace, "probe")), token, new AgentScript(1, 0, 0));
            await agent.FetchConfigAsync(cancellationToken);
            var answered = receiver.Elapsed;
            return await IdleAsync(receiver, idle, new StartupRun { Ready = ready, CpuToReady = cpu, FirstAgentRequest = answered }, cancellationToken);
        }
        finally
        {
            // The probe is gone before any operator starts, so the operator's cache holds only what its scenario seeds.
            DeleteIfPresent(fakes, TrainingRun.ApiVersionString, TrainingRun.KindName, BenchmarkWorld.Namespace, "probe");
            DeleteIfPresent(fakes, "v1", "Secret", BenchmarkWorld.Namespace, RunSecret.NameFor("probe"));
        }
    }

    /// <summary>Start → first API request (the CRD check) → lease held → informer's list → ready → watch → every run reconciled → idle → memory.</summary>
    private static async Task<StartupRun> MeasureOperatorAsync(TestWorld fakes, ProgramBuild build, int runs, TimeSpan idle, CancellationToken cancellationToken)
    {
        // A fresh install: the lease of the previous (killed) process would make this one wait out its duration.
        DeleteIfPresent(fakes, "coordination.k8s.io/v1", "Lease", "default", LeaseName);

        await using var @operator = Components.StartOperator(fakes, new Uri("http://127.0.0.1:9"), build: build);
        var ready = await @operator.WaitForOkAsync("/readyz", Components.ReadyTimeout, cancellationToken);
        var cpu = @operator.Cpu();
        var firstRequest = await SinceStartAsync(@operator, fakes, _ => true, cancellationToken);
        var lease = await SinceStartAsync(@operator, fakes, e => e.Method is "POST" or "PUT" && e.Path.Contains("/leases", StringComparison.Ordinal), cancellationToken);
        var listed = await SinceStartAsync(@operator, fakes, e => !e.IsWatch && e.Method == "GET" && e.Path.EndsWith("/trainingruns", StringComparison.Ordinal), cancellationToken);
        var watched = await SinceStartAsync(@operator, fakes, e => e.IsWatch && e.Path.EndsWith("/trainingruns", StringComparison.Ordinal), cancellationToken);
        TimeSpan? first = null, all = null;
        if (runs > 0)
        {
            while (all is null)
            {
                var reconciles = (await @operator.ScrapeAsync(cancellationToken)).Sum("loratrainer_reconciles_total");
                first ??= reconciles >= 1 ? @operator.Elapsed : null;
                all = reconciles >= runs ? @operator.Elapsed : null;
                if (@operator.Elapsed > Components.ReadyTimeout)
                {
                    throw new TimeoutException($"the operator reconciled {reconciles} of {runs} runs in {Components.ReadyTimeout.TotalSeconds:N0} s");
                }

                await Task.Delay(MetricsPoll, TimeProvider.System, cancellationToken);
            }
        }

        var measured = new StartupRun
        {
            Ready = ready, CpuToReady = cpu, FirstRequest = firstRequest, Lease = lease, Listed = listed, Watched = watched, FirstReconcile = first, AllReconciled = all,
        };
        return await IdleAsync(@operator, idle, measured, cancellationToken);
    }

    private static void DeleteIfPresent(TestWorld fakes, string apiVersion, string kind, string @namespace, string name)
    {
        if (fakes.Kube.Get(apiVersion, kind, @namespace, name) is not null)
        {
            fakes.Kube.Delete(apiVersion, kind, @namespace, name);
        }
    }

    /// <summary>When the operator's first request matching <paramref name="match"/> reached the fake, from the process's start.</summary>
    private static async Task<TimeSpan> SinceStartAsync(ComponentProcess process, TestWorld fakes, Func<Testing.Kubernetes.KubeRequestLogEntry, bool> match,
        CancellationToken cancellationToken)
    {
        Testing.Kubernetes.KubeRequestLogEntry? found = null;
        await Eventually.UntilAsync(() => (found = fakes.Kube.RequestLog.FirstOrDefault(e => e.User == BenchmarkWorld.OperatorUser && e.Time >= process.StartedAtUtc && match(e))) is not null,
            Components.ReadyTimeout, $"the {process.Name}'s request", interval: Poll.Interval, cancellationToken: cancellationToken);
        return found!.Time - process.StartedAtUtc;
    }

    /// <summary>Leaves the process alone, then reads its resident set (from the kernel) and its managed heap (from /metrics, afterwards).</summary>
    private static async Task<StartupRun> IdleAsync(ComponentProcess process, TimeSpan idle, StartupRun measured, CancellationToken cancellationToken)
    {
        await Task.Delay(idle, TimeProvider.System, cancellationToken);
        var memory = process.Memory();
        var metrics = await process.ScrapeAsync(cancellationToken);
        return measured with
        {
            Idle = memory,
            ManagedHeapBytes = metrics.Sum("dotnet_total_memory_bytes"),
            GcCommittedBytes = metrics.Sum("system_runtime_dotnet_gc_last_collection_memory_committed_size"),
        };
    }
}

/// <summary>One cold start: times from the process's start, CPU until ready, memory once idle.</summary>
internal sealed record StartupRun
{
    public TimeSpan Ready { get; init; }
    public TimeSpan CpuToReady { get; init; }
    public TimeSpan? FirstAgentRequest { get; init; }
    public TimeSpan? FirstRequest { get; init; }
    public TimeSpan? Lease { get; init; }
    public TimeSpan? Listed { get; init; }
    public TimeSpan? Watched { get; init; }
    public TimeSpan? FirstReconcile { get; init; }
    public TimeSpan? AllReconciled { get; init; }
    public ProcessMemory Idle { get; init; }
    public double ManagedHeapBytes { get; init; }

    /// <summary>Memory the GC held committed at its last collection (the runtime's own meter), 0 before the first.</summary>
    public double GcCommittedBytes { get; init; }
}
