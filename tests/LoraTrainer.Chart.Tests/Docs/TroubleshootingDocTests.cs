using LoraTrainer.Api;
using LoraTrainer.Chart.Tests.Runs;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Chart.Tests.Docs;

public sealed class TroubleshootingDocTests
{
    private const string Doc = "docs/troubleshooting.md";

    public static TheoryData<string> Scenarios => new(RunLifecycle.Scenarios.Keys);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Troubleshooting_ExplainsTheMessageThePhaseMachineWrites(string scenario)
    {
        var message = RunLifecycle.Scenarios[scenario].Status!.Message!;

        AssertDocumented(message, scenario);
    }

    [Theory]
    [InlineData(TrainingPhase.PendingGpu)]
    [InlineData(TrainingPhase.PendingImages)]
    [InlineData(TrainingPhase.PendingModel)]
    [InlineData(TrainingPhase.Training)]
    public void Troubleshooting_ExplainsTheDeadlineOfEachWaitingPhase(TrainingPhase phase)
    {
        var deadline = PhaseDeadlines.For(new TrainingRunBuilder().InPhase(phase).Build());

        AssertDocumented(deadline!.Reason, $"the {phase.ToWireName()} deadline");
    }

    [Fact]
    public void Troubleshooting_ExplainsTheActiveDeadline()
    {
        var run = new TrainingRunBuilder()
            .WithSpec(spec => spec with { RunPolicy = new RunPolicySpec { ActiveDeadlineSeconds = 14_400 } })
            .InPhase(TrainingPhase.Training)
            .Build();

        AssertDocumented(PhaseDeadlines.Active(run)!.Reason, "activeDeadlineSeconds");
    }

    [Fact]
    public void MessagePatterns_MatchOnlyTheirOwnShape()
    {
        var pattern = MarkdownTables.MessagePattern("`epoch <epoch>/<epochs>, loss <loss>`");

        Assert.Matches(pattern, "epoch 4/10, loss 0.0931");
        Assert.DoesNotMatch(pattern, "epoch 4/10 loss 0.0931");
    }

    /// <summary>
    /// The message must match a documented one whose fixed text says something (at least 10 characters: a bare
    /// <c>&lt;stage&gt;: &lt;reason&gt;</c> explains nothing), and so must its parts: the reason of a stall, and the
    /// reason after an agent's stage.
    /// </summary>
    private static void AssertDocumented(string message, string source)
    {
        var markdown = ChartFiles.Read(Doc);
        var documented = MarkdownTables.FirstCells(markdown)
            .Concat(MarkdownTables.CodeSpans(markdown).Where(span => span.Contains(' ', StringComparison.Ordinal)).Select(span => $"`{span}`"))
            .Where(cell => MarkdownTables.Literal(cell).Length >= 10)
            .Select(MarkdownTables.MessagePattern)
            .ToList();
        var stages = MarkdownTables.Column(markdown, "## The agent on the GPU", 2)
            .SelectMany(cell => cell.Split(',', StringSplitOptions.TrimEntries)).ToHashSet();

        var parts = new List<string> { message };
        foreach (var marker in (string[])["; retrying on another machine", "; no retries left"])
        {
            if (message.IndexOf(marker, StringComparison.Ordinal) is var at and > 0)
            {
                parts.Add(message[..at]);
            }
        }

        if (message.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0 && stages.Contains(message[..colon]))
        {
            parts[0] = message[(colon + 2)..];
        }

        var undocumented = parts.Where(part => !documented.Any(pattern => pattern.IsMatch(part))).ToList();
        Assert.True(undocumented.Count == 0,
            $"{Doc} does not explain \"{string.Join("\", nor \"", undocumented)}\" (written for {source}). Add a row to the table of the component that writes it, with <name> for each value.");
    }
}
