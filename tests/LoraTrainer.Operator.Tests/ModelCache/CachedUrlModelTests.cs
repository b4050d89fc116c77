using System.Security.Cryptography;
using System.Text;
using LoraTrainer.Api;
using LoraTrainer.Operator.Tests.TrainingRuns;
using LoraTrainer.Testing.ModelHosts;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Operator.Tests.ModelCache;

/// <summary>Token-protected model files given by URL, while their host is down and the model cache holds them.</summary>
public sealed class CachedUrlModelTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const string HuggingFaceToken = "hf_gatedRepositoryToken0123456789";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFluxRunWhoseFilesAreCached_IsPreparedAndRentsWithoutAskingTheirHost_WhileAnUncachedOneWaitsForIt()
    {
        await using var h = await OperatorHarness.StartAsync(s3.Server, s => s["Operator:PresignRefreshInterval"] = "00:00:01");
        await using var host = await GatedFileHost.StartAsync(HuggingFaceToken, Ct);
        h.Vast.AddOffers(OperatorHarness.Offer(3501, machine: 351), OperatorHarness.Offer(3502, machine: 352));
        h.SeedSecret("huggingface", "token", HuggingFaceToken);
        var (store, location) = await ModelCacheObjects.NewCacheAsync(s3.Server, Ct);
        var files = new Dictionary<string, UrlModelSource>();
        foreach (var name in new[] { "flux1-dev", "clip_l", "t5xxl_fp16", "ae" })
        {
            var content = Encoding.UTF8.GetBytes($"{name} weights");
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
            await ModelCacheObjects.PutAsync(store, location, content, sha256, Ct);
            files[name] = Gated(host.Add("black-forest-labs/FLUX.1-dev", $"{name}.safetensors", content), sha256);
        }

        var uncached = Gated(host.Add("black-forest-labs/FLUX.1-dev", "flux1-schnell.safetensors", [1, 2, 3]), new string('e', 64));
        host.Outage = 503;

        await h.ApplyRunAsync("cached", s => s with { BaseModel = Flux(files, files["flux1-dev"], location) });
        await h.ApplyRunAsync("uncached", s => s with { BaseModel = Flux(files, uncached, location) });

        await h.WaitForPhaseAsync("cached", TrainingPhase.PendingGpu);
        // HTTP 503 at first; once the host's circuit opens, that it did not answer.
        var waiting = await h.WaitForAsync("uncached", r => r.Status?.Message?.StartsWith("waiting: spec.baseModel.url: 127.0.0.1", StringComparison.Ordinal) == true);
        Assert.EndsWith("; will retry.", waiting.Status!.Message, StringComparison.Ordinal);
        Assert.Equal(TrainingPhase.Pending, waiting.Status.Phase);
        // The attempt's URLs are issued again, and the cached files' hosts are not asked then either.
        await h.WaitForConfigIssuedAfterAsync("cached", await h.ConfigIssuedAtAsync("cached"));
        var model = (await h.AgentConfigAsync("cached")).Model;
        Assert.All(model.ExtraFiles.Select(f => f.Cache).Append(model.Cache), entry =>
        {
            Assert.True(entry!.Hit);
            Assert.Null(entry.Fallback!.Authorization);
        });
        Assert.Equal(files["ae"].Url, model.ExtraFiles.Single(f => f.Argument == "ae").Cache!.Fallback!.Url);
        Assert.All(h.Run("cached")!.Status!.Model!.Files, f => Assert.True(f.FromCache));
        Assert.DoesNotContain(host.Requests, r => files.Values.Any(f => new Uri(f.Url).AbsolutePath == r.Path));
        Assert.Contains(host.Requests, r => r.Path == new Uri(uncached.Url).AbsolutePath);
    }

    private static BaseModelSpec Flux(Dictionary<string, UrlModelSource> files, UrlModelSource checkpoint, ModelCacheLocation cache) => new()
    {
        Url = checkpoint,
        Family = ModelFamily.Flux,
        Flux = new FluxFilesSpec { ClipL = files["clip_l"], T5xxl = files["t5xxl_fp16"], Ae = files["ae"] },
        Cache = new ModelCacheSpec { Bucket = cache.Bucket, Prefix = cache.Prefix },
    };

    private static UrlModelSource Gated(Uri url, string sha256) => new() { Url = url.ToString(), Sha256 = sha256, TokenSecretRef = new SecretReference { Name = "huggingface" } };
}
