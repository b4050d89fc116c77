using System.Reflection;
using System.Text.RegularExpressions;
using LoraTrainer.Agent.Training;
using LoraTrainer.Testing;

namespace LoraTrainer.Agent.Tests.Images;

/// <summary>The GPU image checks out the sd-scripts release the agent's argument lists were taken from.</summary>
public sealed partial class GpuImageTests
{
    private static readonly string Dockerfile = File.ReadAllText(RepositoryRoot.Combine("gpu-image", "Dockerfile"));

    [Fact]
    public void Dockerfile_DefaultsSdScriptsRefToAReleaseTag()
    {
        var match = RefArgument().Match(Dockerfile);

        Assert.True(match.Success, "gpu-image/Dockerfile should declare ARG SD_SCRIPTS_REF=<tag>.");
        Assert.Matches(@"^v\d+\.\d+\.\d+$", match.Groups["ref"].Value);
    }

    [Fact]
    public void Dockerfile_ChecksOutTheRefTheBuildArgumentNames()
    {
        var argAt = RefArgument().Match(Dockerfile).Index;
        var checkout = CheckoutLine().Match(Dockerfile);

        Assert.True(checkout.Success, "gpu-image/Dockerfile should run git checkout \"${SD_SCRIPTS_REF}\" on the sd-scripts clone.");
        Assert.True(checkout.Index > argAt, "ARG SD_SCRIPTS_REF must come before the checkout in the same stage, or the checkout sees an empty value.");
        Assert.DoesNotMatch(@"git clone[^\n]*--branch", Dockerfile);
        var stageStart = Dockerfile.LastIndexOf("\nFROM ", checkout.Index, StringComparison.Ordinal);
        Assert.True(argAt > stageStart, "ARG SD_SCRIPTS_REF must be declared inside the stage that checks out sd-scripts.");
    }

    [Fact]
    public void Dockerfile_DefaultRef_IsTheReleaseOfEveryArgumentList()
    {
        var imageRef = RefArgument().Match(Dockerfile).Groups["ref"].Value;
        var assembly = typeof(SdScriptsArguments).Assembly;
        var lists = assembly.GetManifestResourceNames().Where(n => n.StartsWith("sd-scripts-args/", StringComparison.Ordinal)).ToList();

        Assert.Equal(3, lists.Count);
        Assert.All(lists, resource => Assert.Equal(imageRef, HeaderRef(assembly, resource)));
        Assert.Equal(imageRef, SdScriptsArguments.Ref);
    }

    private static string HeaderRef(Assembly assembly, string resource)
    {
        using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
        var header = reader.ReadLine() ?? "";
        Assert.StartsWith("#", header, StringComparison.Ordinal);
        return ReleaseTag().Match(header).Value;
    }

    [GeneratedRegex(@"(?m)^ARG SD_SCRIPTS_REF=(?<ref>\S+)\s*$")]
    private static partial Regex RefArgument();

    [GeneratedRegex(@"git -C \S+ checkout --detach ""\$\{SD_SCRIPTS_REF\}""")]
    private static partial Regex CheckoutLine();

    [GeneratedRegex(@"v\d+\.\d+\.\d+")]
    private static partial Regex ReleaseTag();
}
