using LoraTrainer.Api;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

public sealed class SpecErrorsTests
{
    [Fact]
    public void SpecErrors_OfADefaultSpec_AreNone()
    {
        Assert.Empty(RunPreparation.SpecErrors(new TrainingRunBuilder().Build().Spec));
    }

    [Theory]
    [InlineData("0s", "spec.runPolicy.deadlines.heartbeat: '0s' would stall every attempt at once; give it a duration above zero, like 20m")]
    [InlineData("0m0s", "spec.runPolicy.deadlines.heartbeat: '0m0s' would stall every attempt at once; give it a duration above zero, like 20m")]
    [InlineData("ten minutes", "spec.runPolicy.deadlines.heartbeat: 'ten minutes' is not a duration; write it like 90s, 20m or 1h30m")]
    public void SpecErrors_OfADeadlineThatCannotWork_SayWhatToWrite(string heartbeat, string expected)
    {
        var spec = new TrainingRunBuilder()
            .WithSpec(s => s with { RunPolicy = new RunPolicySpec { Deadlines = new DeadlinesSpec { Heartbeat = heartbeat } } })
            .Build().Spec;

        Assert.Equal([expected], RunPreparation.SpecErrors(spec));
    }
}
