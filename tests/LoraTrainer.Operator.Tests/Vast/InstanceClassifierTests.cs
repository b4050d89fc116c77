using LoraTrainer.Operator.Vast.Api;
using LoraTrainer.Operator.Vast.Instances;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class InstanceClassifierTests
{
    [Theory]
    [InlineData(null, null, null, "Pending")]
    [InlineData("created", null, null, "Pending")]
    [InlineData("loading", null, "Pulling image", "Pending")]
    [InlineData("rebooting", null, null, "Pending")]
    [InlineData("frozen", null, null, "Pending")]
    [InlineData("running", null, null, "Running")]
    [InlineData("exited", null, "container exited with code 137", "Dead")]
    [InlineData("unknown", null, null, "Dead")]
    [InlineData("offline", null, null, "Dead")]
    [InlineData("stopped", null, null, "Paused")]
    [InlineData("created", null, "failed to create shim task: OCI runtime create failed: runc create failed", "Dead")]
    [InlineData("running", "stopped", null, "Paused")]
    [InlineData("loading", "stopped", null, "Paused")]
    public void Classify_MapsVastStatusFields(string? actual, string? curState, string? message, string expected)
    {
        var instance = new VastInstance { Id = 1, ActualStatus = actual, CurState = curState ?? "running", IntendedStatus = "running", NextState = "running", StatusMsg = message };

        Assert.Equal(Enum.Parse<InstanceState>(expected), InstanceClassifier.Classify(instance).State);
    }

    [Theory]
    [InlineData("intended")]
    [InlineData("next")]
    public void Classify_WhenAnyContractStateIsStopped_IsPausedBecauseVastStoppedIt(string which)
    {
        var instance = new VastInstance
        {
            Id = 1, ActualStatus = "running", CurState = "running",
            IntendedStatus = which == "intended" ? "stopped" : "running", NextState = which == "next" ? "stopped" : "running",
        };

        var health = InstanceClassifier.Classify(instance);

        Assert.Equal(InstanceState.Paused, health.State);
        Assert.Contains("outbid", health.Reason);
    }

    [Theory]
    [InlineData("exited", "running", null)]
    [InlineData("exited", "running", "container exited with code 137")]
    [InlineData("unknown", "running", null)]
    [InlineData("offline", "running", null)]
    [InlineData("stopped", "running", null)]
    [InlineData("running", "stopped", null)]
    [InlineData("created", "running", "OCI runtime create failed: unable to pull")]
    public void Classify_OfADeadInstance_GivesAReasonTheTroubleshootingDocExplains(string actual, string curState, string? message)
    {
        var instance = new VastInstance { Id = 7, ActualStatus = actual, CurState = curState, IntendedStatus = "running", NextState = "running", StatusMsg = message };

        var reason = InstanceClassifier.Classify(instance).Reason;

        TroubleshootingDoc.AssertExplains(reason);
        TroubleshootingDoc.AssertExplains($"instance 7 died: {reason}");
    }

    [Fact]
    public void Classify_OfAGoneInstance_IsDead() =>
        Assert.Equal(InstanceState.Dead, InstanceClassifier.Classify(null).State);
}
