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
          --seed        a YAML file or directory of objects to load at start (CRDs first); repeatable
          --quiet       do not log every request
        """;

    public async Task<int> RunAsync(CommandArguments arguments, TextWriter output, CancellationToken stop)
    {
        arguments.RejectUnknown("port", "kubeconfig", "seed", "quiet");
        var missing = arguments.GetAll("seed").FirstOrDefault(p => !File.Exists(p) && !Directory.Exists(p));
        if (missing is not null)
        {
            throw new ArgumentException($"--seed {missing}: no such file or directory (relative to {Environment.CurrentDirectory})");
        }

        var quiet = arguments.Get("quiet") == "true";
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning));
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions
        {
            Port = arguments.GetPort("port", 6443),
            LoggerFactory = quiet ? null : loggers,
        }, stop);
        foreach (var path in arguments.GetAll("seed"))
        {
            try
            {
                var seeded = server.SeedFromPath(path);
                await output.WriteLineAsync($"seeded {seeded.Count} object(s) from {path}");
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException or YamlDotNet.Core.YamlException)
            {
                throw new CommandFailedException($"cannot seed {path}: {e.Message}", e);
            }
        }

        var kubeconfig = await server.WriteKubeconfigAsync(arguments.Get("kubeconfig") ?? "fake.kubeconfig", cancellationToken: stop);
        await output.WriteLineAsync($"Kubernetes API fake listening on {server.BaseAddress}");
        await output.WriteLineAsync($"kubeconfig written to {kubeconfig}; try: kubectl --kubeconfig {kubeconfig} get namespaces");
        await output.WriteLineAsync("press Ctrl+C to stop");
        await StopSignal.WaitAsync(stop);
        return 0;
    }
}
