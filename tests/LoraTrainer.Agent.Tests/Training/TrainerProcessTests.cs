using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Training.Output;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class TrainerProcessTests
{
    private const int Epochs = 300;

    // Like sd-scripts: epoch lines on stdout (with the leading newline accelerator.print gives them), the progress bar
    // (whose avr_loss is the epoch's mean so far) on stderr, as fast as Python can write them. Epoch e's mean loss is e/1000.
    private static readonly string InterleavingTrainer = $$"""
        import sys
        n = {{Epochs}}
        print(f"num epochs / epoch数: {n}", flush=True)
        for e in range(1, n + 1):
            print(f"\nepoch {e}/{n}", flush=True)
            sys.stderr.write(f"\rsteps: {e * 100 // n:3d}%|#| {e}/{n} [00:01<00:01,  1.00it/s, avr_loss={e / 1000:.3f}]")
            sys.stderr.flush()
        print("\nmodel saved.", flush=True)
        """;

    private static Task<TrainerExit> RunAsync(IReadOnlyList<string> argv, Func<TrainerSignal, bool> onSignal, string workingDirectory) =>
        new TrainerProcess(NullLogger<TrainerProcess>.Instance).RunAsync(argv, workingDirectory, 40, onSignal, TestContext.Current.CancellationToken);

    [Fact]
    public async Task RunAsync_WhenTheBarAndTheEpochLinesComeOnDifferentStreams_GivesEachEpochItsOwnConsoleLoss()
    {
        using var work = new TempFolder();
        var monitor = new TrainingMonitor();

        var exit = await RunAsync(["python3", "-c", InterleavingTrainer], signal =>
        {
            monitor.Observe(signal);
            return false;
        }, work.Path);

        Assert.Equal(0, exit.ExitCode);
        Assert.True(monitor.ModelSaved);
        var wrong = Enumerable.Range(1, Epochs)
            .Where(e => !monitor.ConsoleEpochLoss.TryGetValue(e, out var loss) || Math.Abs(loss - (e / 1000.0)) > 1e-9)
            .Select(e => $"epoch {e}: {(monitor.ConsoleEpochLoss.TryGetValue(e, out var loss) ? loss : double.NaN)}")
            .ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} epoch(s) got another epoch's loss: {string.Join(", ", wrong.Take(5))}");
    }

    [Fact]
    public async Task RunAsync_WhenTheTrainerProgramDoesNotExist_EndsWithTheShellsNotFoundCode()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("The trainer is started through /bin/sh on Linux only.");
            return;
        }

        using var work = new TempFolder();

        var exit = await RunAsync(["lora-agent-tests-no-such-accelerate", "launch"], _ => false, work.Path);

        Assert.Equal(TrainingVerdict.CommandNotFoundExitCode, exit.ExitCode);
        Assert.Contains(exit.LogTail, line => line.Contains("not found", StringComparison.Ordinal));
        Assert.Contains("could not be started", TrainingVerdict.Failure(exit.ExitCode, new TrainingMonitor(), false, "anna.safetensors"), StringComparison.Ordinal);
    }
}
