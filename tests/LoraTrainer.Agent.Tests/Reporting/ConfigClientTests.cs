using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Tests.Fakes;
using LoraTrainer.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace LoraTrainer.Agent.Tests.Reporting;

public sealed class ConfigClientTests : IAsyncLifetime
{
    private readonly TempFolder _work = new();
    private SignedReceiverDouble _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await SignedReceiverDouble.StartAsync();
        _receiver.Config = new AgentConfig { Run = new RunIdentity { Namespace = "ml-team", Name = "portrait-anna", Attempt = 2 } };
    }

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _work.Dispose();
    }

    [Fact]
    public async Task FetchAsync_RetriesUntilTheReceiverAnswers()
    {
        _receiver.FailConfig(503, 502);
        await using var services = AgentServices.Create(_work.Path, _receiver.RunUrl, _receiver.Token);

        var config = await services.GetRequiredService<ConfigClient>().FetchAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, config.Run.Attempt);
        Assert.Equal(3, _receiver.ConfigRequests);
        Assert.Equal(0, _receiver.Unauthorized);
    }

    [Fact]
    public async Task FetchAsync_WithTheWrongToken_GivesUpAfterTheConfigTimeoutAndSaysWhy()
    {
        await using var services = AgentServices.Create(_work.Path, _receiver.RunUrl, RequestSigner.NewToken(),
            new Dictionary<string, string?> { ["Agent:ConfigTimeout"] = "00:00:00.300" });

        var error = await Assert.ThrowsAsync<ReceiverUnreachableException>(() => services.GetRequiredService<ConfigClient>().FetchAsync(TestContext.Current.CancellationToken));

        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.True(_receiver.Unauthorized >= 2);
    }
}
