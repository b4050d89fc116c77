using System.Text.Json.Nodes;
using LoraTrainer.Api;
using LoraTrainer.Chart.Tests.Runs;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Chart.Tests.GitOps;

public sealed class ArgoCdHealthCheckTests
{
    [Theory]
    [InlineData("accepted", "Progressing")]
    [InlineData("waiting for the GPU", "Progressing")]
    [InlineData("downloading images", "Progressing")]
    [InlineData("downloading the model", "Progressing")]
    [InlineData("training progress", "Progressing")]
    [InlineData("uploaded", "Progressing")]
    [InlineData("completed", "Healthy")]
    [InlineData("failed by the agent", "Degraded")]
    [InlineData("failed by the operator", "Degraded")]
    [InlineData("stalled with retries left", "Progressing")]
    [InlineData("retrying on another machine", "Progressing")]
    [InlineData("stalled with no retries left", "Degraded")]
    [InlineData("suspended", "Suspended")]
    [InlineData("resumed", "Progressing")]
    [InlineData("dry run planned", "Healthy")]
    public void HealthCheck_MapsTheRunAsThePhaseMachineLeftIt(string scenario, string expected)
    {
        var run = RunLifecycle.Scenarios[scenario];

        var (status, message) = ArgoCdHealthCheck.Evaluate(run);

        Assert.Equal(expected, status);
        Assert.Equal(run.Status!.Message, message);
    }

    [Fact]
    public void HealthCheck_KnowsEveryPhase()
    {
        var unknown = TrainingPhases.All
            .Select(phase => (Phase: phase, Health: ArgoCdHealthCheck.Evaluate(new TrainingRunBuilder().InPhase(phase).Build()).Status))
            .Where(result => result.Health is null or "Unknown")
            .Select(result => result.Phase.ToWireName())
            .ToList();

        Assert.True(unknown.Count == 0, $"The Argo CD health check in {ArgoCdHealthCheck.Doc} does not know the phases {string.Join(", ", unknown)}.");
    }

    [Fact]
    public void HealthCheck_OfARunTheOperatorHasNotSeen_IsProgressing()
    {
        var (status, message) = ArgoCdHealthCheck.Evaluate(new TrainingRunBuilder().Build());

        Assert.Equal("Progressing", status);
        Assert.Equal("Waiting for the operator to accept the run", message);
    }

    [Fact]
    public void HealthCheck_WhenTheSpecChangedAfterTheLastStatus_IsProgressing()
    {
        // A copy: the scenarios share their metadata and other tests read them in parallel.
        var completed = RunLifecycle.Scenarios["completed"];
        var edited = new TrainingRun
        {
            Metadata = new() { Name = completed.Metadata.Name, NamespaceProperty = completed.Metadata.NamespaceProperty, Generation = completed.Status!.ObservedGeneration + 1 },
            Spec = completed.Spec,
            Status = completed.Status,
        };

        var (status, _) = ArgoCdHealthCheck.Evaluate(edited);

        Assert.Equal("Progressing", status);
    }

    [Theory]
    [InlineData(2, 3, "Degraded")]
    [InlineData(2, 2, "Progressing")]
    [InlineData(0, 1, "Degraded")]
    public void HealthCheck_OfAStallWithoutConditions_ComparesAttemptsWithTheBackoffLimit(int backoffLimit, int attempt, string expected)
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(backoffLimit).InPhase(TrainingPhase.Stalled, attempt).Build();

        var (status, _) = ArgoCdHealthCheck.Evaluate(run);

        Assert.Equal(expected, status);
    }

    [Fact]
    public void HealthCheck_OfAPhaseFromANewerOperator_IsUnknownAndSaysWhich()
    {
        var resource = JsonNode.Parse("""{"apiVersion": "loratrainer.io/v1alpha1", "kind": "TrainingRun", "metadata": {"name": "x", "generation": 1}, "status": {"phase": "archived", "observedGeneration": 1}}""");

        var (status, message) = ArgoCdHealthCheck.Evaluate(resource);

        Assert.Equal("Unknown", status);
        Assert.Contains("archived", message, StringComparison.Ordinal);
    }
}
