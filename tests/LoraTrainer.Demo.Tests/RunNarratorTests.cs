using LoraTrainer.Api;
using LoraTrainer.Demo;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Demo.Tests;

/// <summary>How the demo prints a run's progress: redrawn in place on a terminal, a line at a time anywhere else.</summary>
public sealed class RunNarratorTests
{
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 25, 11, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Show_OnATerminal_RedrawsTheProgressBarInPlace()
    {
        var output = new StringWriter();
        var narrator = new RunNarrator(output, terminal: true, Time);

        ShowTraining(narrator);

        var text = output.ToString();
        Assert.Contains("\r  [##########..........]  50%  epoch 2/4  loss 0.2000", text, StringComparison.Ordinal);
        Assert.Equal(1, text.Split('\n').Count(line => line.Contains("phase training", StringComparison.Ordinal)));
    }

    [Fact]
    public void Show_OffATerminal_WritesALineWhenAnEpochStartsAndWhenTrainingIsDone_AndNoCarriageReturn()
    {
        var output = new StringWriter();
        var narrator = new RunNarrator(output, terminal: false, Time);

        ShowTraining(narrator);

        var text = output.ToString();
        Assert.DoesNotContain('\r', text);
        var bars = text.Split('\n').Where(line => line.StartsWith("  [", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["  [##..................]  10%  epoch 1/4  loss 0.4000", "  [##########..........]  50%  epoch 2/4  loss 0.2000", "  [####################] 100%  epoch 2/4  loss 0.1000"],
            bars);
    }

    [Fact]
    public void Show_NamesEachPhaseAsStatusPhaseDoes()
    {
        var output = new StringWriter();
        var narrator = new RunNarrator(output, terminal: false, Time);

        foreach (var phase in new[] { TrainingPhase.Pending, TrainingPhase.PendingGpu, TrainingPhase.PendingImages, TrainingPhase.PendingModel })
        {
            narrator.Show(new TrainingRunStatus { Phase = phase });
        }

        Assert.Equal(
            ["[11:00:00] phase pending", "[11:00:00] phase pendingGpu", "[11:00:00] phase pendingImages", "[11:00:00] phase pendingModel"],
            output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => string.Join(':', line.Split(':', 4).Take(3))));  // each line up to its detail
    }

    private static void ShowTraining(RunNarrator narrator)
    {
        narrator.Show(new TrainingRunStatus { Phase = TrainingPhase.Training });
        foreach (var (percent, epoch, loss) in new[] { (10, 1, 0.4), (30, 1, 0.3), (50, 2, 0.2), (70, 2, 0.15), (100, 2, 0.1) })
        {
            narrator.Show(new TrainingRunStatus { Phase = TrainingPhase.Training, Progress = new ProgressStatus { Percent = percent, Epoch = epoch, TotalEpochs = 4, Loss = loss } });
        }
    }
}
