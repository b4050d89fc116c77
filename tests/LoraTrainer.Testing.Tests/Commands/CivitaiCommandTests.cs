using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Tests.Commands;

public sealed class CivitaiCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(128078, "SDXL 1.0")]
    [InlineData(1515, "SD 1.5")]
    public async Task Civitai_OnPortZero_ServesASeededVersionWhoseDownloadMatchesItsHash(long versionId, string baseModel)
    {
        await using var command = RunningCommand.Start("civitai", "--port", "0");
        using var http = new HttpClient { BaseAddress = await command.WaitUntilListeningAsync() };

        var version = (await http.GetFromJsonAsync<JsonObject>($"api/v1/model-versions/{versionId}", Ct))!;
        var file = version["files"]![0]!;
        var bytes = await http.GetByteArrayAsync(file["downloadUrl"]!.GetValue<string>(), Ct);

        Assert.Equal(baseModel, version["baseModel"]!.GetValue<string>());
        Assert.EndsWith(".safetensors", file["name"]!.GetValue<string>());
        Assert.Equal(file["hashes"]!["SHA256"]!.GetValue<string>(), Convert.ToHexString(SHA256.HashData(bytes)));
        Assert.Equal(0, await command.StopAsync());
    }
}
