using System.Text.Json;
using LoraTrainer.Api;
using LoraTrainer.Operator.Vast;
using LoraTrainer.Operator.Vast.Api;
using LoraTrainer.Operator.Vast.Offers;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class VastClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RentAsync_SendsTheReferenceCreateBodyWithExactlyTwoEnvValues()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 5520193 });

        var result = await harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(), Ct);

        Assert.NotNull(result.Instance);
        var create = Assert.Single(harness.Simulator.RequestsTo(VastRoute.Create));
        Assert.Equal("/api/v0/asks/5520193/", create.Path);
        const string golden =
            """
            {"client_id":"me","image":"ghcr.io/acme/lora-trainer-gpu:1.2.0","disk":60,"label":"loratrainer:test:3f1c9e2a-run:1","env":{"LORATRAINER_RUN_URL":"https://hooks.example.com/v1/runs/ml-team/portrait-sdxl","LORATRAINER_RUN_TOKEN":"rUn-T0ken-for-signing-events-0123456789abc"},"runtype":"args","args":[],"cancel_unavail":true}
            """;
        Assert.Equal(golden, create.Body);
    }

    [Fact]
    public async Task SearchOffersAsync_PostsTheFilterAsTheBodyWithBearerAuth()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });

        var selection = await harness.Provider.SearchOffersAsync(VastHarness.Requirements(maxPrice: 0.8), Ct);

        var search = Assert.Single(harness.Simulator.RequestsTo(VastRoute.Search));
        using var body = JsonDocument.Parse(search.Body);
        Assert.Equal("RTX 4090", body.RootElement.GetProperty("gpu_name").GetProperty("in")[0].GetString());
        Assert.Equal(60, body.RootElement.GetProperty("allocated_storage").GetInt32());
        Assert.True(search.BearerAuth);
        Assert.False(search.KeyInQuery);
        Assert.Equal(1, Assert.Single(selection.Ranked).Id);
    }

    [Fact]
    public async Task SearchOffersAsync_SendsTheReferenceSearchBodyOnTheWire()
    {
        await using var harness = await VastHarness.StartAsync(settings: new Dictionary<string, string?> { ["Vast:SearchLimit"] = "20" });
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });
        var requirements = OfferRequirements.For(new GpuSpec { GpuNames = ["RTX 4090"], MinGpuRamGb = 24, MaxPricePerHour = 0.8, DiskGb = 60 }, ModelFamily.Sdxl);

        await harness.Provider.SearchOffersAsync(requirements, Ct);

        var search = Assert.Single(harness.Simulator.RequestsTo(VastRoute.Search));
        Assert.Equal(("POST", "/api/v0/bundles/"), (search.Method, search.Path));
        Assert.Equal(OfferSelectionTests.ReferenceBody, search.Body);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SearchOffersAsync_ReadsOffersWhetherVastWritesNumbersAsNumbersOrStrings(bool asStrings)
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.Variants.NumbersAsStrings = asStrings;
        harness.Simulator.AddOffers(
            new SimulatedOffer { Id = 7, MachineId = 11032, DphBase = 0.41, MinBid = 0.22, CudaMaxGood = 12.6, Reliability = 0.985, InetDownMbps = 1200 },
            new SimulatedOffer { Id = 8, MachineId = 11033, DphBase = 0.30 });

        var selection = await harness.Provider.SearchOffersAsync(VastHarness.Requirements(), Ct);

        Assert.Equal([8L, 7L], selection.Ranked.Select(offer => offer.Id));
        var offer = selection.Ranked[1];
        Assert.Equal((11032L, 1, 24564d, 250d, 1200d), (offer.MachineId, offer.NumGpus, offer.GpuRam, offer.DiskSpace, offer.InetDown!.Value));
        Assert.Equal((0.41, 0.22, 0.985, 30 * 86400d), (offer.DphBase!.Value, offer.MinBid!.Value, offer.Reliability2!.Value, offer.Duration!.Value));
        Assert.Equal(new Version(12, 6), offer.CudaMaxGood);
        Assert.Equal(0.41 + 0.15 * 60 / 720, offer.DphTotal, precision: 6);
    }

    [Fact]
    public async Task RentAsync_WhenTheListingAnswers200WithSuccessFalse_ThrowsVastsMessageInsteadOfCreatingAnother()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });
        harness.Simulator.Faults.RefuseUnder200(VastRoute.List, msg: "Listing is unavailable right now.");

        var error = await Assert.ThrowsAsync<VastApiException>(() => harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(), Ct));

        Assert.Equal("Vast refused the instance listing: 200 internal_error: Listing is unavailable right now.", error.Message);
        Assert.Empty(harness.Simulator.RequestsTo(VastRoute.Create));
        Assert.Empty(harness.Simulator.Instances());
    }

    [Theory]
    [InlineData(VastRoute.Search)]
    [InlineData(VastRoute.Show)]
    [InlineData(VastRoute.Destroy)]
    public async Task Calls_AnsweredWith200AndSuccessFalse_FailWithVastsMessage(VastRoute route)
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });
        var id = harness.Simulator.SeedInstance(1, "loratrainer:test:u:1");
        harness.Simulator.Faults.RefuseUnder200(route, error: "server_busy", msg: "Try again later.");
        Func<Task> call = route switch
        {
            VastRoute.Search => () => harness.Provider.SearchOffersAsync(VastHarness.Requirements(), Ct),
            VastRoute.Show => () => harness.Provider.GetInstanceAsync(id, Ct),
            _ => () => harness.Provider.DestroyAsync(id, Ct),
        };

        var error = await Assert.ThrowsAsync<VastApiException>(call);

        Assert.EndsWith(": 200 server_busy: Try again later.", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
        Assert.Single(harness.Simulator.Instances());
    }

    [Fact]
    public async Task GetInstanceAsync_ReadsNumbersAsStringsEnvObjectsAndPaddedAddresses()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1, MachineId = 11032 });
        var id = harness.Simulator.SeedInstance(1, "loratrainer:test:u:1");
        harness.Simulator.Variants.NumbersAsStrings = true;
        harness.Simulator.Variants.ExtraEnvAsObject = true;

        var instance = await harness.Provider.GetInstanceAsync(id, Ct);

        Assert.NotNull(instance);
        Assert.Equal((id, 11032L, "running"), (instance.Id, instance.MachineId!.Value, instance.ActualStatus));
        Assert.Equal($"198.51.100.{id % 200 + 1}", instance.PublicIpaddr);
        Assert.Equal(JsonValueKind.Object, instance.ExtraEnv!.Value.ValueKind);
        Assert.Equal((20_000 + id % 1000).ToString(), instance.Ports!["22/tcp"][0].HostPort);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetInstanceAsync_OfADestroyedInstance_ReturnsNull(bool goneAs404)
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });
        harness.Simulator.Variants.ShowGoneAs404 = goneAs404;
        var id = harness.Simulator.SeedInstance(1, "x");
        await harness.Provider.DestroyAsync(id, Ct);

        Assert.Null(await harness.Provider.GetInstanceAsync(id, Ct));
    }

    [Theory]
    [InlineData("not_found")]
    [InlineData("no_such_instance")]
    public async Task DestroyAsync_OfAnInstanceAlreadyGone_Succeeds(string error)
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.Variants.DestroyGoneError = error;

        var existed = await harness.Provider.DestroyAsync(424242, Ct);

        Assert.False(existed);
        Assert.Equal(404, harness.Simulator.RequestsTo(VastRoute.Destroy)[0].Status);
    }

    [Fact]
    public async Task DestroyAsync_DestroysAndConfirmsWithARead()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });
        var id = harness.Simulator.SeedInstance(1, "x");

        var existed = await harness.Provider.DestroyAsync(id, Ct);

        Assert.True(existed);
        Assert.Equal(0, harness.Simulator.Cost().AliveInstances);
        Assert.Equal([VastRoute.Destroy, VastRoute.Show], harness.Simulator.Requests.Select(request => request.Route));
    }

    [Fact]
    public async Task ListInstancesAsync_PagesThroughMoreThanOnePage()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });
        var ids = Enumerable.Range(0, 60).Select(n => harness.Simulator.SeedInstance(1, $"label-{n}")).ToList();

        var listed = new List<long>();
        await foreach (var instance in harness.Provider.ListInstancesAsync(null, Ct))
        {
            listed.Add(instance.Id);
        }

        Assert.Equal(ids, listed);
        Assert.Equal(3, harness.Simulator.RequestsTo(VastRoute.List).Count);
        Assert.Contains("limit=25", harness.Simulator.RequestsTo(VastRoute.List)[0].Query);
    }

    [Fact]
    public async Task FindByLabelAsync_AfterSetLabel_FindsTheInstanceByItsNewLabel()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });
        var id = harness.Simulator.SeedInstance(1, "old");
        harness.Simulator.SeedInstance(1, "another");

        await harness.Provider.SetLabelAsync(id, new("test", "uid", 3), Ct);
        var found = await harness.Provider.FindByLabelAsync("loratrainer:test:uid:3", Ct);

        Assert.Equal(id, found?.Id);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(404)]
    public async Task SearchOffersAsync_WithARejectedKey_NamesTheSecretWithoutRetrying(int status)
    {
        await using var harness = await VastHarness.StartAsync(settings: new Dictionary<string, string?> { ["Vast:ApiKey"] = "revoked-key-value" });
        harness.Simulator.Variants.SearchBadKeyStatus = status;

        var error = await Assert.ThrowsAsync<VastAuthenticationException>(() => harness.Provider.SearchOffersAsync(VastHarness.Requirements(), Ct));

        Assert.StartsWith($"Vast rejected the API key in secret {VastHarness.SecretName}", error.Message);
        Assert.Single(harness.Simulator.Requests);
        Assert.DoesNotContain("revoked-key-value", error.ToString());
    }

    [Fact]
    public async Task DestroyAsync_WithARejectedKey_ThrowsInsteadOfCountingTheInstanceGone()
    {
        await using var harness = await VastHarness.StartAsync(settings: new Dictionary<string, string?> { ["Vast:ApiKey"] = "revoked-key-value" });

        await Assert.ThrowsAsync<VastAuthenticationException>(() => harness.Provider.DestroyAsync(1, Ct));
    }

    [Fact]
    public async Task ApiKeyFile_IsReadOnEveryCall_SoARotatedKeyIsPickedUp()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "stale-key\n", Ct);
            await using var harness = await VastHarness.StartAsync(settings: new Dictionary<string, string?> { ["Vast:ApiKey"] = null, ["Vast:ApiKeyFile"] = file });
            await Assert.ThrowsAsync<VastAuthenticationException>(() => harness.Provider.GetInstanceAsync(1, Ct));

            await File.WriteAllTextAsync(file, harness.Simulator.ApiKey + "\n", Ct);

            Assert.Null(await harness.Provider.GetInstanceAsync(1, Ct));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Calls_WithAnEmptyKeyFile_SayTheKeyIsEmptyRatherThanThatVastDidNotAnswer()
    {
        var file = Path.GetTempFileName();
        try
        {
            await using var harness = await VastHarness.StartAsync(settings: new Dictionary<string, string?> { ["Vast:ApiKey"] = null, ["Vast:ApiKeyFile"] = file });
            harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });

            var search = await Assert.ThrowsAsync<VastAuthenticationException>(() => harness.Provider.SearchOffersAsync(VastHarness.Requirements(), Ct));
            var create = await Assert.ThrowsAsync<VastAuthenticationException>(() => harness.Provider.CreateInstanceAsync(
                [new VastOffer { Id = 1, MachineId = 100001, GpuName = "RTX 4090", NumGpus = 1, DphTotal = 0.4 }], VastHarness.Request(), Ct));

            Assert.Equal($"The Vast API key in secret {VastHarness.SecretName} is empty; set it to the key from the Vast console", search.Message);
            Assert.Equal(search.Message, create.Message);
            TroubleshootingDoc.AssertExplains(search.Message);
            Assert.Empty(harness.Simulator.Requests);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Logs_AtTraceLevel_NeverContainTheApiKeyOrTheRunToken()
    {
        var clock = new FakeTimeProvider();
        await using var harness = await VastHarness.StartAsync(new() { Time = clock, Lifecycle = VastLifecycle.Immediate });
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 }, new SimulatedOffer { Id = 2 });
        harness.Simulator.Faults.TakeOfferOnCreate(1);
        harness.Simulator.Faults.RateLimit(VastRoute.Show, 2);
        harness.Simulator.Faults.CreateFailsAfterCommit();

        var rented = await harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(), Ct);
        await harness.Provider.GetInstanceAsync(rented.Instance!.InstanceId, Ct);
        await harness.Provider.DestroyAsync(rented.Instance.InstanceId, Ct);

        var logged = harness.LoggedText().ToList();
        Assert.Contains(logged, text => text.Contains("answered 429", StringComparison.Ordinal));
        Assert.Contains(logged, text => text.Contains("was taken before it could be rented", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, text => text.Contains(harness.Simulator.ApiKey, StringComparison.Ordinal));
        Assert.DoesNotContain(logged, text => text.Contains(VastHarness.RunToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServiceProvider_ResolvesTheTypedClientThroughAddVast()
    {
        await using var harness = await VastHarness.StartAsync();

        Assert.NotNull(harness.Services.GetRequiredService<IVastApi>());
        Assert.Same(harness.Provider, harness.Services.GetRequiredService<VastProvider>());
    }
}
