using System.Text.Json.Nodes;
using k8s.Models;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;

namespace LoraTrainer.Operator.Tests.Runtime;

public sealed class PatchTests
{
    [Fact]
    public void StatusPatch_WhenNothingChanged_IsNull()
    {
        var status = JsonNode.Parse("""{"phase":"training","epochs":[{"epoch":1,"loss":0.1}]}""");

        Assert.Null(StatusPatch.For(status, status!.DeepClone(), "42"));
    }

    [Fact]
    public void StatusPatch_SetsChangedFields_NullsRemovedOnes_ReplacesArrays_AndCarriesTheResourceVersion()
    {
        var before = JsonNode.Parse("""{"phase":"pendingGpu","gpu":{"instanceId":"1","gpuName":"RTX 4090"},"epochs":[{"epoch":1}],"message":"m"}""");
        var after = JsonNode.Parse("""{"phase":"stalled","gpu":{"instanceId":"1"},"epochs":[{"epoch":1},{"epoch":2}]}""");

        var patch = StatusPatch.For(before, after, "42")!;

        Assert.Equal(
            """{"status":{"phase":"stalled","gpu":{"gpuName":null},"epochs":[{"epoch":1},{"epoch":2}],"message":null},"metadata":{"resourceVersion":"42"}}""",
            patch.ToJsonString());
    }

    [Fact]
    public void StatusPatch_FromNoStatus_WritesTheWholeStatus()
    {
        var patch = StatusPatch.For(null, JsonNode.Parse("""{"phase":"pending"}"""), null)!;

        Assert.Equal("""{"status":{"phase":"pending"}}""", patch.ToJsonString());
    }

    [Fact]
    public void FinalizerPatch_Add_TestsTheResourceVersionAndAppendsWithoutTouchingOthers()
    {
        var metadata = new V1ObjectMeta { ResourceVersion = "7", Finalizers = ["other.io/keep"] };

        var patch = FinalizerPatch.Add(metadata, "loratrainer.io/release-gpu")!;

        Assert.Equal(V1Patch.PatchType.JsonPatch, patch.Type);
        Assert.Equal(
            """[{"op":"test","path":"/metadata/resourceVersion","value":"7"},{"op":"add","path":"/metadata/finalizers/-","value":"loratrainer.io/release-gpu"}]""",
            (string)patch.Content);
    }

    [Fact]
    public void FinalizerPatch_Add_CreatesTheListWhenThereIsNone_AndIsNullWhenPresent()
    {
        var patch = FinalizerPatch.Add(new V1ObjectMeta { ResourceVersion = "7" }, "f")!;

        Assert.Contains("""{"op":"add","path":"/metadata/finalizers","value":["f"]}""", (string)patch.Content, StringComparison.Ordinal);
        Assert.Null(FinalizerPatch.Add(new V1ObjectMeta { ResourceVersion = "7", Finalizers = ["f"] }, "f"));
    }

    [Fact]
    public void FinalizerPatch_Remove_TestsTheEntryBeforeRemovingIt()
    {
        var metadata = new V1ObjectMeta { ResourceVersion = "9", Finalizers = ["a", "f", "b"] };

        var patch = FinalizerPatch.Remove(metadata, "f")!;

        Assert.Equal(
            """[{"op":"test","path":"/metadata/resourceVersion","value":"9"},{"op":"test","path":"/metadata/finalizers/1","value":"f"},{"op":"remove","path":"/metadata/finalizers/1"}]""",
            (string)patch.Content);
        Assert.Null(FinalizerPatch.Remove(metadata, "absent"));
    }
}
