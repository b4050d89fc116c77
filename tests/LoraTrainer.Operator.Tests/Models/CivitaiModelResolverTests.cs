using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.Operator.Models;
using LoraTrainer.Testing.Civitai;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace LoraTrainer.Operator.Tests.Models;

public sealed class CivitaiModelResolverTests : IAsyncLifetime
{
    private const string Key = "civitai-key-0123456789abcdef";
    private static readonly byte[] SdxlBytes = RandomNumberGenerator.GetBytes(48_123);
    private CivitaiFake _civitai = null!;
    private ServiceProvider _services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private CivitaiModelResolver Resolver => _services.GetRequiredService<CivitaiModelResolver>();

    private FakeLogCollector Logs => _services.GetRequiredService<FakeLogCollector>();

    public async ValueTask InitializeAsync()
    {
        _civitai = await CivitaiFake.StartAsync(cancellationToken: Ct);
        _civitai.AcceptKey(Key)
            .Add(FakeCivitaiVersion.Checkpoint(128078, "SDXL 1.0", "urn:air:sdxl:checkpoint:civitai:101055@128078", "sd_xl_base_1.0.safetensors", SdxlBytes));
        _services = BuildServices(_civitai.BaseUrl, maxRetries: 2);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _civitai.DisposeAsync();
    }

    [Fact]
    public async Task ResolveAsync_WhenCivitaiRedirects_HandsTheAgentASignedUrlThatWorksWithoutTheKey()
    {
        var resolution = await Resolver.ResolveAsync(128078, family: null, apiKey: Key, Ct);

        Assert.Equal(ModelResolutionOutcome.Resolved, resolution.Outcome);
        Assert.Equal(DownloadAccess.SignedUrl, resolution.Access);
        var source = resolution.Source!;
        Assert.Null(source.Authorization);
        Assert.DoesNotContain(Key, source.Url);
        Assert.Equal(("sdxl", "sd_xl_base_1.0.safetensors", SdxlBytes.Length), (source.Family, source.FileName, source.Bytes));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(SdxlBytes)), source.Sha256);
        Assert.Equal(ModelFamily.Sdxl, resolution.Status!.Family);

        using var agent = new HttpClient();
        var downloaded = await agent.GetByteArrayAsync(source.Url, Ct);
        Assert.Equal(SdxlBytes, downloaded);
        Assert.All(_civitai.RequestsTo("/files/"), r => Assert.Null(r.Authorization));
        Assert.All(_civitai.RequestsTo("/api/"), r => Assert.Equal($"Bearer {Key}", r.Authorization));
    }

    [Theory]
    [InlineData("SD 1.5", null, "sd15")]
    [InlineData("Pony", null, "sdxl")]
    [InlineData("Illustrious", null, "sdxl")]
    [InlineData("Flux.1 D", null, "flux")]
    [InlineData("Flux.1 S", null, "flux")]
    [InlineData(null, "urn:air:flux1:checkpoint:civitai:618692@691639", "flux")]
    public async Task ResolveAsync_TellsTheFamilyFromBaseModelOrAir(string? baseModel, string? air, string family)
    {
        _civitai.Add(FakeCivitaiVersion.Checkpoint(500, baseModel, air, "model.safetensors", [1, 2, 3]));

        var resolution = await Resolver.ResolveAsync(500, family: null, apiKey: null, Ct);

        Assert.Equal(family, resolution.Source?.Family);
    }

    [Fact]
    public async Task ResolveAsync_WhenFamilyIsUnknown_AsksTheUserToSetItUnlessTheySetIt()
    {
        _civitai.Add(FakeCivitaiVersion.Checkpoint(501, "SD 3.5", "urn:air:sd3:checkpoint:civitai:1@501", "sd35.safetensors", [1]));

        var unknown = await Resolver.ResolveAsync(501, family: null, apiKey: null, Ct);
        var told = await Resolver.ResolveAsync(501, family: ModelFamily.Sdxl, apiKey: null, Ct);

        Assert.Equal(ModelResolutionOutcome.NeedsUserAction, unknown.Outcome);
        Assert.Contains("set spec.baseModel.family to sd15, sdxl or flux", unknown.Message);
        Assert.Contains("\"SD 3.5\"", unknown.Message);
        Assert.Equal("sdxl", told.Source?.Family);
    }

    [Fact]
    public async Task ResolveAsync_WhenVersionDoesNotExist_TellsTheUserToCheckTheId()
    {
        var resolution = await Resolver.ResolveAsync(999, family: null, apiKey: null, Ct);

        Assert.Equal(ModelResolutionOutcome.NeedsUserAction, resolution.Outcome);
        Assert.Contains("no model version 999 (404)", resolution.Message);
        Assert.Single(_civitai.RequestsTo("/api/v1/model-versions/999"));
    }

    [Theory]
    [InlineData(401, "needs an API key")]
    [InlineData(403, "403: early access")]
    public async Task ResolveAsync_WhenCivitaiRefusesTheCaller_TellsTheUserWithoutRetrying(int status, string message)
    {
        _civitai.Fail("/api/v1/model-versions/", status);

        var resolution = await Resolver.ResolveAsync(128078, family: null, apiKey: null, Ct);

        Assert.Equal(ModelResolutionOutcome.NeedsUserAction, resolution.Outcome);
        Assert.Contains(message, resolution.Message);
        Assert.Single(_civitai.RequestsTo("/api/v1/model-versions/"));
    }

    [Fact]
    public async Task ResolveAsync_WhenDownloadNeedsAKeyAndNoneIsGiven_AsksForOne()
    {
        _civitai.Add(FakeCivitaiVersion.Checkpoint(502, "SDXL 1.0", null, "gated.safetensors", [1, 2]) with { RequiresKey = true });

        var resolution = await Resolver.ResolveAsync(502, family: null, apiKey: null, Ct);

        Assert.Equal(ModelResolutionOutcome.NeedsUserAction, resolution.Outcome);
        Assert.Contains("needs an API key to download", resolution.Message);
        Assert.Contains("spec.credentials.civitai", resolution.Message);
    }

    [Fact]
    public async Task ResolveAsync_WhenThrottledTwice_RetriesAndResolves()
    {
        _civitai.Fail("/api/v1/model-versions/", 429, times: 2);

        var resolution = await Resolver.ResolveAsync(128078, family: null, apiKey: Key, Ct);

        Assert.Equal(ModelResolutionOutcome.Resolved, resolution.Outcome);
        Assert.Equal(3, _civitai.RequestsTo("/api/v1/model-versions/").Count);
    }

    [Fact]
    public async Task ResolveAsync_WhenCivitaiKeepsFailing_AsksToRetryLater()
    {
        _civitai.Fail("/api/v1/model-versions/", 503, times: 5);

        var resolution = await Resolver.ResolveAsync(128078, family: null, apiKey: Key, Ct);

        Assert.Equal(ModelResolutionOutcome.RetryLater, resolution.Outcome);
        Assert.Contains("503", resolution.Message);
        Assert.Equal(3, _civitai.RequestsTo("/api/v1/model-versions/").Count);
    }

    [Fact]
    public async Task ResolveAsync_WhenTheDownloadIsThrottledThenRedirects_StillHandsOutTheSignedUrl()
    {
        _civitai.Fail("/api/download/", 500);

        var resolution = await Resolver.ResolveAsync(128078, family: null, apiKey: Key, Ct);

        Assert.Equal(DownloadAccess.SignedUrl, resolution.Access);
        Assert.Equal(2, _civitai.RequestsTo("/api/download/").Count);
    }

    [Fact]
    public async Task ResolveAsync_WhenCivitaiAnswersWithoutARedirect_FallsBackToTheKeyInTheHeader()
    {
        _civitai.Add(FakeCivitaiVersion.Checkpoint(503, "SD 1.5", null, "direct.safetensors", [9, 9, 9]) with { RedirectsDownloads = false });

        var resolution = await Resolver.ResolveAsync(503, family: null, apiKey: Key, Ct);

        Assert.Equal(DownloadAccess.ApiKey, resolution.Access);
        Assert.Equal($"Bearer {Key}", resolution.Source!.Authorization);
        Assert.Equal(new Uri(_civitai.BaseUrl, "/api/download/models/503").AbsoluteUri, resolution.Source.Url);
        Assert.DoesNotContain(Key, resolution.ToString());
    }

    [Fact]
    public async Task ResolveAsync_WhenNoRunKeyIsGiven_UsesTheOperatorKey()
    {
        await using var services = BuildServices(_civitai.BaseUrl, maxRetries: 0, operatorKey: Key);
        _civitai.Add(FakeCivitaiVersion.Checkpoint(504, "SDXL 1.0", null, "gated.safetensors", [1]) with { RequiresKey = true });

        var resolution = await services.GetRequiredService<CivitaiModelResolver>().ResolveAsync(504, null, apiKey: null, Ct);

        Assert.Equal(DownloadAccess.SignedUrl, resolution.Access);
    }

    [Fact]
    public async Task ResolveAsync_WhenPrimaryFileIsAPickle_PicksTheSafeTensorModelFile()
    {
        _civitai.Add(new FakeCivitaiVersion(505, "SD 1.5", null,
        [
            new FakeCivitaiFile("model.ckpt", [1]) { Format = "PickleTensor", Primary = true },
            new FakeCivitaiFile("model.safetensors", [2, 2]) { Primary = false },
            new FakeCivitaiFile("dataset.zip", [3, 3, 3]) { Type = "Training Data", Format = "Other", Primary = false },
        ]));

        var resolution = await Resolver.ResolveAsync(505, null, apiKey: Key, Ct);

        Assert.Equal(("model.safetensors", 2L), (resolution.Source!.FileName, resolution.Source.Bytes));
        using var agent = new HttpClient();
        Assert.Equal([2, 2], await agent.GetByteArrayAsync(resolution.Source.Url, Ct));
    }

    [Fact]
    public async Task ResolveAsync_WhenOnlyPicklesOrNotACheckpoint_TellsTheUserWhy()
    {
        _civitai.Add(new FakeCivitaiVersion(506, "SD 1.5", null, [new FakeCivitaiFile("model.ckpt", [1]) { Format = "PickleTensor" }]));
        _civitai.Add(FakeCivitaiVersion.Checkpoint(507, "SDXL 1.0", null, "style.safetensors", [1]) with { ModelType = "LORA" });

        var pickle = await Resolver.ResolveAsync(506, null, apiKey: null, Ct);
        var lora = await Resolver.ResolveAsync(507, null, apiKey: null, Ct);

        Assert.Contains("has no SafeTensor model file (only PickleTensor)", pickle.Message);
        Assert.Contains("is a LORA, not a checkpoint", lora.Message);
    }

    [Fact]
    public async Task ResolveAsync_NeverLogsTheKeyOrTheSignedUrl()
    {
        _civitai.Fail("/api/v1/model-versions/", 429);

        var resolution = await Resolver.ResolveAsync(128078, family: null, apiKey: Key, Ct);

        var logged = string.Join('\n', Logs.GetSnapshot().Select(r => r.Message + " " + string.Join(',', r.StructuredState ?? [])));
        Assert.NotEmpty(Logs.GetSnapshot());
        Assert.DoesNotContain(Key, logged);
        Assert.DoesNotContain(new Uri(resolution.Source!.Url).Query, logged);
    }

    private static ServiceProvider BuildServices(Uri baseUrl, int maxRetries, string? operatorKey = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Civitai:BaseUrl"] = baseUrl.ToString(),
            ["Civitai:ApiKey"] = operatorKey,
            ["Civitai:MaxRetries"] = maxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Civitai:RetryDelay"] = "00:00:00.010",
        }).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddFakeLogging())
            .AddModels()
            .BuildServiceProvider();
    }
}
