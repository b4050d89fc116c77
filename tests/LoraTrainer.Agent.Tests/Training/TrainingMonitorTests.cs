using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Training.Output;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class TrainingMonitorTests
{
    private static (TrainingMonitor Monitor, List<TrainingUpdate> Updates) Feed(string transcript)
    {
        var monitor = new TrainingMonitor();
        var updates = new List<TrainingUpdate>();
        foreach (var line in ConsoleText.Lines(transcript))
        {
            if (TrainerOutputParser.Parse(line) is { } signal)
            {
                updates.AddRange(monitor.Observe(signal));
            }
        }

        return (monitor, updates);
    }

    private const string ThreeEpochs =
        "num epochs / epoch数: 3\ntotal optimization steps / 学習ステップ数: 6\n"
        + "steps:   0%|          | 0/6 [00:00<?, ?it/s]\nepoch 1/3\n"
        + "\rsteps:  17%|█▋        | 1/6 [00:01<00:05,  1.0it/s, avr_loss=0.5]\rsteps:  33%|███▎      | 2/6 [00:02<00:04,  1.0it/s, avr_loss=0.31]\n"
        + "saving checkpoint: /o/anna-000001.safetensors\nepoch 2/3\n"
        + "\rsteps:  50%|█████     | 3/6 [00:03<00:03,  1.0it/s, avr_loss=0.4]\rsteps:  67%|██████▋   | 4/6 [00:04<00:02,  1.0it/s, avr_loss=0.2]\n"
        + "saving checkpoint: /o/anna-000002.safetensors\nepoch 3/3\n"
        + "\rsteps:  83%|████████▎ | 5/6 [00:05<00:01,  1.0it/s, avr_loss=0.1]\rsteps: 100%|██████████| 6/6 [00:06<00:00,  1.0it/s, avr_loss=0.25]\n"
        + "saving checkpoint: /o/anna.safetensors\nmodel saved.\n";

    [Fact]
    public void Observe_TakesTheLastAverageLossBeforeEachEpochEndAsThatEpochsMean()
    {
        var (monitor, _) = Feed(ThreeEpochs);

        Assert.Equal(new Dictionary<int, double> { [1] = 0.31, [2] = 0.2, [3] = 0.25 }, monitor.ConsoleEpochLoss);
        Assert.Equal(3, monitor.TotalEpochs);
        Assert.Equal(6, monitor.TotalSteps);
        Assert.True(monitor.ModelSaved);
        Assert.Null(monitor.Failure);
    }

    [Fact]
    public void Observe_ReportsEachEpochOnceInOrder()
    {
        var (_, updates) = Feed(ThreeEpochs);

        var ended = updates.OfType<EpochEnded>().ToList();
        Assert.Equal([1, 2, 3], ended.Select(e => e.Epoch));
        Assert.Equal([0.31, 0.2, 0.25], ended.Select(e => e.ConsoleLoss!.Value));
    }

    [Fact]
    public void Observe_WhenAverageLossBecomesNaN_AsksToAbortAtOnce()
    {
        var (monitor, updates) = Feed("epoch 1/3\nsteps:  10%|█ | 1/10 [00:01<00:09, 1.0it/s, avr_loss=0.2]\rsteps:  20%|██ | 2/10 [00:02<00:08, 1.0it/s, avr_loss=nan]\r");

        Assert.IsType<AbortRequired>(updates.Last());
        Assert.Equal(TrainerFailure.NanLoss, monitor.Failure!.Failure);
    }

    [Fact]
    public void Observe_KeepsTheRealCauseWhenTheExitStatusLineFollowsIt()
    {
        var (monitor, _) = Feed("torch.OutOfMemoryError: CUDA out of memory.\nsubprocess.CalledProcessError: Command 'x' returned non-zero exit status 1.\n");

        Assert.Equal(TrainerFailure.CudaOutOfMemory, monitor.Failure!.Failure);
    }

    [Theory]
    [InlineData("/o/anna-000003.safetensors", 3)]
    [InlineData("/o/my-run-2-000012.safetensors", 12)]
    [InlineData("/o/anna.safetensors", null)]
    [InlineData("/o/run-2024.safetensors", null)]
    public void EpochOfCheckpoint_ReadsTheSixDigitSuffix(string path, int? epoch)
    {
        Assert.Equal(epoch, TrainingMonitor.EpochOfCheckpoint(path));
    }

    [Fact]
    public void Observe_TakesTheLastValidationMeanOfEachEpochsValidationPass()
    {
        // validate_every_n_epochs = 2: only epoch 2 is validated; the per-step "validation steps" bar does not count.
        var (monitor, updates) = Feed(
            "num epochs / epoch数: 3\nepoch 1/3\n"
            + "\rsteps:  33%|███▎      | 2/6 [00:02<00:04,  1.0it/s, avr_loss=0.31]\n"
            + "\rvalidation steps: 100%|██████████| 4/4 [00:01<00:00,  3.0it/s, val_avg_loss=0.5, timestep=800]\n"
            + "saving checkpoint: /o/anna-000001.safetensors\nepoch 2/3\n"
            + "\rsteps:  67%|██████▋   | 4/6 [00:04<00:02,  1.0it/s, avr_loss=0.2]\n"
            + "\repoch validation steps:  50%|█████     | 2/4 [00:01<00:01,  2.0it/s, val_epoch_avg_loss=0.3, timestep=400]"
            + "\repoch validation steps: 100%|██████████| 4/4 [00:02<00:00,  2.0it/s, val_epoch_avg_loss=0.24, timestep=800]\n"
            + "saving checkpoint: /o/anna-000002.safetensors\nepoch 3/3\n"
            + "\rsteps: 100%|██████████| 6/6 [00:06<00:00,  1.0it/s, avr_loss=0.25]\n"
            + "saving checkpoint: /o/anna.safetensors\nmodel saved.\n");

        Assert.Equal(new Dictionary<int, double> { [2] = 0.24 }, monitor.ConsoleValidationLoss);
        Assert.Equal(new Dictionary<int, double> { [1] = 0.31, [2] = 0.2, [3] = 0.25 }, monitor.ConsoleEpochLoss);
        Assert.Equal([null, 0.24, null], updates.OfType<EpochEnded>().Select(e => e.ConsoleValidationLoss));
        Assert.DoesNotContain(updates.OfType<ProgressMoved>(), p => p.Progress.TotalSteps == 4);
    }

    [Fact]
    public void Observe_WhenAValidationPassPrintsAfterItsEpochsCheckpoint_GivesTheLossToThatEpochAndNotTheNext()
    {
        // validate_every_n_epochs = 2, with epoch 2's validation bar printed after its checkpoint line.
        var (monitor, updates) = Feed(
            "num epochs / epoch数: 3\nepoch 1/3\n"
            + "\rsteps:  33%|███▎      | 2/6 [00:02<00:04,  1.0it/s, avr_loss=0.31]\n"
            + "saving checkpoint: /o/anna-000001.safetensors\nepoch 2/3\n"
            + "\rsteps:  67%|██████▋   | 4/6 [00:04<00:02,  1.0it/s, avr_loss=0.2]\n"
            + "saving checkpoint: /o/anna-000002.safetensors\n"
            + "\repoch validation steps: 100%|██████████| 4/4 [00:02<00:00,  2.0it/s, val_epoch_avg_loss=0.24, timestep=800]\n"
            + "epoch 3/3\n"
            + "\rsteps: 100%|██████████| 6/6 [00:06<00:00,  1.0it/s, avr_loss=0.25]\n"
            + "saving checkpoint: /o/anna.safetensors\nmodel saved.\n");

        Assert.Equal(new Dictionary<int, double> { [2] = 0.24 }, monitor.ConsoleValidationLoss);
        Assert.Equal(0.24, updates.OfType<EpochEnded>().Last(e => e.Epoch == 2).ConsoleValidationLoss);
        Assert.Equal(0.2, updates.OfType<EpochEnded>().Last(e => e.Epoch == 2).ConsoleLoss);
        Assert.Null(Assert.Single(updates.OfType<EpochEnded>(), e => e.Epoch == 3).ConsoleValidationLoss);
    }

    [Fact]
    public void Observe_WhenEveryValidationPassPrintsAfterItsCheckpoint_GivesEachEpochItsOwnLoss()
    {
        var (monitor, _) = Feed(
            "num epochs / epoch数: 2\nepoch 1/2\n"
            + "\rsteps:  50%|█████     | 2/4 [00:02<00:02,  1.0it/s, avr_loss=0.31]\n"
            + "saving checkpoint: /o/anna-000001.safetensors\n"
            + "\repoch validation steps: 100%|██████████| 4/4 [00:02<00:00,  2.0it/s, val_epoch_avg_loss=0.33, timestep=800]\n"
            + "epoch 2/2\n"
            + "\rsteps: 100%|██████████| 4/4 [00:04<00:00,  1.0it/s, avr_loss=0.2]\n"
            + "\repoch validation steps: 100%|██████████| 4/4 [00:02<00:00,  2.0it/s, val_epoch_avg_loss=0.21, timestep=800]\n"
            + "saving checkpoint: /o/anna.safetensors\nmodel saved.\n");

        Assert.Equal(new Dictionary<int, double> { [1] = 0.33, [2] = 0.21 }, monitor.ConsoleValidationLoss);
    }
}
