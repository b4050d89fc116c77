using LoraTrainer.Testing.Civitai;

namespace LoraTrainer.Testing.Commands;

/// <summary><c>civitai</c>: runs the Civitai fake with an SDXL and an SD 1.5 model version until Ctrl+C.</summary>
internal sealed class CivitaiCommand : ITestKitCommand
{
    public string Name => "civitai";

    public string Summary => "serve the Civitai fake with an SDXL and an SD 1.5 checkpoint";

    public string Usage => """
        usage: LoraTrainer.Testing civitai [--port 8082] [--api-key KEY]
          --port     port on 127.0.0.1 (0 picks a free one; default 8082)
          --api-key  a key downloads accept (default: none; downloads need no key, and a request with a key is refused)
        """;

    public async Task<int> RunAsync(CommandArguments arguments, TextWriter output, CancellationToken stop)
    {
        arguments.RejectUnknown("port", "api-key");
        await using var fake = await CivitaiFake.StartAsync(arguments.GetPort("port", 8082), cancellationToken: stop);
        foreach (var version in CivitaiDemoModels.All)
        {
            fake.Add(version);
        }

        var key = arguments.Get("api-key");
        if (key is not null)
        {
            fake.AcceptKey(key);
        }

        await output.WriteLineAsync($"Civitai fake listening on {fake.BaseUrl}");
        await output.WriteLineAsync("model versions:");
        foreach (var version in CivitaiDemoModels.All)
        {
            await output.WriteLineAsync($"  {version.Id}: {version.ModelName} {version.VersionName} ({version.BaseModel}), {version.Files[0].Name}");
        }

        await output.WriteLineAsync($"operator settings: Civitai__BaseUrl={fake.BaseUrl}" + (key is null ? "" : $" Civitai__ApiKey={key}"));
        await output.WriteLineAsync("press Ctrl+C to stop");
        await StopSignal.WaitAsync(stop);
        return 0;
    }
}
