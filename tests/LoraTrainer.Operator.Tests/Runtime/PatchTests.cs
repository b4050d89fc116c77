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

    [Fact]
    public void AtSecondPrecision_DropsTheFractionOfEveryTimestamp_AndLeavesOtherTextAlone()
    {
        var status = JsonNode.Parse("""
            {"since":"2025-03-04T05:06:07.123456Z","conditions":[{"lastTransitionTime":"2025-03-04T05:06:07.9+02:00","message":"at 2025-03-04T05:06:07.5Z"}],"plain":"2025-03-04T05:06:07Z","phase":"running"}
            """);

        StatusPatch.AtSecondPrecision(status);

        var expected = JsonNode.Parse("""
            {"since":"2025-03-04T05:06:07Z","conditions":[{"lastTransitionTime":"2025-03-04T05:06:07+02:00","message":"at 2025-03-04T05:06:07.5Z"}],"plain":"2025-03-04T05:06:07Z","phase":"running"}
            """);
        Assert.True(JsonNode.DeepEquals(expected, status), status!.ToJsonString());
    }

    [Fact]
    public void AtSecondPrecision_KeepsTheFractionOfThePreciseProperties_WhereverTheyAre()
    {
        var status = JsonNode.Parse("""
            {"since":"2025-03-04T05:06:07.123Z","gpu":{"allocatedAt":"2025-03-04T05:06:07.456Z","seenAt":"2025-03-04T05:06:07.789Z"}}
            """);

        StatusPatch.AtSecondPrecision(status, new HashSet<string> { "allocatedAt" });

        var expected = JsonNode.Parse("""
            {"since":"2025-03-04T05:06:07Z","gpu":{"allocatedAt":"2025-03-04T05:06:07.456Z","seenAt":"2025-03-04T05:06:07Z"}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, status), status!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"kind":"Status","code":422,"reason":"Invalid","message":"the server rejected our request due to an error in our request","details":{"causes":[{"reason":"UnexpectedServerResponse","message":"testing value /metadata/resourceVersion failed: test failed"}]}}""", typeof(ResourceConflictException))]
    [InlineData("""{"kind":"Status","code":422,"reason":"Invalid","message":"testing value /metadata/resourceVersion failed: test failed"}""", typeof(ResourceConflictException))]
    [InlineData("""{"kind":"Status","code":422,"reason":"Invalid","message":"Widget.test.loratrainer.io \"w\" is invalid: spec.size: Invalid value: \"string\""}""", typeof(ResourceInvalidException))]
    [InlineData("""{"kind":"Status","code":409,"reason":"Conflict","message":"the object has been modified"}""", typeof(ResourceConflictException))]
    public void KubernetesApiException_From_TreatsAFailedPatchTestAsAConflict(string status, Type expected)
    {
        var code = (System.Net.HttpStatusCode)System.Text.Json.JsonDocument.Parse(status).RootElement.GetProperty("code").GetInt32();
        var http = new k8s.Autorest.HttpOperationException("refused")
        {
            Response = new k8s.Autorest.HttpResponseMessageWrapper(new HttpResponseMessage(code), status),
        };

        var typed = KubernetesApiException.From(http, "patch widgets default/w");

        Assert.IsType(expected, typed);
        Assert.StartsWith("patch widgets default/w: ", typed.Message, StringComparison.Ordinal);
    }
}
