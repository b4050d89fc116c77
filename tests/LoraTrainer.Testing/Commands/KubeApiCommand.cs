using LoraTrainer.Cluster;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.Commands;

/// <summary><c>kube-api</c>: runs the Kubernetes API fake until Ctrl+C and writes a kubeconfig for kubectl.</summary>
internal sealed class KubeApiCommand : ITestKitCommand
{
    public string Name => "kube-api";

    public string Summary => "serve the Kubernetes API fake and write a kubeconfig for it";

    public string Usage => """
        usage: LoraTrainer.Testing kube-api [--port 6443] [--kubeconfig ./fake.kubeconfig] [--seed PATH]... [--quiet]
          --port        port on 127.0.0.1 (0 picks a free one; default 6443)
          --kubeconfig  where to write a kubeconfig pointing at the server (default ./fake.kubeconfig)
          --seed        a YAML/JSON file, or a directory searched recursively for .yaml/.yml/.json files, of objects to
                        load at start; repeatable. CustomResourceDefinitions from every --seed are loaded first, then the
                        other objects in the order given (files by path)
          --quiet       do not log every request
        """;

    public async Task<int> RunAsync(CommandArguments arguments, TextWriter output, CancellationToken stop)
    {
        arguments.RejectUnknown("port", "kubeconfig", "seed", "quiet");
        var seeds = arguments.GetAll("seed");
        var missing = seeds.FirstOrDefault(p => !File.Exists(p) && !Directory.Exists(p));
        if (missing is not null)
        {
            throw new ArgumentException($"--seed {missing}: no such file or directory (relative to {Environment.CurrentDirectory})");
        }

        var port = arguments.GetPort("port", 6443);
        var documents = seeds.SelectMany(ReadSeed).ToList();
        var quiet = arguments.Get("quiet") == "true";
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning));
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions
        {
            Port = port,
            LoggerFactory = quiet ? null : loggers,
        }, stop);
        foreach (var document in Manifests.CrdsFirst(documents, d => d.Object))
        {
            try
            {
                server.Seed(document.Object);
            }
            catch (InvalidOperationException e)
            {
                throw new CommandFailedException($"cannot seed {document}: {e.Message}", e);
            }
        }

        foreach (var group in documents.GroupBy(d => d.Seed))
        {
            await output.WriteLineAsync($"seeded {group.Count()} object(s) from {group.Key}");
        }

        var kubeconfig = await server.WriteKubeconfigAsync(arguments.Get("kubeconfig") ?? "fake.kubeconfig", cancellationToken: stop);
        await output.WriteLineAsync($"Kubernetes API fake listening on {server.BaseAddress}");
        await output.WriteLineAsync($"kubeconfig written to {kubeconfig}; try: kubectl --kubeconfig {kubeconfig} get namespaces");
        await output.WriteLineAsync("press Ctrl+C to stop");
        await StopSignal.WaitAsync(stop);
        return 0;
    }

    /// <summary>Every object under one <c>--seed</c> path, each knowing its file and place, read before the server starts.</summary>
    private static IEnumerable<SeedDocument> ReadSeed(string seed)
    {
        foreach (var file in Manifests.Files(seed, recursive: true))
        {
            IReadOnlyList<JsonObject> objects;
            try
            {
                objects = Manifests.Parse(File.ReadAllText(file));
            }
            catch (Exception e) when (e is InvalidDataException or YamlDotNet.Core.YamlException or IOException or UnauthorizedAccessException)
            {
                throw new CommandFailedException($"cannot seed {file}: {e.Message}", e);
            }

            for (var i = 0; i < objects.Count; i++)
            {
                yield return new SeedDocument(seed, file, i + 1, objects[i]);
            }
        }
    }

    /// <summary>One object to seed, from document <paramref name="Index"/> of <paramref name="File"/> under the <c>--seed</c> path <paramref name="Seed"/>.</summary>
    private sealed record SeedDocument(string Seed, string File, int Index, JsonObject Object)
    {
        public override string ToString() =>
            $"{File} (document {Index}{(KubeJson.GetString(Object, "kind") is { } kind ? $", {kind}" : "")})";
    }
}
