using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Patching;
using LoraTrainer.Testing.Kubernetes.Selectors;
using LoraTrainer.Testing.Kubernetes.Tables;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class PatchAndSelectorUnitTests
{
    [Fact]
    public void MergePatch_ReplacesArraysWholesaleAndRemovesNulls()
    {
        var target = JsonNode.Parse("""{"a":{"b":1,"c":[1,2]},"d":"x"}""");

        var result = MergePatch.Apply(target, JsonNode.Parse("""{"a":{"b":null,"c":[3]},"e":true}"""));

        Assert.Equal("""{"a":{"c":[3]},"d":"x","e":true}""", result!.ToJsonString());
    }

    [Fact]
    public void JsonPatch_SupportsEveryOperationInOrder()
    {
        var target = JsonNode.Parse("""{"list":[1,2],"m":{"k":"v"}}""")!;

        var result = JsonPatch.Apply(target, JsonNode.Parse("""
            [{"op":"add","path":"/list/-","value":3},{"op":"add","path":"/list/0","value":0},{"op":"remove","path":"/list/1"},
             {"op":"replace","path":"/m/k","value":"w"},{"op":"copy","from":"/m","path":"/n"},{"op":"move","from":"/m/k","path":"/moved"},
             {"op":"test","path":"/n/k","value":"w"},{"op":"add","path":"/a~1b","value":1}]
            """));

        Assert.Equal("""{"list":[0,2,3],"m":{},"n":{"k":"w"},"moved":"w","a/b":1}""", result.ToJsonString());
    }

    [Fact]
    public void JsonPatch_OnAMissingPath_FailsWithUnprocessableEntity()
    {
        var error = Assert.Throws<KubeApiException>(() =>
            JsonPatch.Apply(JsonNode.Parse("""{"a":1}""")!, JsonNode.Parse("""[{"op":"replace","path":"/b/c","value":1}]""")));

        Assert.Equal(422, error.Code);
        Assert.Contains("/b/c", error.Message);
    }

    [Theory]
    [InlineData("env", true)]
    [InlineData("env=prod,tier in (web,api)", true)]
    [InlineData("env!=prod", false)]
    [InlineData("tier notin (web)", false)]
    [InlineData("!missing", true)]
    [InlineData("app.kubernetes.io/name=trainer", true)]
    public void LabelSelector_MatchesKubernetesSemantics(string selector, bool expected)
    {
        var labels = new Dictionary<string, string> { ["env"] = "prod", ["tier"] = "web", ["app.kubernetes.io/name"] = "trainer" };

        Assert.Equal(expected, LabelSelector.Parse(selector)!.Matches(labels));
    }

    [Fact]
    public void LabelSelector_WithInvalidKey_IsABadRequest()
    {
        var error = Assert.Throws<KubeApiException>(() => LabelSelector.Parse("bad key=1"));

        Assert.Equal(400, error.Code);
        Assert.Contains("unable to parse requirement", error.Message);
    }

    [Theory]
    [InlineData(5, "5s")]
    [InlineData(125, "2m5s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 60, "3h1m")]
    [InlineData(50 * 3600, "2d2h")]
    public void HumanDuration_PrintsAgesLikeKubectl(int seconds, string expected)
    {
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));
    }

    [Theory]
    [InlineData(".status.phase", "\"training\"")]
    [InlineData(".status.conditions[?(@.type==\"Ready\")].status", "\"False\"")]
    [InlineData(".status.conditions[1].reason", "\"Busy\"")]
    [InlineData(".status.missing", null)]
    public void SimpleJsonPath_FindsPrinterColumnValues(string path, string? expected)
    {
        var obj = JsonNode.Parse("""{"status":{"phase":"training","conditions":[{"type":"Ready","status":"False"},{"type":"Reconciling","reason":"Busy"}]}}""");

        Assert.Equal(expected, SimpleJsonPath.First(obj, path)?.ToJsonString());
    }
}
