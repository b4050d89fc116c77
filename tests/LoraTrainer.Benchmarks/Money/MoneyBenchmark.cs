using LoraTrainer.Api;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Benchmarks.Zip;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>
/// <c>money</c>: how quickly the real operator acts where money is at stake, measured in wall-clock time against the
/// Kubernetes API fake, the Vast simulator, s3rver and the Civitai fake, with the real receiver: apply → Vast create,
/// completion event → instance destroyed, deadline passed → stalled and destroyed, leaked instance → destroyed by
/// the orphan sweep. Each measurement runs on its own stack, all at once.
/// </summary>
internal sealed class MoneyBenchmark : IBenchmark
{
    private const string Portraits = "portraits/";
    private const string WarmUp = "warm-up/";
    private const string Small = "small/";

    public string Name => "money";

    public string Summary => "operator where money is at stake: apply → create, completion/deadline → destroy, orphan sweep";

    public string Usage => """
        money [--runs 20] [--heartbeat-runs 10] [--deadline 3] [--sweep-interval 5] [--sweep-grace 1] [--images 30] [--image-size 2MB] [--train-seconds 3] [--measure apply,deadline,heartbeat,sweep]
          --runs            runs measured for apply → create and completion → destroy, for the pendingGpu deadline, and leaked instances swept
          --heartbeat-runs  runs measured for the training heartbeat deadline
          --deadline        the runs' pendingGpu / heartbeat deadline in whole seconds (spec.runPolicy.deadlines)
          --sweep-interval  Vast:SweepInterval of the sweep measurement, seconds (default 5 minutes in the product)
          --sweep-grace     Vast:SweepGracePeriod of the sweep measurement, seconds (default 10 minutes in the product)
          --images          images in the dataset of the apply measurement (one caption each)
          --image-size      size of each image
          --train-seconds   how long each completed run trains (progress once a second) before it uploads
          --measure         which measurements to run, all at once on their own stacks
        needs node and npm: s3rver is installed into the repository (`npm ci`) on first use.
        """;

    public IReadOnlyList<string> Options => ["runs", "heartbeat-runs", "deadline", "sweep-interval", "sweep-grace", "images", "image-size", "train-seconds", "measure"];

    public async Task RunAsync(BenchmarkOptions options, Report report, CancellationToken cancellationToken)
    {
        var plan = new MoneyPlan(
            Runs: options.Int("runs", 20, max: 500),
            HeartbeatRuns: options.Int("heartbeat-runs", 10, max: 500),
            Deadline: TimeSpan.FromSeconds(options.Int("deadline", 3, max: 600)),
            SweepInterval: options.Seconds("sweep-interval", 5, min: 1),
            SweepGrace: options.Seconds("sweep-grace", 1, min: 0),
            Images: options.Int("images", 30, max: 10_000),
            ImageBytes: options.Bytes("image-size", 2L << 20, min: 1024),
            Training: options.Seconds("train-seconds", 3, min: 0),
            Measure: Measurements(options.Text("measure")));
        if (await S3rverServer.EnsureInstalledAsync(cancellationToken) is { } unavailable)
        {
            throw new ArgumentException(unavailable);
        }

        await using var s3 = await S3rverServer.StartAsync(cancellationToken);
        await using var civitai = await CivitaiFake.StartAsync(cancellationToken: cancellationToken);
        civitai.Add(MoneyRuns.Model);
        await s3.EnsureBucketAsync(MoneyRuns.ImagesBucket, cancellationToken);
        await s3.EnsureBucketAsync(MoneyRuns.OutputBucket, cancellationToken);
        var dataset = await SyntheticDataset.UploadAsync(s3, MoneyRuns.ImagesBucket, Portraits, plan.Images, plan.ImageBytes, cancellationToken);
        await SyntheticDataset.UploadAsync(s3, MoneyRuns.ImagesBucket, WarmUp, 2, 64 << 10, cancellationToken);
        await SyntheticDataset.UploadAsync(s3, MoneyRuns.ImagesBucket, Small, 4, 256 << 10, cancellationToken);

        var started = TimeProvider.System.GetTimestamp();
        var results = new MoneyResults(plan, dataset);
        await RunAllAsync(plan.Measure.Select<string, Func<CancellationToken, Task>>(measurement => measurement switch
        {
            "apply" => ct => MeasureApplyAsync(plan, s3, civitai, results, ct),
            "deadline" => ct => MeasureDeadlineAsync(plan, TrainingPhase.PendingGpu, plan.Runs, s3, civitai, results, ct),
            "heartbeat" => ct => MeasureDeadlineAsync(plan, TrainingPhase.Training, plan.HeartbeatRuns, s3, civitai, results, ct),
            _ => ct => MeasureSweepAsync(plan, s3, civitai, results, ct),
        }), cancellationToken);
        results.Elapsed = TimeProvider.System.GetElapsedTime(started);
        MoneyReport.Print(report, results);
    }

    /// <summary>Runs the measurements at once; the first to fail stops the others, and its error is the one reported.</summary>
    private static async Task RunAllAsync(IEnumerable<Func<CancellationToken, Task>> measurements, CancellationToken cancellationToken)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = measurements.Select(async measure =>
        {
            try
            {
                await measure(abort.Token);
            }
            catch
            {
                await abort.CancelAsync();
                throw;
            }
        }).ToList();
        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested
            && running.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static async Task MeasureApplyAsync(MoneyPlan plan, S3rverServer s3, CivitaiFake civitai, MoneyResults results, CancellationToken cancellationToken)
    {
        await using var stack = await MoneyStack.StartAsync("apply", s3, civitai, new Dictionary<string, string?>(), cancellationToken);
        var scenario = new ApplyScenario(stack, plan.Training);
        await scenario.RunOnceAsync("warm-up", WarmUp, cancellationToken);
        results.FirstApply = (await scenario.RunOnceAsync("first", Portraits, cancellationToken)).Apply;
        for (var i = 1; i <= plan.Runs; i++)
        {
            var (apply, completion) = await scenario.RunOnceAsync($"run-{i:D3}", Portraits, cancellationToken);
            results.Applies.Add(apply);
            results.Completions.Add(completion);
            Progress(stack, i, plan.Runs);
        }

        results.Calls[stack.Name] = stack.Calls();
    }

    private static async Task MeasureDeadlineAsync(MoneyPlan plan, TrainingPhase phase, int runs, S3rverServer s3, CivitaiFake civitai, MoneyResults results,
        CancellationToken cancellationToken)
    {
        var name = phase == TrainingPhase.PendingGpu ? "deadline" : "heartbeat";
        await using var stack = await MoneyStack.StartAsync(name, s3, civitai, new Dictionary<string, string?>(), cancellationToken);
        var scenario = new DeadlineScenario(stack, phase, plan.Deadline);
        await scenario.RunOnceAsync("warm-up", Small, cancellationToken);
        var samples = phase == TrainingPhase.PendingGpu ? results.PendingGpuDeadlines : results.HeartbeatDeadlines;
        for (var i = 1; i <= runs; i++)
        {
            samples.Add(await scenario.RunOnceAsync($"run-{i:D3}", Small, cancellationToken));
            Progress(stack, i, runs);
        }

        results.Calls[stack.Name] = stack.Calls();
    }

    private static async Task MeasureSweepAsync(MoneyPlan plan, S3rverServer s3, CivitaiFake civitai, MoneyResults results, CancellationToken cancellationToken)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Vast:SweepInterval"] = plan.SweepInterval.ToString("c"),
            ["Vast:SweepGracePeriod"] = plan.SweepGrace.ToString("c"),
        };
        await using var stack = await MoneyStack.StartAsync("sweep", s3, civitai, overrides, cancellationToken);
        var scenario = new SweepScenario(stack, plan.SweepInterval, plan.SweepGrace);
        var since = TimeProvider.System.GetUtcNow();
        await scenario.StartLiveRunAsync(Small, cancellationToken);
        await scenario.RunOnceAsync(cancellationToken);
        for (var i = 1; i <= plan.Runs; i++)
        {
            results.Sweeps.Add(await scenario.RunOnceAsync(cancellationToken));
            Progress(stack, i, plan.Runs);
        }

        results.LiveRun = scenario.CheckLiveRun(since);
        results.Calls[stack.Name] = stack.Calls();
    }

    private static IReadOnlyList<string> Measurements(string? text)
    {
        string[] all = ["apply", "deadline", "heartbeat", "sweep"];
        if (text is null)
        {
            return all;
        }

        var chosen = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        return chosen.Count > 0 && chosen.All(all.Contains)
            ? chosen
            : throw new ArgumentException($"--measure takes a comma-separated list of {string.Join(", ", all)}, got '{text}'");
    }

    private static void Progress(MoneyStack stack, int done, int of) => Console.Error.WriteLine($"money: {stack.Name} {done}/{of}");
}
