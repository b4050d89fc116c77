using System.Text;
using LoraTrainer.Api;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.ModelHosts;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

public sealed class FluxRunTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private const string HuggingFaceToken = "hf_gatedRepositoryToken0123456789";
    private static readonly string Sha = new('c', 64);
    private OperatorHarness _h = null!;
    private GatedFileHost _files = null!;

    public async ValueTask InitializeAsync()
    {
        _h = await OperatorHarness.StartAsync(s3.Server);
        _files = await GatedFileHost.StartAsync(HuggingFaceToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _h.DisposeAsync();
        await _files.DisposeAsync();
    }

    [Fact]
    public async Task AFluxRun_WithItsThreeFiles_HandsTheAgentEachFileByTheArgumentThatTakesIt()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(701, machine: 71));

        await _h.ApplyRunAsync("flux", s => s with { BaseModel = FluxModel(ae: Public("https://models.example.com/ae.safetensors")) });

        await _h.WaitForPhaseAsync("flux", TrainingPhase.PendingGpu);
        var config = await _h.AgentConfigAsync("flux");
        Assert.Equal("flux", config.Model.Family);
        Assert.Equal("flux_train_network.py", config.Training.Script);
        Assert.Equal("networks.lora_flux", config.Training.Args.NetworkModule);
        Assert.Equal(["clip_l", "t5xxl", "ae"], config.Model.ExtraFiles.Select(f => f.Argument));
        Assert.Equal("https://models.example.com/ae.safetensors", config.Model.ExtraFiles[2].Url);
        Assert.All(config.Model.ExtraFiles, f => Assert.Equal(Sha, f.Sha256));
        Assert.All(config.Model.ExtraFiles, f => Assert.Null(f.Authorization));
        Assert.Equal(3, config.Model.ExtraFiles.Select(f => f.FileName).Append(config.Model.FileName).Distinct().Count() - 1);
        await DeleteAndExpectNothingAliveAsync("flux");
    }

    [Fact]
    public async Task AGatedFile_WithAToken_ReachesTheAgentAsASignedLink_AndTheTokenStaysInTheCluster()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(711, machine: 72));
        SeedTokenSecret(HuggingFaceToken);
        var ae = _files.Add("black-forest-labs/FLUX.1-schnell", "ae.safetensors", Encoding.UTF8.GetBytes("autoencoder"));

        await _h.ApplyRunAsync("gated", s => s with { BaseModel = FluxModel(ae: Gated(ae)) });

        await _h.WaitForPhaseAsync("gated", TrainingPhase.PendingGpu);
        var file = (await _h.AgentConfigAsync("gated")).Model.ExtraFiles.Single(f => f.Argument == "ae");
        Assert.Null(file.Authorization);
        Assert.StartsWith(new Uri(_files.BaseUrl, "/cdn/black-forest-labs/FLUX.1-schnell/resolve/main/ae.safetensors?sig=").ToString(), file.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(HuggingFaceToken, file.Url, StringComparison.Ordinal);
        using (var http = new HttpClient())
        {
            Assert.Equal("autoencoder", await http.GetStringAsync(new Uri(file.Url), TestContext.Current.CancellationToken));
        }

        Assert.Contains(_files.Requests, r => r.Authorization == $"Bearer {HuggingFaceToken}" && r.Path.EndsWith("/ae.safetensors", StringComparison.Ordinal));
        await DeleteAndExpectNothingAliveAsync("gated");
    }

    [Fact]
    public async Task AGatedFileServedDirectly_GivesTheAgentTheTokenAsItsOnlyWayIn()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(721, machine: 73));
        SeedTokenSecret(HuggingFaceToken);
        _files.ServeDirectly = true;
        var ae = _files.Add("mirror/flux", "ae.safetensors", Encoding.UTF8.GetBytes("autoencoder"));

        await _h.ApplyRunAsync("direct", s => s with { BaseModel = FluxModel(ae: Gated(ae)) });

        await _h.WaitForPhaseAsync("direct", TrainingPhase.PendingGpu);
        var file = (await _h.AgentConfigAsync("direct")).Model.ExtraFiles.Single(f => f.Argument == "ae");
        Assert.Equal(ae.ToString(), file.Url);
        Assert.Equal($"Bearer {HuggingFaceToken}", file.Authorization);
        await DeleteAndExpectNothingAliveAsync("direct");
    }

    [Fact]
    public async Task AGatedFile_WithAWrongToken_FailsNamingTheField_WithoutTheTokenAndBeforeAnyGpuIsRented()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(731, machine: 74));
        SeedTokenSecret("hf_someoneElsesToken");
        var ae = _files.Add("black-forest-labs/FLUX.1-dev", "ae.safetensors", [1, 2, 3]);

        await _h.ApplyRunAsync("refused", s => s with { BaseModel = FluxModel(ae: Gated(ae)) });

        var failed = await _h.WaitForPhaseAsync("refused", TrainingPhase.Failed);
        Assert.StartsWith("spec.baseModel.flux.ae: 127.0.0.1 refused the token (HTTP 401)", failed.Status!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hf_", failed.Status.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task ATokenSecretThatDoesNotExist_IsReportedByName()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(741, machine: 75));
        var ae = _files.Add("black-forest-labs/FLUX.1-dev", "ae.safetensors", [1, 2, 3]);

        await _h.ApplyRunAsync("nosecret", s => s with { BaseModel = FluxModel(ae: Gated(ae)) });

        var failed = await _h.WaitForPhaseAsync("nosecret", TrainingPhase.Failed);
        Assert.Equal("spec.baseModel.flux.ae.tokenSecretRef: Secret ml-team/huggingface not found; create it or remove the reference", failed.Status!.Message);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task AFluxModelWithoutItsFiles_IsRefusedSayingWhatToSet()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(751, machine: 76));

        await _h.ApplyRunAsync("bare", s => s with { BaseModel = FluxModel(ae: Public("https://models.example.com/ae.safetensors")) with { Flux = null } });

        var failed = await _h.WaitForPhaseAsync("bare", TrainingPhase.Failed);
        Assert.StartsWith("spec.baseModel.flux: a Flux model trains with three more files; set clipL, t5xxl and ae", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task FluxFilesOnACivitaiSdxlModel_AreRefused()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(761, machine: 77));
        _h.Civitai.Add(FakeCivitaiVersion.Checkpoint(128078, "SDXL 1.0", null, "sd_xl_base_1.0.safetensors", [1, 2, 3]));

        await _h.ApplyRunAsync("mixed", s => s with
        {
            BaseModel = new BaseModelSpec { Civitai = new CivitaiModelSource { ModelVersionId = 128078 }, Flux = FluxModel(ae: Public("https://models.example.com/ae.safetensors")).Flux },
        });

        var failed = await _h.WaitForPhaseAsync("mixed", TrainingPhase.Failed);
        Assert.StartsWith("spec.baseModel.flux: only Flux models take these files, and this model is sdxl", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task AFluxOnlyExtraArgument_OnAnSd15Run_IsRefusedBeforeAnyGpuIsRented()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(771, machine: 78));

        await _h.ApplyRunAsync("misfit", s => s with
        {
            Training = s.Training! with { ExtraArgs = new Dictionary<string, System.Text.Json.JsonElement> { ["guidance_scale"] = System.Text.Json.JsonSerializer.SerializeToElement(3.5) } },
        });

        var failed = await _h.WaitForPhaseAsync("misfit", TrainingPhase.Failed);
        Assert.Equal("spec.training.extraArgs.guidance_scale is only for flux models, and this run trains sd15", failed.Status!.Message);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    [Fact]
    public async Task AFluxRun_CachingTextEncoderOutputsWhileClipLTrains_IsHandedToTheAgent()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(801, machine: 81));

        await _h.ApplyRunAsync("flux-clip", s => s with
        {
            BaseModel = FluxModel(ae: Public("https://models.example.com/ae.safetensors")),
            Training = s.Training! with { ExtraArgs = SdScriptsPreflightTests.Args(("network_train_unet_only", false)) },
        });

        await _h.WaitForPhaseAsync("flux-clip", TrainingPhase.PendingGpu);
        var args = (await _h.AgentConfigAsync("flux-clip")).Training.Args;
        Assert.True(args.CacheTextEncoderOutputs);
        Assert.False(args.NetworkTrainUnetOnly);
        await DeleteAndExpectNothingAliveAsync("flux-clip");
    }

    [Fact]
    public async Task AFluxRun_TrainingT5xxlWithCachedTextEncoderOutputs_IsRefusedBeforeAnyGpuIsRented()
    {
        _h.Vast.AddOffers(OperatorHarness.Offer(811, machine: 82));

        await _h.ApplyRunAsync("flux-t5", s => s with
        {
            BaseModel = FluxModel(ae: Public("https://models.example.com/ae.safetensors")),
            Training = s.Training! with { ExtraArgs = SdScriptsPreflightTests.Args(("network_args", new[] { "train_t5xxl=True" })) },
        });

        var failed = await _h.WaitForPhaseAsync("flux-t5", TrainingPhase.Failed);
        Assert.StartsWith("spec.training.extraArgs.cache_text_encoder_outputs cannot be used while network_args trains T5XXL", failed.Status!.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Vast.Instances(includeDestroyed: true));
    }

    private static BaseModelSpec FluxModel(UrlModelSource ae) => new()
    {
        Url = new UrlModelSource { Url = "https://models.example.com/flux1-dev.safetensors", Sha256 = Sha },
        Family = ModelFamily.Flux,
        Flux = new FluxFilesSpec
        {
            ClipL = Public("https://models.example.com/clip_l.safetensors"),
            T5xxl = Public("https://models.example.com/t5xxl_fp16.safetensors"),
            Ae = ae,
        },
    };

    private static UrlModelSource Public(string url) => new() { Url = url, Sha256 = Sha };

    private static UrlModelSource Gated(Uri url) => new() { Url = url.ToString(), Sha256 = Sha, TokenSecretRef = new SecretReference { Name = "huggingface" } };

    private void SeedTokenSecret(string token) => _h.SeedSecret("huggingface", "token", token);

    private async Task DeleteAndExpectNothingAliveAsync(string name)
    {
        _h.Kube.Delete(TrainingRun.ApiVersionString, TrainingRun.KindName, OperatorHarness.Namespace, name);
        await _h.Kube.WaitForDeletionAsync(TrainingRun.ApiVersionString, TrainingRun.KindName, OperatorHarness.Namespace, name, TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(0, _h.Vast.Cost().AliveInstances);
        Assert.Single(_h.Vast.Instances(includeDestroyed: true));
    }
}
