using System.Reflection;

namespace LoraTrainer.Demo;

/// <summary>What the command line asks of <c>lora-demo</c>: help, the version, or a run into an output folder.</summary>
/// <param name="Help">Print <see cref="Usage"/> and exit.</param>
/// <param name="Version">Print the version and exit.</param>
/// <param name="OutputDirectory">Where the trained LoRA is copied.</param>
/// <param name="Error">Why the arguments cannot be used, in one line; null when they can.</param>
/// <param name="NoWait">Exit when the run ends instead of keeping everything up until Ctrl+C.</param>
internal sealed record DemoCommandLine(bool Help, bool Version, string OutputDirectory, string? Error, bool NoWait = false)
{
    /// <summary>The option that makes the demo exit when the run ends, even at a terminal.</summary>
    public const string NoWaitOption = "--no-wait";

    /// <summary>The folder the LoRA is copied to when no argument names one.</summary>
    public const string DefaultOutputDirectory = "loratrainer-demo-output";

    /// <summary>What <c>--help</c> prints.</summary>
    public const string Usage = $"""
        lora-demo: the whole LoraTrainer system on this machine, with the GPU and the clouds simulated.

        usage: dotnet run --project tools/Demo [-- [--no-wait] OUTPUT-FOLDER]
               dotnet run --project tools/Demo -- --help | --version

        Starts a fake Kubernetes API, a Vast.ai simulator, s3rver, a Civitai fake and the real operator, webhook
        receiver and GPU agent (the GPU's sd-scripts and nvidia-smi are stand-ins), and the dashboard, whose URL it
        prints first; applies config/samples/trainingrun-sdxl.yaml with kubectl; shows each phase of the
        run as a watch sees it, the training's progress and the simulated bill; and fetches the trained LoRA and the
        sample images into OUTPUT-FOLDER with `kubectl lora download`, printing each kubectl lora command as you would
        type it. At a terminal everything keeps running after the run ends, so you can look at the dashboard, until
        Ctrl+C; with --no-wait, or when its input or output is not a terminal (CI, a pipe, a file), it exits when the
        run ends. No cluster, GPU, cloud account or money is used, and everything it starts stops when it ends.

        arguments:
          OUTPUT-FOLDER  where the trained LoRA is copied (default: {DefaultOutputDirectory}, relative to the
                         current folder)
          --no-wait      exit when the run ends instead of waiting for Ctrl+C
          -h, --help     print this text
          --version      print the version

        It reads no settings of its own: every part is configured by the demo. From the environment it reads only
        PATH, on which (or in /usr/bin) it needs dotnet (the .NET 10 SDK), kubectl, node with npm (s3rver is installed
        into the repository on first use) and python3; a missing one is named in one line. On a terminal the progress
        bar is redrawn in place; into a file or a pipe each epoch is a line of its own.

        exit codes: 0 the run completed; 1 it failed (its message and the end of the GPU container's log are shown) or
        did not finish within 5 minutes; 2 a program it needs is missing, or the arguments are wrong; 130 stopped
        with Ctrl+C before the run ended (Ctrl+C after it keeps the run's code).
        """;

    /// <summary>Reads <paramref name="args"/>: one optional folder, or one of the options; anything else is an error.</summary>
    public static DemoCommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var help = args.Any(a => a is "-h" or "--help" or "-?");
        var version = args.Any(a => a == "--version");
        if (help || version)
        {
            return new DemoCommandLine(help, version && !help, DefaultOutputDirectory, null);
        }

        var noWait = args.Contains(NoWaitOption);
        var rest = args.Where(a => a != NoWaitOption).ToList();
        if (rest.FirstOrDefault(a => a.StartsWith('-')) is { } unknown)
        {
            return Invalid($"unknown option '{unknown}'; run with --help to see the arguments");
        }

        return rest.Count switch
        {
            0 => new DemoCommandLine(false, false, DefaultOutputDirectory, null, noWait),
            1 => new DemoCommandLine(false, false, rest[0], null, noWait),
            _ => Invalid("give at most one output folder; run with --help to see the arguments"),
        };
    }

    /// <summary>The demo's version, as the build stamps it.</summary>
    public static string VersionText() =>
        typeof(DemoCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(DemoCommandLine).Assembly.GetName().Version?.ToString() ?? "unknown";

    private static DemoCommandLine Invalid(string error) => new(false, false, DefaultOutputDirectory, error);
}
