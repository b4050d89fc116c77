using LoraTrainer.Cli;
using LoraTrainer.Testing.World;

namespace LoraTrainer.Cli.Tests;

/// <summary>Runs kubectl-lora: in-process (its entry point, stdout not a terminal) or as the built program.</summary>
internal static class Plugin
{
    public static async Task<PluginResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, new CliConsole(output, error, IsTerminal: false), TestContext.Current.CancellationToken);
        return new PluginResult(exit, output.ToString(), error.ToString());
    }

    /// <summary><c>dotnet kubectl-lora.dll args</c> with the AWS settings of <paramref name="environment"/> and none inherited.</summary>
    public static Task<PluginResult> RunProcessAsync(IReadOnlyDictionary<string, string> environment, string workingDirectory, params string[] args) =>
        KubectlLora.RunAsync(environment, workingDirectory, args, TestContext.Current.CancellationToken);
}
