using System.Diagnostics.Metrics;
using System.Text.Json;
using LoraTrainer.Api;
using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoraTrainer.Benchmarks.Runtime;

/// <summary>
/// <c>runtime</c>: the controller runtime (informer, work queue, controller, resource writer over
/// CustomResourceClient) against the fake holding N TrainingRuns: time to the first synced cache, time until
/// every object was reconciled and its status written, memory once steady, reconciles per second, and the
/// API requests it made per object.
/// </summary>
internal sealed class RuntimeBenchmark : IBenchmark
{
    private static readonly TimeProvider Time = TimeProvider.System;
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PassTimeout = TimeSpan.FromMinutes(5);

    public string Name => "runtime";

    public string Summary => "controller runtime against the fake: initial sync, steady memory, reconcile throughput, requests per object";

    public string Usage => """
        runtime [--objects 1000] [--workers 4] [--repeats 3]
          --objects      TrainingRuns in the fake
          --workers      concurrent reconciles (ControllerOptions.Workers; the operator's default is 4)
          --repeats      runs, each in a fresh process (cold start, clean memory); medians are reported
          --result-file  (used by the runs themselves) measure once in this process and write the figures here as JSON
        """;

    public IReadOnlyList<string> Options => ["objects", "workers", "repeats", "result-file"];

    public async Task RunAsync(BenchmarkOptions options, Report report, CancellationToken cancellationToken)
    {
        var objects = options.Int("objects", 1000);
        var workers = options.Int("workers", 4, max: 256);
        var repeats = options.Int("repeats", 3, max: 50);
        if (options.Text("result-file") is { } resultFile)
        {
            var run = await MeasureOnceAsync(objects, workers, cancellationToken);
            await File.WriteAllTextAsync(resultFile, JsonSerializer.Serialize(run), cancellationToken);
            return;
        }

        var runs = new List<RuntimeRun>();
        var file = Path.GetTempFileName();
        try
        {
            for (var repeat = 1; repeat <= repeats; repeat++)
            {
                string[] arguments = [Name, "--objects", $"{objects}", "--workers", $"{workers}", "--result-file", file];
                await FreshProcess.RunAsync(arguments, cancellationToken);
                runs.Add(JsonSerializer.Deserialize<RuntimeRun>(await File.ReadAllTextAsync(file, cancellationToken))
                    ?? throw new InvalidOperationException("the measuring process wrote no figures"));
                Console.Error.WriteLine($"runtime: run {repeat}/{repeats} done");
            }
        }
        finally
        {
            File.Delete(file);
        }

        RuntimeReport.Print(report, runs, objects, workers);
    }

    private static async Task<RuntimeRun> MeasureOnceAsync(int objects, int workers, CancellationToken cancellationToken)
    {
        await using var cluster = await SeededCluster.StartAsync(objects, new FakeKubeApiServerOptions { RequestLogCapacity = (20 * objects) + 10_000 }, cancellationToken);
        var metrics = new RuntimeMetrics();
        var informer = new Informer<TrainingRun>(cluster.Runs, new InformerOptions(), Time, metrics, NullLogger<Informer<TrainingRun>>.Instance);
        var reconciler = new StatusReconciler(informer, new ResourceWriter<TrainingRun, TrainingRunStatus>(cluster.Runs));
        var controller = new Controller<TrainingRun>("benchmark", informer, reconciler, new ControllerOptions { Workers = workers }, Time, metrics,
            NullLogger<Controller<TrainingRun>>.Instance);

        // The fake keeps every replaced version for watch replay; forget them, so only the runtime's growth counts.
        cluster.Kube.CompactHistory();
        var idle = MemoryProbe.AfterFullCollection();
        cluster.Kube.ClearRequestLog();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = PeakMemorySampler.Start();
        var cpu = Environment.CpuUsage.TotalTime;
        var started = Time.GetTimestamp();
        var running = controller.RunAsync(stop.Token);

        await informer.Synced.WaitAsync(PassTimeout, cancellationToken);
        var synced = new LoadResult(objects, Time.GetElapsedTime(started), Environment.CpuUsage.TotalTime - cpu);
        await Eventually.UntilAsync(() => reconciler.Writes >= objects, PassTimeout, "every object's first status write", interval: Poll.Interval, cancellationToken: cancellationToken);
        var firstPass = new LoadResult(objects, Time.GetElapsedTime(started), Environment.CpuUsage.TotalTime - cpu);
        await reconciler.UntilQuietAsync(Quiet, cancellationToken);
        var peak = sampler.Stop();
        var startup = new PassCounts(reconciler.Reconciles, reconciler.Writes, reconciler.Failures);
        var requests = RequestCounts.From(cluster.Kube.RequestLog);
        cluster.Kube.CompactHistory();
        var steady = MemoryProbe.AfterFullCollection();

        var noWrite = await PassAsync(controller, reconciler, cluster, newPass: false, cancellationToken);
        var withWrite = await PassAsync(controller, reconciler, cluster, newPass: true, cancellationToken);

        await stop.CancelAsync();
        await running;
        return new RuntimeRun(synced, firstPass, startup, requests, idle, steady, peak, noWrite, withWrite);
    }

    /// <summary>
    /// Enqueues every key by hand and times until each was reconciled once: with <paramref name="newPass"/> each
    /// reconcile writes status (and its watch echo causes one more, no-op, reconcile); without, nothing is written.
    /// </summary>
    private static async Task<PassFigures> PassAsync(Controller<TrainingRun> controller, StatusReconciler reconciler, SeededCluster cluster,
        bool newPass, CancellationToken cancellationToken)
    {
        var objects = cluster.Keys.Count;
        reconciler.ResetCounts();
        if (newPass)
        {
            reconciler.Pass++;
        }

        Func<bool> done = newPass ? () => reconciler.Writes >= objects : () => reconciler.Reconciles >= objects;
        var pass = await LoadResult.MeasureAsync(async () =>
        {
            foreach (var key in cluster.Keys)
            {
                controller.Enqueue(key);
            }

            await Eventually.UntilAsync(done, PassTimeout, "a pass over every object", interval: Poll.Interval, cancellationToken: cancellationToken);
            return objects;
        });
        await reconciler.UntilQuietAsync(Quiet, cancellationToken);
        return new PassFigures(pass, new PassCounts(reconciler.Reconciles, reconciler.Writes, reconciler.Failures));
    }
}

/// <summary>What the reconciler did during a phase.</summary>
internal sealed record PassCounts(long Reconciles, long Writes, long Failures);

/// <summary>A timed pass over every object.</summary>
internal sealed record PassFigures(LoadResult Pass, PassCounts Counts);

/// <summary>Everything one run of the runtime benchmark measured.</summary>
internal sealed record RuntimeRun(
    LoadResult Synced,
    LoadResult FirstPass,
    PassCounts Startup,
    RequestCounts Requests,
    MemoryReading Idle,
    MemoryReading Steady,
    MemoryReading Peak,
    PassFigures NoWrite,
    PassFigures WithWrite);
