using LoraTrainer.Cluster;
using System.Text.Json;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class ManifestsTests
{
    [Fact]
    public void Parse_TypesPlainScalarsAndKeepsQuotedOnesStrings()
    {
        var yaml = """
            kind: Example
            spec:
              count: 10
              ratio: 0.5
              enabled: true
              nothing: null
              version: "12.1"
              answer: 'no'
              word: no
            """;

        var spec = Manifests.Parse(yaml).Single()["spec"]!;

        Assert.Equal(JsonValueKind.Number, spec["count"]!.GetValueKind());
        Assert.Equal(0.5, spec["ratio"]!.GetValue<double>());
        Assert.True(spec["enabled"]!.GetValue<bool>());
        Assert.Null(spec["nothing"]);
        Assert.Equal("12.1", spec["version"]!.GetValue<string>());
        Assert.Equal("no", spec["answer"]!.GetValue<string>());
        Assert.Equal("no", spec["word"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_OfSeveralDocuments_SkipsEmptyOnes()
    {
        var objects = Manifests.Parse("---\nkind: A\n---\n---\nkind: B\n");

        Assert.Equal(["A", "B"], objects.Select(o => o["kind"]!.GetValue<string>()));
    }

    [Fact]
    public void Parse_OfADocumentThatIsNotAnObject_SaysEachDocumentMustBeOne()
    {
        var error = Assert.Throws<InvalidDataException>(() => Manifests.Parse("- a\n- b\n"));

        Assert.Contains("must be a Kubernetes object", error.Message);
    }
}
