using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using LoraTrainer.Protocol.SdScripts;
using LoraTrainer.Testing;

namespace LoraTrainer.Agent.Tests.Images;

/// <summary>
/// The GPU image checks out the sd-scripts release the agent's argument lists were taken from, its docs name that
/// release, and the lists can be regenerated from a checkout.
/// </summary>
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

    [Fact]
    public void GpuImageReadme_NamesOnlyTheReleaseTheDockerfilePins()
    {
        var imageRef = RefArgument().Match(Dockerfile).Groups["ref"].Value;
        var readme = File.ReadAllText(RepositoryRoot.Combine("gpu-image", "README.md"));

        var named = ReleaseTag().Matches(readme).Select(m => m.Value).ToHashSet();

        Assert.Equal([imageRef], named);
    }

    [Fact]
    public void Dockerfile_DoesNotInstallXformers_AndRunsAskingForItAreRefused()
    {
        Assert.DoesNotMatch(@"(?m)^RUN [^\n]*xformers", Dockerfile);
        Assert.Contains("use sdpa", SdScriptsRules.Forbidden["xformers"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegenerationCommand_FromACheckout_WritesWhatEachScriptsParserTakes_UnderTheRelease()
    {
        // A checkout shaped like sd-scripts: the parser is built across modules, behind imports this machine lacks.
        using var checkout = new TempFolder();
        using var lists = new TempFolder();
        await File.WriteAllTextAsync(checkout.Combine("train_network.py"), """
            import argparse
            import torch
            from library import train_util

            class Trainer(torch.nn.Module):
                pass

            def setup_parser():
                parser = argparse.ArgumentParser()
                train_util.add_training_arguments(parser, True)
                parser.add_argument("--network_dim", type=int)
                return parser
            """, TestContext.Current.CancellationToken);
        Directory.CreateDirectory(checkout.Combine("library"));
        await File.WriteAllTextAsync(checkout.Combine("library", "__init__.py"), "", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(checkout.Combine("library", "train_util.py"), """
            from diffusers import ConfigMixin, SchedulerMixin

            class Scheduler(SchedulerMixin, ConfigMixin):
                pass

            def add_training_arguments(parser, support_dreambooth):
                parser.add_argument("--output-dir", type=str)
                parser.add_argument("--lr", dest="learning_rate", type=float)
                if support_dreambooth:
                    parser.add_argument("--prior_loss_weight", type=float)
                else:
                    parser.add_argument("--not_taken", type=float)
            """, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(lists.Combine("train_network.txt"), "# stale\nold_name\n", TestContext.Current.CancellationToken);

        var exit = await RunPythonAsync(RepositoryRoot.Combine("tools", "sd-scripts-arguments.py"), checkout.Path, "--ref", "v9.8.7", "--commit", "0123abc", "--out", lists.Path);

        Assert.Equal(0, exit);
        var lines = await File.ReadAllLinesAsync(lists.Combine("train_network.txt"), TestContext.Current.CancellationToken);
        Assert.Equal("# Argument names (argparse dest) accepted by train_network.py of kohya-ss/sd-scripts v9.8.7", lines[0]);
        Assert.Contains("(commit 0123abc)", lines[1], StringComparison.Ordinal);
        Assert.Equal(["learning_rate", "network_dim", "output_dir", "prior_loss_weight"], lines[2..]);
    }

    private static async Task<int> RunPythonAsync(params string[] args)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var text = await output;
        Assert.True(process.ExitCode == 0, $"the command failed: {text[0]}{text[1]}");
        return process.ExitCode;
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
