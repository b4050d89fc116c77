using System.Globalization;
using LoraTrainer.Agent.Watchdog;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.DependencyInjection;

namespace LoraTrainer.Agent.Tests.Watchdog;

public sealed class VastSelfDestructTests : IAsyncLifetime
{
    private readonly TempFolder _work = new();
    private VastAccount _account = null!;

    public async ValueTask InitializeAsync() => _account = await VastAccount.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _account.DisposeAsync();
        _work.Dispose();
    }

    private VastSimulator Vast => _account.Vast;

    private ServiceProvider Services(IDictionary<string, string?>? environment) => AgentServices.Create(_work.Path, overrides: environment);

    [Fact]
    public async Task DestroyAsync_WithItsOwnKey_DestroysItsInstanceAndNoOther()
    {
        var own = await _account.RentAsync();
        var neighbour = await _account.RentAsync();
        await using var services = Services(own.Environment(Vast));

        var outcome = await services.GetRequiredService<VastSelfDestruct>().DestroyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DestroyOutcome.Destroyed, outcome);
        Assert.False(_account.IsAlive(own.Id));
        Assert.True(_account.IsAlive(neighbour.Id));
        var delete = Assert.Single(Vast.RequestsTo(VastRoute.Destroy));
        Assert.Equal($"/api/v0/instances/{own.Id}/", delete.Path);
        Assert.True(delete.BearerAuth);
        Assert.False(delete.KeyInQuery);
    }

    [Fact]
    public async Task DestroyAsync_WithTheKeyOfAnotherInstance_IsRefusedAndDestroysNothing()
    {
        var own = await _account.RentAsync();
        var neighbour = await _account.RentAsync();
        // A container that names another instance: its key acts on its own instance only.
        var environment = own.Environment(Vast);
        environment[VastSelfDestruct.ContainerIdVariable] = neighbour.Id.ToString(CultureInfo.InvariantCulture);
        await using var services = Services(environment);

        var outcome = await services.GetRequiredService<VastSelfDestruct>().DestroyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DestroyOutcome.Refused, outcome);
        Assert.True(_account.IsAlive(own.Id));
        Assert.True(_account.IsAlive(neighbour.Id));
        Assert.Equal(401, Assert.Single(Vast.RequestsTo(VastRoute.Destroy)).Status);
    }

    [Fact]
    public async Task DestroyAsync_WhenVastFailsOrRateLimits_RetriesUntilTheInstanceIsGone()
    {
        var own = await _account.RentAsync();
        Vast.Faults.ServerError(VastRoute.Destroy, times: 2, status: 502);
        Vast.Faults.RateLimit(VastRoute.Destroy, times: 1);
        await using var services = Services(own.Environment(Vast));

        var outcome = await services.GetRequiredService<VastSelfDestruct>().DestroyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DestroyOutcome.Destroyed, outcome);
        Assert.False(_account.IsAlive(own.Id));
        Assert.Equal([429, 502, 502, 200], Vast.RequestsTo(VastRoute.Destroy).Select(r => r.Status));
    }

    [Fact]
    public async Task DestroyAsync_WhenVastNeverAnswers_GivesUpAfterItsAttempts()
    {
        var own = await _account.RentAsync();
        Vast.Faults.ServerError(VastRoute.Destroy, times: VastSelfDestruct.Attempts + 1);
        await using var services = Services(own.Environment(Vast));

        var outcome = await services.GetRequiredService<VastSelfDestruct>().DestroyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DestroyOutcome.Failed, outcome);
        Assert.Equal(VastSelfDestruct.Attempts, Vast.RequestsTo(VastRoute.Destroy).Count);
        Assert.True(_account.IsAlive(own.Id));
    }

    [Fact]
    public async Task DestroyAsync_WhenTheInstanceIsAlreadyGone_CountsAsDestroyed()
    {
        var own = await _account.RentAsync();
        await using var services = Services(own.Environment(Vast));
        var destroyer = services.GetRequiredService<VastSelfDestruct>();
        await destroyer.DestroyAsync(TestContext.Current.CancellationToken);

        var again = await destroyer.DestroyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DestroyOutcome.Destroyed, again);
        Assert.Equal([200, 404], Vast.RequestsTo(VastRoute.Destroy).Select(r => r.Status));
    }

    [Fact]
    public async Task DestroyAsync_OffVast_CallsNothing()
    {
        await using var services = Services(new Dictionary<string, string?> { ["Agent:VastBaseUrl"] = Vast.BaseUrl.ToString() });

        var outcome = await services.GetRequiredService<VastSelfDestruct>().DestroyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DestroyOutcome.NotOnVast, outcome);
        Assert.Empty(Vast.Requests);
    }
}
