using System.Text.Json.Nodes;
using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Benchmarks.KubeFake;

/// <summary>
/// <c>kube-fake</c>: how many requests the Kubernetes API fake answers for the real KubernetesClient (through
/// <see cref="Cluster.CustomResourceClient{TResource}"/>, as the operator calls it): GET, status PATCH, LIST of
/// every object, and watch events delivered live and replayed from history.
/// </summary>
internal sealed class KubeFakeBenchmark : IBenchmark
{
    public string Name => "kube-fake";

    public string Summary => "request throughput of the Kubernetes API fake with the real KubernetesClient";

    public string Usage => """
        kube-fake [--objects 1000] [--seconds 5] [--concurrency 8] [--repeats 3] [--events 5000]
          --objects      TrainingRuns seeded (LIST returns them all)
          --seconds      length of each GET and PATCH measurement
          --concurrency  requests in flight in the concurrent measurements (the single-loop ones use 1)
          --repeats      how many times every measurement runs; medians are reported
          --events       status patches written while a watch is open, then replayed from history
        """;

    public IReadOnlyList<string> Options => ["objects", "seconds", "concurrency", "repeats", "events"];

    public async Task RunAsync(BenchmarkOptions options, Report report, CancellationToken cancellationToken)
    {
        var objects = options.Int("objects", 1000);
        var duration = options.Seconds("seconds", 5);
        var concurrency = options.Int("concurrency", 8, max: 1000);
        var repeats = options.Int("repeats", 3, max: 50);
        var events = options.Int("events", 5000, max: 100_000);

        await using var cluster = await SeededCluster.StartAsync(objects, new FakeKubeApiServerOptions { HistoryCapacity = Math.Max(10_000, 2 * events) }, cancellationToken);
        report.Section("setup");
        report.Figure("TrainingRuns seeded", $"{objects:N0} in {cluster.SeedTime.TotalSeconds:N1} s (in-process, validated against the CRD schema)");
        var probe = new KubeFakeProbe(cluster);
        await probe.WarmUpAsync(cancellationToken);

        var results = new List<KubeFakeRun>();
        for (var repeat = 1; repeat <= repeats; repeat++)
        {
            results.Add(await MeasureOnceAsync(probe, duration, concurrency, events, cancellationToken));
            Console.Error.WriteLine($"kube-fake: run {repeat}/{repeats} done");
        }

        Print(report, results, objects, concurrency, events);
    }

    private static async Task<KubeFakeRun> MeasureOnceAsync(KubeFakeProbe probe, TimeSpan duration, int concurrency, int events, CancellationToken cancellationToken)
    {
        var getSerial = new LatencyRecorder();
        var patchSerial = new LatencyRecorder();
        return new KubeFakeRun(
            GetSerial: await probe.GetsAsync(1, duration, getSerial, cancellationToken),
            GetSerialP50: getSerial.PercentileMs(50),
            GetConcurrent: await probe.GetsAsync(concurrency, duration, null, cancellationToken),
            PatchSerial: await probe.PatchesAsync(1, duration, patchSerial, cancellationToken),
            PatchSerialP50: patchSerial.PercentileMs(50),
            PatchConcurrent: await probe.PatchesAsync(concurrency, duration, null, cancellationToken),
            List: await probe.ListAsync(10, cancellationToken),
            Watch: await probe.WatchAsync(events, concurrency, cancellationToken));
    }

    private static void Print(Report report, List<KubeFakeRun> runs, int objects, int concurrency, int events)
    {
        IReadOnlyList<double> Of(Func<KubeFakeRun, double> pick) => [.. runs.Select(pick)];

        report.Section("GET one TrainingRun");
        PrintRequests(report, "GET", runs, r => (r.GetSerial, r.GetSerialP50, r.GetConcurrent), concurrency);
        report.Section("PATCH status (merge patch, a real change every time)");
        PrintRequests(report, "PATCH", runs, r => (r.PatchSerial, r.PatchSerialP50, r.PatchConcurrent), concurrency);

        report.Section($"LIST all {objects:N0} TrainingRuns (pages of 500, as the informer lists)");
        report.Repeated("LIST time (mean of 10 per run)", Of(r => r.List.Elapsed.TotalMilliseconds / r.List.Completed), "ms", "N1");
        report.Repeated("CPU per LIST (client + fake)", Of(r => r.List.Cpu.TotalMilliseconds / r.List.Completed), "ms", "N1");
        report.Repeated("objects listed per second", Of(r => objects * r.List.PerSecond), "obj/s");

        report.Section($"WATCH: {events:N0} status patches by {concurrency} writers, one watch open");
        report.Repeated("writes/s while watched", Of(r => r.Watch.WritesPerSecond), "req/s");
        report.Repeated("events delivered/s (live)", Of(r => r.Watch.Live.PerSecond), "events/s");
        report.Repeated("write sent → event received, p50", Of(r => r.Watch.LagP50Ms), "ms", "N1");
        report.Repeated("write sent → event received, p99", Of(r => r.Watch.LagP99Ms), "ms", "N1");
        report.Repeated("events delivered/s (replayed from history)", Of(r => r.Watch.Replay.PerSecond), "events/s");
        report.Repeated("CPU per replayed event (client + fake)", Of(r => r.Watch.Replay.CpuMicrosecondsEach), "µs");
        report.Note("client and server share the process and its cores; every figure includes the client's own JSON work.");
        report.Note(LoadNotes.Capacity);
    }

    private static void PrintRequests(Report report, string verb, List<KubeFakeRun> runs,
        Func<KubeFakeRun, (LoadResult Serial, double SerialP50, LoadResult Concurrent)> pick, int concurrency)
    {
        var figures = runs.Select(pick).ToList();
        IReadOnlyList<double> Of(Func<(LoadResult Serial, double SerialP50, LoadResult Concurrent), double> value) => [.. figures.Select(value)];
        report.Repeated($"{verb}/s, 1 in flight", Of(f => f.Serial.PerSecond), "req/s");
        report.Repeated($"{verb} latency p50, 1 in flight", Of(f => f.SerialP50), "ms", "N2");
        report.Repeated($"{verb}/s, {concurrency} in flight", Of(f => f.Concurrent.PerSecond), "req/s");
        report.Repeated($"CPU per {verb} (client + fake)", Of(f => f.Concurrent.CpuMicrosecondsEach), "µs");
        report.Repeated($"{verb}/s the CPU cost allows on idle cores", Of(f => f.Concurrent.CapacityPerSecond), "req/s");
    }

    private sealed record KubeFakeRun(LoadResult GetSerial, double GetSerialP50, LoadResult GetConcurrent, LoadResult PatchSerial, double PatchSerialP50,
        LoadResult PatchConcurrent, LoadResult List, WatchFigures Watch);
}

/// <summary>Watch delivery figures of one run.</summary>
internal sealed record WatchFigures(double WritesPerSecond, LoadResult Live, double LagP50Ms, double LagP99Ms, LoadResult Replay);

/// <summary>A status merge patch that always changes <c>status.message</c>.</summary>
internal static class MessagePatch
{
    public static JsonObject With(string message) => new() { ["status"] = new JsonObject { ["message"] = message } };
}
