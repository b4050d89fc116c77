namespace LoraTrainer.Testing.World;

/// <summary>
/// The programs as they ship: published as Native AOT for linux-x64 (<c>dotnet publish src/Agent -r linux-x64 -c
/// Release</c>, and so for src/Webhook and src/Operator), found in each project's publish folder of this checkout. A test that runs one skips, naming the
/// publish command, when it has not been published: the publish takes minutes, so the build does not do it.
/// </summary>
internal static class NativePrograms
{
    /// <summary>The GPU agent, <c>lora-agent</c>.</summary>
    public static NativeProgram Agent { get; } = new("Agent", "lora-agent");

    /// <summary>The webhook receiver, <c>LoraTrainer.Webhook</c>.</summary>
    public static NativeProgram Receiver { get; } = new("Webhook", "LoraTrainer.Webhook");

    /// <summary>The operator, <c>LoraTrainer.Operator</c>.</summary>
    public static NativeProgram Operator { get; } = new("Operator", "LoraTrainer.Operator");

    /// <summary>
    /// The environment variable that picks the build every test world runs: <c>jit</c> (unset, the default) runs the
    /// build's assemblies; <c>aot</c> runs the published Native AOT operator, receiver and agent instead, so the whole
    /// end-to-end suite can be held to the programs the images ship.
    /// </summary>
    public const string BuildVariable = "LORATRAINER_TEST_BUILD";

    /// <summary>Whether <see cref="BuildVariable"/> asks for the Native AOT programs.</summary>
    /// <exception cref="InvalidOperationException">It holds something other than <c>jit</c> or <c>aot</c>.</exception>
    public static bool AotRequested => Environment.GetEnvironmentVariable(BuildVariable) switch
    {
        null or "" or "jit" => false,
        "aot" => true,
        var other => throw new InvalidOperationException($"{BuildVariable}={other}: write jit (the default) or aot."),
    };
}

/// <summary>One program published as Native AOT from <c>src/{Project}</c> as <paramref name="FileName"/>.</summary>
internal sealed record NativeProgram(string Project, string FileName)
{
    /// <summary>The publish command that builds it.</summary>
    public string PublishCommand => $"dotnet publish src/{Project} -r linux-x64 -c Release";

    /// <summary>The published executable, or null when it has not been published in this checkout.</summary>
    public string? Path => RepositoryRoot.TryGet(out var root)
        && System.IO.Path.Combine(root, "src", Project, "bin", "Release", "net10.0", "linux-x64", "publish", FileName) is var path
        && File.Exists(path) ? path : null;

    /// <summary>Why a test that needs it cannot run, or null when it can.</summary>
    public string? Missing => Path is null ? $"The Native AOT {FileName} is not published; run `{PublishCommand}` first." : null;

    /// <summary>The published executable when <see cref="NativePrograms.BuildVariable"/> asks for it, null for the JIT build.</summary>
    /// <exception cref="InvalidOperationException">It is asked for and not published; the message names the publish command.</exception>
    public string? Selected => NativePrograms.AotRequested
        ? Path ?? throw new InvalidOperationException($"{NativePrograms.BuildVariable}=aot: {Missing}")
        : null;
}
