using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Tests.Fakes;
using LoraTrainer.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

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
        // On a fake clock, so a slow first request (a cold process) cannot use up the whole timeout by itself.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _receiver.Clock = time;
        await using var services = AgentServices.Create(_work.Path, _receiver.RunUrl, RequestSigner.NewToken(),
            new Dictionary<string, string?> { ["Agent:ConfigTimeout"] = "00:05:00" }, time);

        var fetch = services.GetRequiredService<ConfigClient>().FetchAsync(TestContext.Current.CancellationToken);
        while (!fetch.IsCompleted)
        {
            // A minute per refused attempt, until the five minutes are up; a second now and then in between lets a
            // retry delay that started after the last tick run out.
            var refused = _receiver.Unauthorized;
            time.Advance(TimeSpan.FromMinutes(1));
            for (var i = 1; i <= 400 && _receiver.Unauthorized == refused && !fetch.IsCompleted; i++)
            {
                await Task.Delay(25, TestContext.Current.CancellationToken);
                if (i % 4 == 0)
                {
                    time.Advance(TimeSpan.FromSeconds(1));
                }
            }
        }

        var error = await Assert.ThrowsAsync<ReceiverUnreachableException>(() => fetch);
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.True(_receiver.Unauthorized >= 2, $"only {_receiver.Unauthorized} attempt(s) before giving up");
    }
}
