using System.Security.Cryptography;
using System.Text;
using LoraTrainer.Api;
using LoraTrainer.Testing.World;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.ModelHosts;

namespace LoraTrainer.EndToEndTests;

/// <summary>The Flux sample, with its files served by a gated host, trains end to end; the host's token never leaves the cluster.</summary>
public sealed class FluxTests : IAsyncLifetime
{
    private const string Token = "hf_fluxGatedRepositoryToken42";
    private TestWorld _stack = null!;
    private GatedFileHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _stack = await Scenario.StartStackAsync(TestWorld.Offer(801, machine: 81, price: 0.65));
        _host = await GatedFileHost.StartAsync(Token);
    }

    public async ValueTask DisposeAsync()
    {
        // A test skipped for a missing program has no stack.
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task ApplyingTheFluxSample_TrainsWithItsTextEncodersAndAutoencoder_AndReleasesTheGpu()
    {
        _stack.Civitai.Add(FakeCivitaiVersion.Checkpoint(691639, "Flux.1 D", "urn:air:flux1:checkpoint:civitai:618692@691639", "flux1-dev.safetensors",
            RandomNumberGenerator.GetBytes(32 * 1024)));
        var manifest = Samples.Read("trainingrun-flux.yaml");
        foreach (var (repository, file, gated) in new[]
                 {
                     ("comfyanonymous/flux_text_encoders", "clip_l.safetensors", false),
                     ("comfyanonymous/flux_text_encoders", "t5xxl_fp16.safetensors", false),
                     ("black-forest-labs/FLUX.1-schnell", "ae.safetensors", true),
                 })
        {
            var content = Encoding.UTF8.GetBytes($"{file} weights");
            var url = _host.Add(repository, file, content, gated);
            var sampleUrl = $"https://huggingface.co/{repository}/resolve/main/{file}";
            var sampleSha = manifest[(manifest.IndexOf(sampleUrl, StringComparison.Ordinal) + sampleUrl.Length)..].Split("sha256: ")[1][..64];
            manifest = manifest.Replace(sampleUrl, url.ToString(), StringComparison.Ordinal)
                .Replace(sampleSha, Convert.ToHexStringLower(SHA256.HashData(content)), StringComparison.Ordinal);
        }

        await _stack.ApplyAsync($"""
            apiVersion: v1
            kind: Secret
            metadata:
              name: huggingface
            data:
              token: {Convert.ToBase64String(Encoding.UTF8.GetBytes(Token))}
            """);
        // Each of the four files is cached under its SHA-256 once the run has verified it.
        await _stack.S3.EnsureBucketAsync("model-cache", TestContext.Current.CancellationToken);
        manifest = manifest.Replace("  baseModel:\n", "  baseModel:\n    cache: {bucket: model-cache, prefix: flux}\n", StringComparison.Ordinal);
        await _stack.ApplyAsync(manifest);
        var run = await _stack.WaitForAsync("portrait-flux", r => r.Status?.Phase is TrainingPhase.Completed or TrainingPhase.Failed or TrainingPhase.Stalled,
            seconds: 60, cancellationToken: TestContext.Current.CancellationToken);
        var completedAt = Scenario.Now;

        var agent = Assert.Single(_stack.Agents.Agents.Values);
        Assert.True(run.Status!.Phase == TrainingPhase.Completed, $"{run.Status.Phase}: {run.Status.Message}\n{agent.Output}");
        Assert.Equal(ModelFamily.Flux, run.Status.Model!.Family);
        var args = await File.ReadAllTextAsync(Path.Combine(_stack.Agents.WorkDirectory(agent.InstanceId), "args.toml"), TestContext.Current.CancellationToken);
        Assert.Contains("flux-ae.safetensors", args, StringComparison.Ordinal);
        Assert.Contains("flux-clip_l.safetensors", args, StringComparison.Ordinal);
        Assert.Contains("flux-t5xxl.safetensors", args, StringComparison.Ordinal);

        // Only the operator sent the token (to get the signed link); the GPU host downloaded the autoencoder without it.
        var ae = _host.Requests.Where(r => r.Path.EndsWith("/ae.safetensors", StringComparison.Ordinal)).ToList();
        Assert.Contains(ae, r => r.Path.StartsWith("/black-forest-labs/", StringComparison.Ordinal) && r.Authorization == $"Bearer {Token}");
        Assert.Contains(ae, r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal) && string.IsNullOrEmpty(r.Authorization));
        Assert.DoesNotContain(Token, agent.Output, StringComparison.Ordinal);

        var cached = await _stack.WaitForAsync("portrait-flux", r => r.Status?.Model?.Files is { Count: 4 } files && files.All(f => f.Cache == ModelCacheStates.Cached),
            seconds: 30, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal([null, "clip_l", "t5xxl", "ae"], cached.Status!.Model!.Files.Select(f => f.Argument));
        foreach (var file in cached.Status.Model.Files)
        {
            var bytes = await _stack.S3.GetObjectAsync("model-cache", $"flux/sha256/{file.Sha256}", TestContext.Current.CancellationToken);
            Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes!)));
        }

        var ledger = await _stack.AssertLedgerAsync(InstanceBudget.Until(completedAt, "the one attempt: until the run completed"));
        Assert.True(ledger.Dollars > 0);
    }
}
