using System.Globalization;
using LoraTrainer.Api;
using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;

namespace LoraTrainer.Benchmarks.Startup;

/// <summary>
/// Seeds TrainingRuns that went through a whole lifecycle: each status is built by the phase machine from the
/// inputs a real run produces (accepted, GPU allocated, the agent's events, upload verified), then released as the
/// operator releases it, with the finalizer in place. Their cache entries weigh what a real completed run's weigh, and
/// reconciling one writes nothing.
/// </summary>
internal static class CompletedRuns
{
    private const int Epochs = 3;

    public static void Seed(FakeKubeApiServer kube, int count)
    {
        var started = TimeProvider.System.GetUtcNow().AddHours(-2);
        for (var i = 0; i < count; i++)
        {
            var name = $"done-{i:D4}";
            var run = new TrainingRunBuilder().Named(name, BenchmarkWorld.Namespace).Build();
            run.Metadata.Uid = null;
            run.Metadata.Finalizers = [TrainingRun.ReleaseFinalizer];
            run.Status = Lifecycle(run, name, i, started.AddSeconds(i));
            RunSeeding.SeedWithSecret(kube, run);
        }
    }

    private static TrainingRunStatus Lifecycle(TrainingRun run, string name, int index, DateTimeOffset at)
    {
        var gpu = new GpuStatus
        {
            InstanceId = (7_900_000 + index).ToString(CultureInfo.InvariantCulture), OfferId = (5_000_000 + index).ToString(CultureInfo.InvariantCulture),
            MachineId = (100_000 + index).ToString(CultureInfo.InvariantCulture), GpuName = "RTX 4090", NumGpus = 1, PricePerHour = 0.35,
        };
        long seq = 0;
        List<PhaseInput> inputs =
        [
            new AcceptedInput(), new GpuAllocatedInput(gpu), new GpuReadyInput(++seq, 1, "RTX 4090", 24564),
            new ImagesDownloadedInput(++seq, 1, 2, 2, 4_512), new ModelDownloadedInput(++seq, 1, 2_132_625_894, new string('a', 64)), new ReadyInput(++seq, 1),
        ];
        for (var epoch = 1; epoch <= Epochs; epoch++)
        {
            inputs.Add(new ProgressInput(++seq, 1, epoch * 100 / Epochs, epoch * 100L, Epochs * 100L, epoch, Epochs, 0.12 - (0.01 * epoch), (Epochs - epoch) * 600L));
            inputs.Add(new EpochCompletedInput(++seq, 1, epoch, 0.12 - (0.01 * epoch)));
        }

        inputs.Add(new TrainingCompletedInput(++seq, 1, [.. Enumerable.Range(1, Epochs).Select(e => new EpochLoss { Epoch = e, Loss = 0.12 - (0.01 * e) })], Epochs));
        inputs.Add(new UploadedInput(++seq, 1, Epochs, 0.09, $"s3://{BenchmarkWorld.OutputBucket}/loras/{name}.safetensors", 16_384, new string('b', 64)));
        inputs.Add(new UploadVerifiedInput());

        foreach (var (input, step) in inputs.Select((input, step) => (input, step)))
        {
            var result = PhaseMachine.Apply(run, input, at.AddMinutes(step));
            run.Status = result.Accepted ? result.Status : throw new InvalidOperationException($"the phase machine refused {input.GetType().Name}: {result.Ignored}");
        }

        var status = run.Status!;
        var released = at.AddMinutes(inputs.Count);
        return status with
        {
            Gpu = status.Gpu! with { ReleasedAt = released },
            Cost = new CostStatus { EstimatedUsd = 0.35, ReleasedUsd = 0.35 },
        };
    }
}
