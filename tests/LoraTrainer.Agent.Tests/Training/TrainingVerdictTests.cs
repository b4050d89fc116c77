using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Training.Output;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class TrainingVerdictTests
{
    private static TrainingMonitor Monitor(params string[] lines)
    {
        var monitor = new TrainingMonitor();
        foreach (var line in lines)
        {
            if (TrainerOutputParser.Parse(line) is { } signal)
            {
                monitor.Observe(signal);
            }
        }

        return monitor;
    }

    [Fact]
    public void Failure_WithExitZeroModelSavedAndTheFinalFile_IsSuccess()
    {
        Assert.Null(TrainingVerdict.Failure(0, Monitor("epoch 1/1", "model saved."), finalFileExists: true, "anna.safetensors"));
    }

    [Fact]
    public void Failure_WhenModelSavedButTheFinalFileIsMissing_SaysWhichFile()
    {
        var failure = TrainingVerdict.Failure(0, Monitor("model saved."), finalFileExists: false, "anna.safetensors");

        Assert.Contains("anna.safetensors is missing", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Failure_WhenNoDataFoundButExitZero_IsAFailure()
    {
        var failure = TrainingVerdict.Failure(0, Monitor("No data found. Please verify arguments"), finalFileExists: false, "anna.safetensors");

        Assert.Equal(TrainerFailure.NoData.Reason, failure);
    }

    [Fact]
    public void Failure_WithANonZeroExitAndNoPrintedCause_GivesTheExitCode()
    {
        Assert.Contains("code 3", TrainingVerdict.Failure(3, Monitor("epoch 1/1"), finalFileExists: false, "a.safetensors"), StringComparison.Ordinal);
    }

    [Fact]
    public void Failure_WhenKilledWithoutAnyMessage_SaysTheHostKilledIt()
    {
        Assert.Equal(TrainerFailure.Killed.Reason, TrainingVerdict.Failure(TrainingVerdict.SigKillExitCode, Monitor(), finalFileExists: false, "a.safetensors"));
    }
}
