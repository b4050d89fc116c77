using System.CommandLine;
using LoraTrainer.Cli.Cluster;
using LoraTrainer.Cli.Commands;
using LoraTrainer.CommandLine;
using LoraTrainer.Storage;

namespace LoraTrainer.Cli;

/// <summary>The command tree: <c>train</c>, <c>watch</c>, <c>download</c>, <c>list</c>, <c>describe</c>, <c>stop</c>, <c>delete</c>, <c>models</c>.</summary>
internal static class CliCommands
{
    public static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand(
            "kubectl lora: from a folder of images to a trained LoRA on your disk. Uses your kubeconfig as kubectl does, "
            + "and AWS credentials from the standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE; "
            + "AWS_ENDPOINT_URL for an S3-compatible store). Exit codes: 0 done or completed, 1 the run failed or stalled "
            + "(or the dataset was refused), 2 a usage error or something to fix first.");
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(TrainCommand.Build(console));
        root.Subcommands.Add(WatchCommand.Build(console));
        root.Subcommands.Add(DownloadCommand.Build(console));
        root.Subcommands.Add(ListCommand.Build(console));
        root.Subcommands.Add(DescribeCommand.Build(console));
        root.Subcommands.Add(StopCommand.Build(console));
        root.Subcommands.Add(DeleteCommand.Build(console));
        root.Subcommands.Add(ModelsCommand.Build(console));
        return root;
    }
}

/// <summary>The options every command takes, spelled as kubectl spells them.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Kubeconfig = new("--kubeconfig") { Description = "Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).", Recursive = true };
    public static readonly Option<string?> Context = new("--context") { Description = "The kubeconfig context to use.", Recursive = true };
    public static readonly Option<string?> Namespace = new("--namespace", "-n") { Description = "The namespace (default: the context's, else default).", Recursive = true };
    public static readonly Option<string?> S3Endpoint = new("--s3-endpoint") { Description = "The S3-compatible endpoint (default: $AWS_ENDPOINT_URL, else AWS S3).", Recursive = true };

    public static IReadOnlyList<Option> All => [Kubeconfig, Context, Namespace, S3Endpoint];

    /// <summary>The cluster these options name.</summary>
    public static KubeSession Cluster(ParseResult parsed) =>
        KubeSession.Connect(parsed.GetValue(Kubeconfig), parsed.GetValue(Context), parsed.GetValue(Namespace));

    /// <summary>The S3 stores these options and the environment name; <c>Create()</c> signs with the AWS credential chain.</summary>
    public static S3ObjectStoreFactory Stores(ParseResult parsed)
    {
        var endpoint = parsed.GetValue(S3Endpoint);
        if (endpoint is not null && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            throw new StartupFailure($"--s3-endpoint {endpoint} is not an http(s) URL: write it like https://s3.example.com.");
        }

        return AwsEnvironment.Factory(endpoint);
    }
}
