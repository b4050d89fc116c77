using System.Security.Cryptography;
using System.Text.Json;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.Agent.Tests.Running;

public sealed class AgentRunTests : IAsyncLifetime
{
    private AgentScenario _scenario = null!;

    public async ValueTask InitializeAsync() => _scenario = await AgentScenario.StartAsync();

    public ValueTask DisposeAsync() => _scenario.DisposeAsync();

    [Fact]
    public async Task Run_TrainsAndUploadsTheLowestLossEpochWithItsExactBytes()
    {
        var exitCode = await _scenario.RunAgentAsync();

        Assert.Equal(0, exitCode);
        var uploaded = _scenario.Single(EventKinds.Uploaded);
        Assert.Equal(2, uploaded.Epoch);
        Assert.Equal(0.2, uploaded.Loss!.Value, 6);
        Assert.Equal(AgentScenario.BestKey, uploaded.Key);
        Assert.Equal(SelectionMetrics.TrainingLoss, uploaded.Metric);
        Assert.Equal(SelectionMetrics.TrainingLoss, _scenario.Single(EventKinds.TrainingCompleted).Metric);

        var stored = _scenario.Store.Get(AgentScenario.BestKey)!;
        var epochTwo = await File.ReadAllBytesAsync(_scenario.OutputFile("portrait-anna-000002.safetensors"), TestContext.Current.CancellationToken);
        Assert.Equal(epochTwo, stored);
        Assert.Equal(stored.Length, uploaded.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored)), uploaded.Sha256);
        var storedPath = _scenario.Work.Combine("stored.safetensors");
        await File.WriteAllBytesAsync(storedPath, stored, TestContext.Current.CancellationToken);
        Assert.Equal(2, SafetensorsHeader.Epoch(SafetensorsHeader.ReadMetadata(storedPath)));
    }

    [Fact]
    public async Task Run_ReportsEveryStageInOrderWithIncreasingSeqs()
    {
        await _scenario.RunAgentAsync();

        var accepted = _scenario.Receiver.Accepted;
        var milestones = accepted.Where(e => e.Kind is not EventKinds.Progress and not EventKinds.Heartbeat).Select(e => e.Kind);
        Assert.Equal(
            [EventKinds.GpuReady, EventKinds.ImagesDownloaded, EventKinds.ModelDownloaded, EventKinds.Ready,
             EventKinds.EpochCompleted, EventKinds.EpochCompleted, EventKinds.EpochCompleted, EventKinds.TrainingCompleted, EventKinds.Uploaded],
            milestones);
        // Strictly increasing; a queued progress event replaced by a newer one leaves a gap, which the receiver accepts.
        Assert.Equal(1, accepted[0].Seq);
        Assert.All(accepted.Zip(accepted.Skip(1)), pair => Assert.True(pair.Second.Seq > pair.First.Seq));
        Assert.All(accepted, e => Assert.Equal(1, e.Attempt));
        Assert.Equal(0, _scenario.Receiver.Unauthorized);

        Assert.Equal("unknown", _scenario.Single(EventKinds.GpuReady).Gpu!.Name);
        var images = _scenario.Single(EventKinds.ImagesDownloaded);
        Assert.Equal((3, 2), (images.Images, images.Captions));
        Assert.Equal(_scenario.Model.Length, _scenario.Single(EventKinds.ModelDownloaded).Bytes);
        Assert.Contains(accepted, e => e.Kind == EventKinds.Progress && e.Percent is > 0 && e.TotalSteps == 18 && e.TotalEpochs == 3);
    }

    [Fact]
    public async Task Run_ReportsEachEpochsMeanLossAndFileWithTheFinalEpochUnsuffixed()
    {
        await _scenario.RunAgentAsync();

        var epochs = _scenario.Receiver.Accepted.Where(e => e.Kind == EventKinds.EpochCompleted).ToList();
        Assert.Equal([1, 2, 3], epochs.Select(e => e.Epoch!.Value));
        Assert.Equal(["portrait-anna-000001.safetensors", "portrait-anna-000002.safetensors", "portrait-anna.safetensors"], epochs.Select(e => e.File));
        Assert.Equal([0.3, 0.2, 0.25], epochs.Select(e => Math.Round(e.Loss!.Value, 6)));

        var completed = _scenario.Single(EventKinds.TrainingCompleted);
        Assert.Equal(2, completed.BestEpoch);
        Assert.Equal([1, 2, 3], completed.Epochs!.Select(e => e.Epoch));
    }

    [Fact]
    public async Task Run_WhenEveryEpochIsKept_UploadsEachEpochsOwnFile()
    {
        KeepEveryEpoch();

        Assert.Equal(0, await _scenario.RunAgentAsync());

        Assert.Equal(await File.ReadAllBytesAsync(_scenario.OutputFile("portrait-anna-000001.safetensors"), TestContext.Current.CancellationToken), _scenario.Store.Get("loras/anna-e1.safetensors"));
        Assert.Equal(await File.ReadAllBytesAsync(_scenario.OutputFile("portrait-anna.safetensors"), TestContext.Current.CancellationToken), _scenario.Store.Get("loras/anna-e3.safetensors"));
        Assert.Equal(_scenario.Store.Get("loras/anna-e2.safetensors"), _scenario.Store.Get(AgentScenario.BestKey));
        Assert.All(Enumerable.Range(1, 3), n => Assert.Single(_scenario.Store.Requests, r => r.StartsWith($"PUT loras/anna-e{n}.safetensors ", StringComparison.Ordinal)));
    }

    private void KeepEveryEpoch() => _scenario.Receiver.Config = _scenario.Receiver.Config with
    {
        Outputs = _scenario.Receiver.Config.Outputs with
        {
            Epochs = [.. Enumerable.Range(1, 3).Select(n => new EpochUploadTarget { Epoch = n, Url = _scenario.Store.UrlOf($"loras/anna-e{n}.safetensors"), Key = $"loras/anna-e{n}.safetensors" })],
        },
    };

    [Fact]
    public async Task Run_WhenEveryEpochIsKept_UploadsEachEpochWhileTheTrainerIsStillTraining()
    {
        KeepEveryEpoch();
        _scenario.Trainer = _scenario.Trainer with { StepSeconds = 0.1 };
        var finalFile = _scenario.OutputFile("portrait-anna.safetensors");
        var finalFileExistedAtFirstEpochUpload = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _scenario.Store.OnPut = key =>
        {
            if (key == "loras/anna-e1.safetensors")
            {
                finalFileExistedAtFirstEpochUpload.TrySetResult(File.Exists(finalFile));
            }
        };

        Assert.Equal(0, await _scenario.RunAgentAsync());

        Assert.False(await finalFileExistedAtFirstEpochUpload.Task, "epoch 1 should reach the store while epochs 2 and 3 are still training");
        Assert.Equal(await File.ReadAllBytesAsync(_scenario.OutputFile("portrait-anna-000001.safetensors"), TestContext.Current.CancellationToken), _scenario.Store.Get("loras/anna-e1.safetensors"));
    }

    [Fact]
    public async Task Run_WhenTheTrainerIsKilledWithEveryEpochKept_TheEpochsItFinishedAreInTheStore()
    {
        KeepEveryEpoch();
        _scenario.Trainer = _scenario.Trainer with { Mode = FakeTrainerMode.Killed, FailEpoch = 3 };

        Assert.Equal(1, await _scenario.RunAgentAsync());

        Assert.Equal(Stages.Training, _scenario.Single(EventKinds.Failed).Stage);
        Assert.Equal(await File.ReadAllBytesAsync(_scenario.OutputFile("portrait-anna-000001.safetensors"), TestContext.Current.CancellationToken), _scenario.Store.Get("loras/anna-e1.safetensors"));
        Assert.Equal(await File.ReadAllBytesAsync(_scenario.OutputFile("portrait-anna-000002.safetensors"), TestContext.Current.CancellationToken), _scenario.Store.Get("loras/anna-e2.safetensors"));
        Assert.Null(_scenario.Store.Get("loras/anna-e3.safetensors"));
        Assert.DoesNotContain(_scenario.Receiver.Accepted, e => e.Kind == EventKinds.Uploaded);
    }

    [Fact]
    public async Task Run_WhenTheRunHoldsOutAValidationSplit_ChoosesTheEpochByValidationLossAndSaysSo()
    {
        var config = _scenario.Receiver.Config;
        _scenario.Receiver.Config = config with
        {
            Training = config.Training with { Args = config.Training.Args with { ValidationSplit = 0.34 } },
        };
        // Training loss is lowest at epoch 2, validation loss at epoch 3.
        _scenario.Trainer = _scenario.Trainer with { EpochLosses = [0.30, 0.20, 0.25], ValidationLosses = [0.28, 0.24, 0.21] };

        Assert.Equal(0, await _scenario.RunAgentAsync());

        var uploaded = _scenario.Single(EventKinds.Uploaded);
        Assert.Equal((3, SelectionMetrics.ValidationLoss), (uploaded.Epoch, uploaded.Metric));
        Assert.Equal(0.21, uploaded.Loss!.Value, 6);
        var completed = _scenario.Single(EventKinds.TrainingCompleted);
        Assert.Equal((3, SelectionMetrics.ValidationLoss), (completed.BestEpoch, completed.Metric));
        Assert.Equal([0.28, 0.24, 0.21], completed.Epochs!.Select(e => Math.Round(e.ValidationLoss!.Value, 6)));
        Assert.Equal([0.30, 0.20, 0.25], completed.Epochs!.Select(e => Math.Round(e.Loss, 6)));
        Assert.All(_scenario.Receiver.Accepted.Where(e => e.Kind == EventKinds.EpochCompleted), e => Assert.NotNull(e.ValidationLoss));
        Assert.Equal(await File.ReadAllBytesAsync(_scenario.OutputFile("portrait-anna.safetensors"), TestContext.Current.CancellationToken), _scenario.Store.Get(AgentScenario.BestKey));
        var args = await File.ReadAllTextAsync(_scenario.Work.Combine("args.toml"), TestContext.Current.CancellationToken);
        Assert.Contains("validation_split = 0.34", args, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NeverSendsTheTokenTheModelKeyOrAnyUrlInAnEvent()
    {
        await _scenario.RunAgentAsync();

        Assert.NotEmpty(_scenario.Receiver.Events);
        foreach (var body in _scenario.Receiver.Events.Select(e => e.Body))
        {
            Assert.DoesNotContain(_scenario.Receiver.Token, body, StringComparison.Ordinal);
            Assert.DoesNotContain("civitai-secret-key", body, StringComparison.Ordinal);
            Assert.DoesNotContain("X-Amz", body, StringComparison.Ordinal);
            Assert.DoesNotContain("http", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_DownloadsTheModelWithItsKeyAndTheDatasetWithout()
    {
        await _scenario.RunAgentAsync();

        Assert.Contains("GET datasets/portrait.zip range= auth=no", _scenario.Store.Requests);
        Assert.Contains("GET models/base.safetensors range= auth=yes", _scenario.Store.Requests);
    }

    [Fact]
    public async Task Run_ForFlux_DownloadsTheExtraFilesAndPassesThemByArgumentName()
    {
        UseFlux(new Dictionary<string, object?> { ["network_train_unet_only"] = true });

        Assert.Equal(0, await _scenario.RunAgentAsync());

        var args = Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>(await File.ReadAllTextAsync(_scenario.Work.Combine("args.toml"), TestContext.Current.CancellationToken))!;
        Assert.Equal(_scenario.Work.Combine("models", "ae.safetensors"), args["ae"]);
        Assert.Equal("ae weights", await File.ReadAllTextAsync((string)args["ae"]!, TestContext.Current.CancellationToken));
        Assert.Equal(_scenario.Work.Combine("models", "t5xxl.safetensors"), args["t5xxl"]);
    }

    [Fact]
    public async Task Run_ForFlux_WithTextEncoderOutputsCachedWhileClipLTrains_TrainsAndUploads()
    {
        // flux_train_network.py caches T5XXL's outputs and trains CLIP-L; only SDXL's script refuses this combination.
        UseFlux(new Dictionary<string, object?> { ["cache_text_encoder_outputs"] = true, ["text_encoder_lr"] = 5e-5 });

        Assert.Equal(0, await _scenario.RunAgentAsync());

        Assert.NotNull(_scenario.Store.Get(AgentScenario.BestKey));
        Assert.DoesNotContain(_scenario.Receiver.Accepted, e => e.Kind == EventKinds.Failed);
    }

    private void UseFlux(Dictionary<string, object?> args)
    {
        var files = new[] { "clip_l", "t5xxl", "ae" }.Select(name =>
        {
            var content = System.Text.Encoding.ASCII.GetBytes($"{name} weights");
            _scenario.Store.Put($"models/{name}.safetensors", content);
            return new ModelFile
            {
                Argument = name,
                Url = _scenario.Store.UrlOf($"models/{name}.safetensors"),
                FileName = $"{name}.safetensors",
                Bytes = content.Length,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
            };
        }).ToList();
        var flux = new Dictionary<string, object?>
        {
            ["network_module"] = "networks.lora_flux",
            ["guidance_scale"] = 1.0,
            ["timestep_sampling"] = "flux_shift",
            ["model_prediction_type"] = "raw",
            ["mixed_precision"] = "bf16",
        };
        foreach (var (name, value) in args)
        {
            flux[name] = value;
        }

        var config = _scenario.Receiver.Config;
        _scenario.Receiver.Config = config with
        {
            Model = config.Model with { Family = "flux", ExtraFiles = files },
            Training = config.Training with
            {
                Script = "flux_train_network.py",
                Args = JsonSerializer.SerializeToNode(flux)!.Deserialize<TrainingArgs>(ProtocolJson.Options)! with { MaxTrainEpochs = config.Training.Args.MaxTrainEpochs },
            },
        };
    }

    [Fact]
    public async Task Run_BeforeUploading_FetchesFreshUploadUrls()
    {
        var config = _scenario.Receiver.Config;
        _scenario.Receiver.RefreshedConfig = config with
        {
            Outputs = new OutputTargets { Best = new UploadTarget { Url = _scenario.Store.UrlOf("loras/fresh.safetensors"), Key = "loras/fresh.safetensors" } },
        };

        Assert.Equal(0, await _scenario.RunAgentAsync());

        Assert.Equal(2, _scenario.Receiver.ConfigRequests);
        Assert.NotNull(_scenario.Store.Get("loras/fresh.safetensors"));
        Assert.Null(_scenario.Store.Get(AgentScenario.BestKey));
        Assert.Equal("loras/fresh.safetensors", _scenario.Single(EventKinds.Uploaded).Key);
    }
}
