using LoraTrainer.Cluster;
using LoraTrainer.Api.Schema;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Api.Tests;

public sealed class CrdTests
{
    private static readonly string CommittedPath = RepositoryRoot.Combine(CrdGenerator.RelativePath);

    [Fact]
    public void CommittedCrd_IsWhatTheTypesGenerate()
    {
        var generated = CrdGenerator.Generate();
        var committed = File.ReadAllText(CommittedPath);

        Assert.True(generated == committed,
            $"{CrdGenerator.RelativePath} is out of date with src/Api. Regenerate it with `{CrdGenerator.RegenerateCommand}` and commit the result.");
    }

    [Fact]
    public void FindRepository_FromInsideOrOutsideTheRepository_FindsItsRootOrNothing()
    {
        var outside = Directory.CreateTempSubdirectory("loratrainer-outside-").FullName;
        try
        {
            Assert.Equal(RepositoryRoot.Path, CrdGenerator.FindRepository(Path.Combine(RepositoryRoot.Path, "src", "Api")));
            Assert.Null(CrdGenerator.FindRepository(outside));
        }
        finally
        {
            Directory.Delete(outside);
        }
    }

    [Fact]
    public void Crd_DeclaresTheResourceNamesScopeAndStatusSubresource()
    {
        var crd = Manifests.Parse(CrdGenerator.Generate()).Single();
        var spec = crd["spec"]!;
        var version = spec["versions"]![0]!;

        Assert.Equal("trainingruns.loratrainer.io", crd["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("Namespaced", spec["scope"]!.GetValue<string>());
        Assert.Equal("tr", spec["names"]!["shortNames"]![0]!.GetValue<string>());
        Assert.Equal("v1alpha1", version["name"]!.GetValue<string>());
        Assert.NotNull(version["subresources"]!["status"]);
    }

    [Fact]
    public void Crd_HasThePrinterColumnsUsersSee()
    {
        var crd = Manifests.Parse(CrdGenerator.Generate()).Single();
        var columns = crd["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray()
            .Where(c => c!["priority"] is null)
            .Select(c => c!["name"]!.GetValue<string>());

        Assert.Equal(["Phase", "Progress", "Epoch", "Loss", "GPU", "$/h", "Cost", "Age"], columns);
    }

    [Fact]
    public void Crd_DescriptionsComeFromTheDocComments()
    {
        var crd = Manifests.Parse(CrdGenerator.Generate()).Single();
        var repeats = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["dataset"]!["properties"]!["repeats"]!;

        Assert.Equal("How many times each image is seen per epoch. Defaults to 10.", repeats["description"]!.GetValue<string>());
        Assert.Equal(10, repeats["default"]!.GetValue<long>());
    }

    [Fact]
    public void Crd_QuotesStringsThatYamlWouldReadAsOtherTypes()
    {
        var crd = Manifests.Parse(CrdGenerator.Generate()).Single();
        var gpu = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["gpu"]!["properties"]!;
        var precision = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["training"]!["properties"]!["mixedPrecision"]!;

        Assert.Equal("12.1", gpu["minCudaVersion"]!["default"]!.GetValue<string>());
        Assert.Contains("no", precision["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
    }
}
