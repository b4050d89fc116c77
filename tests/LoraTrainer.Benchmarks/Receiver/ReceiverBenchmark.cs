using System.Collections.Concurrent;
using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;

namespace LoraTrainer.Benchmarks.Receiver;

/// <summary>
/// <c>receiver</c>: the webhook receiver with N runs in training. First as many signed progress events as the
/// agents can send (the per-run rate limit raised out of the way); then a paced flood of progress events at the
/// receiver's default settings, counting the Kubernetes writes each run costs.
/// </summary>
internal sealed class ReceiverBenchmark : IBenchmark
{
    private static readonly TimeProvider Time = TimeProvider.System;

    /// <summary>The receiver's default progress write interval, plus a second for the last flush to land.</summary>
    private static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(6);

    public string Name => "receiver";

    public string Summary => "webhook receiver: signed events per second, Kubernetes writes per run under a progress flood, latency";

    public string Usage => """
        receiver [--runs 100] [--seconds 10] [--repeats 3] [--flood-seconds 60] [--flood-rate 10] [--builds jit,aot]
          --runs           runs in training, one agent (one request in flight) each
          --seconds        length of each throughput measurement (after a 3 s warm-up)
          --repeats        throughput measurements; medians are reported
          --flood-seconds  length of the paced flood
          --flood-rate     progress events per second per run during the flood
        without --builds the receiver host runs inside the benchmark process; with it, each build's receiver runs as its own process:
        """ + "\n" + ProgramBuild.Usage;

    public IReadOnlyList<string> Options => ["runs", "seconds", "repeats", "flood-seconds", "flood-rate", ProgramBuild.Option];

    public async Task RunAsync(BenchmarkOptions options, Report report, CancellationToken cancellationToken)
    {
        var runs = options.Int("runs", 100, max: 10_000);
        var duration = options.Seconds("seconds", 10);
        var repeats = options.Int("repeats", 3, max: 50);
        var floodDuration = options.Seconds("flood-seconds", 60, min: 10);
        var floodRate = options.Int("flood-rate", 10, max: 1000);
        IReadOnlyList<ProgramBuild?> builds = options.Text(ProgramBuild.Option) is null ? [null] : [.. ProgramBuild.Parse(options, receiverOnly: true)];

        var measured = new List<(ProgramBuild Build, IReadOnlyList<ThroughputRun> Throughput, FloodRun Flood)>();
        foreach (var build in builds)
        {
            var throughput = await MeasureThroughputAsync(build, runs, duration, repeats, cancellationToken);
            var flood = await MeasureFloodAsync(build, runs, floodDuration, floodRate, cancellationToken);
            ReceiverReport.Print(report, build, runs, throughput, flood, floodRate, floodDuration);
            if (build is not null)
            {
                measured.Add((build, throughput, flood));
            }
        }

        if (measured.Count > 1)
        {
            ReceiverReport.Compare(report, measured);
        }
    }

    private static async Task<IReadOnlyList<ThroughputRun>> MeasureThroughputAsync(ProgramBuild? build, int runs, TimeSpan duration, int repeats, CancellationToken cancellationToken)
    {
        // The default limit (20 events/s per run, burst 100) would answer 429 long before the receiver is busy.
        await using var host = await ReceiverHost.StartAsync(runs, new Dictionary<string, string?>
        {
            ["Receiver:EventsPerSecondPerRun"] = "10000",
            ["Receiver:EventBurstPerRun"] = "100000",
        }, build, cancellationToken);
        var idle = host.Memory();
        await SendAsFastAsPossibleAsync(host, TimeSpan.FromSeconds(3), new LatencyRecorder(), new ConcurrentDictionary<int, int>(), cancellationToken);

        var results = new List<ThroughputRun>();
        for (var repeat = 1; repeat <= repeats; repeat++)
        {
            host.Kube.ClearRequestLog();
            var latencies = new LatencyRecorder();
            var statuses = new ConcurrentDictionary<int, int>();
            var receiverCpu = host.OutsideCpu();
            var load = await SendAsFastAsPossibleAsync(host, duration, latencies, statuses, cancellationToken);
            receiverCpu = host.OutsideCpu() - receiverCpu;
            var requests = RequestCounts.From(host.Kube.RequestLog);
            results.Add(new ThroughputRun(load with { Cpu = load.Cpu + receiverCpu }, latencies.PercentileMs(50), latencies.PercentileMs(99),
                new Dictionary<int, int>(statuses), requests, duration, receiverCpu, idle, host.Memory()));
            Console.Error.WriteLine($"receiver: throughput run {repeat}/{repeats} done");
        }

        return results;
    }

    private static Task<LoadResult> SendAsFastAsPossibleAsync(ReceiverHost host, TimeSpan duration, LatencyRecorder latencies,
        ConcurrentDictionary<int, int> statuses, CancellationToken cancellationToken) =>
        LoadLoops.RunAsync(host.Agents.Count, duration, async (agent, _, ct) =>
        {
            var status = await host.Agents[agent].SendProgressAsync(host.Http, ct);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        }, latencies, cancellationToken);

    private static async Task<FloodRun> MeasureFloodAsync(ProgramBuild? build, int runs, TimeSpan duration, int rate, CancellationToken cancellationToken)
    {
        await using var host = await ReceiverHost.StartAsync(runs, new Dictionary<string, string?>(), build, cancellationToken);
        var latencies = new LatencyRecorder();
        var statuses = new ConcurrentDictionary<int, int>();
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        host.Kube.ClearRequestLog();
        var cpu = Environment.CpuUsage.TotalTime + host.OutsideCpu();
        var started = Time.GetTimestamp();
        var agents = host.Agents.Select(agent => Task.Run(async () =>
        {
            // Spread the agents over the first interval, as independent machines would be.
            await Task.Delay(interval * Random.Shared.NextDouble(), Time, cancellationToken);
            using var ticks = new PeriodicTimer(interval, Time);
            while (Time.GetElapsedTime(started) < duration)
            {
                var before = Time.GetTimestamp();
                var status = await agent.SendProgressAsync(host.Http, cancellationToken);
                latencies.Add(Time.GetElapsedTime(before));
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                await ticks.WaitForNextTickAsync(cancellationToken);
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(agents);
        var sent = Time.GetElapsedTime(started);
        var busy = Environment.CpuUsage.TotalTime + host.OutsideCpu() - cpu;
        await Task.Delay(FlushWait, Time, cancellationToken);

        var log = host.Kube.RequestLog;
        var perRun = host.Agents.Select(a => new FloodRunWrites(
            RequestCounts.ForName(log, n => n == a.Name || n == Api.RunSecret.NameFor(a.Name)),
            host.Run(a.Name).Status?.LastEventSeq == a.LastSeq)).ToList();
        return new FloodRun(new LoadResult(latencies.Count, sent, busy), latencies.PercentileMs(50), latencies.PercentileMs(99),
            new Dictionary<int, int>(statuses), perRun);
    }
}

/// <summary>One throughput measurement; <see cref="ReceiverCpu"/> and the memory are the receiver process's (zero and null in-process).</summary>
internal sealed record ThroughputRun(LoadResult Load, double P50Ms, double P99Ms, IReadOnlyDictionary<int, int> Statuses,
    RequestCounts Requests, TimeSpan Duration, TimeSpan ReceiverCpu, ProcessMemory? IdleMemory, ProcessMemory? Memory);

/// <summary>What one run cost during the flood, and whether its final status holds the last event sent.</summary>
internal sealed record FloodRunWrites(RequestCounts Requests, bool LatestWritten);

/// <summary>The flood measurement.</summary>
internal sealed record FloodRun(LoadResult Load, double P50Ms, double P99Ms, IReadOnlyDictionary<int, int> Statuses,
    IReadOnlyList<FloodRunWrites> Runs);
