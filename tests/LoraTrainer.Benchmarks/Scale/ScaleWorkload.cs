using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Zip;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Vast;
using LoraTrainer.Testing.World;

namespace LoraTrainer.Benchmarks.Scale;

/// <summary>
/// The runs of the scale benchmark: each with its own dataset (two tiny images and their captions under its own
/// prefix, so the operator zips every run's images as it would for different users), an SD 1.5 base model from a URL,
/// and one Vast offer per run (plus a tenth spare) on distinct machines at spread prices.
/// </summary>
internal sealed class ScaleWorkload(TestWorld fakes, int runs, int epochs)
{
    private const int ImageBytes = 2_000;
    private const int ApplyConcurrency = 8;

    public static string Name(int index) => $"run-{index:D5}";

    /// <summary>Puts the datasets in S3 and the offers on the market (not timed).</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        fakes.Vast.AddOffers(Enumerable.Range(0, runs + (runs / 10) + 1).Select(i => new SimulatedOffer
        {
            Id = 5_000_000 + i,
            DphBase = 0.30 + (0.01 * (i % 40)),
        }));
        await Parallel.ForEachAsync(Enumerable.Range(0, runs), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (i, ct) => await SyntheticDataset.UploadAsync(fakes.S3, BenchmarkWorld.ImagesBucket, Prefix(i), 2, ImageBytes, ct));
    }

    /// <summary>Creates every TrainingRun through the API, as <c>kubectl apply</c> would, a few at a time.</summary>
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        using var client = fakes.CreateBenchmarkClient();
        await Parallel.ForEachAsync(Enumerable.Range(0, runs), new ParallelOptions { MaxDegreeOfParallelism = ApplyConcurrency, CancellationToken = cancellationToken },
            async (i, ct) => await TrainingRunRequests.CreateAsync(client, Run(i), ct));
    }

    private static string Prefix(int index) => $"people/{Name(index)}/";

    private TrainingRun Run(int index)
    {
        var run = new TrainingRunBuilder().Named(Name(index), BenchmarkWorld.Namespace).WithSpec(s => s with
        {
            BaseModel = new BaseModelSpec
            {
                Url = new UrlModelSource { Url = "https://models.example.com/sd15/v1-5-pruned-emaonly.safetensors", Sha256 = new string('a', 64) },
                Family = ModelFamily.Sd15,
            },
            Dataset = s.Dataset with { S3 = new S3Location { Bucket = BenchmarkWorld.ImagesBucket, Prefix = Prefix(index) } },
            Output = new OutputSpec { S3 = new S3Location { Bucket = BenchmarkWorld.OutputBucket, Prefix = "loras/" } },
            Training = new TrainingSpec { MaxTrainEpochs = epochs, BatchSize = 1 },
            Gpu = new GpuSpec { MaxPricePerHour = 5 },
        }).Build();
        run.Metadata = new V1ObjectMeta { Name = Name(index), NamespaceProperty = BenchmarkWorld.Namespace };
        run.Status = null;
        return run;
    }
}
