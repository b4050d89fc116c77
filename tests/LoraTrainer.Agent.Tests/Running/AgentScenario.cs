using System.IO.Compression;
using System.Security.Cryptography;
using LoraTrainer.Agent.Tests.Fakes;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Trainer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LoraTrainer.Agent.Tests.Running;

/// <summary>
/// A whole agent run on loopback: the signed receiver double serves the config and records events, the object
/// store double serves the dataset zip and the model (behind an Authorization header) and takes the uploads, and
/// the fake sd-scripts trainer trains.
/// </summary>
internal sealed class AgentScenario : IAsyncDisposable
{
    public const string ModelAuthorization = "Bearer civitai-secret-key-0123456789";
    public const string BestKey = "loras/anna.safetensors";

    private AgentScenario(TempFolder work, SignedReceiverDouble receiver, ObjectStoreDouble store, byte[] model)
    {
        Work = work;
        Receiver = receiver;
        Store = store;
        Model = model;
    }

    public TempFolder Work { get; }

    public SignedReceiverDouble Receiver { get; }

    public ObjectStoreDouble Store { get; }

    public byte[] Model { get; }

    public FakeTrainerSettings Trainer { get; set; } = new() { EpochLosses = [0.30, 0.20, 0.25] };

    /// <summary>The output folder of the trainer, as the agent lays it out.</summary>
    public string OutputFile(string name) => Work.Combine("output", name);

    public static async Task<AgentScenario> StartAsync()
    {
        var receiver = await SignedReceiverDouble.StartAsync("ml-team", "portrait-anna");
        var store = await ObjectStoreDouble.StartAsync();
        var model = RandomNumberGenerator.GetBytes(64_000);
        var zip = DatasetZip(("a.png", [1, 2, 3]), ("a.txt", "ohwx woman, smiling"u8.ToArray()), ("b.jpg", [4, 5]), ("b.txt", "ohwx woman, beach"u8.ToArray()), ("c.webp", [6]));
        store.Put("datasets/portrait.zip", zip);
        store.Put("models/base.safetensors", model);
        store.RequireAuthorization("models/base.safetensors", ModelAuthorization);

        var scenario = new AgentScenario(new TempFolder(), receiver, store, model);
        receiver.Config = new AgentConfig
        {
            Run = new RunIdentity { Namespace = "ml-team", Name = "portrait-anna", Uid = "6f1c", Attempt = 1 },
            Dataset = new DatasetSource
            {
                Url = store.UrlOf("datasets/portrait.zip"),
                Bytes = zip.Length,
                Layout = new DatasetLayout { Repeats = 2, ClassTokens = "ohwx woman", CaptionExtension = ".txt", Resolution = 512, BatchSize = 1 },
            },
            Model = new ModelSource
            {
                Family = "sd15",
                Url = store.UrlOf("models/base.safetensors"),
                Authorization = ModelAuthorization,
                FileName = "base.safetensors",
                Bytes = model.Length,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(model)),
            },
            Training = new TrainingPlan
            {
                Script = "train_network.py",
                Args = new TrainingArgs
                {
                    NetworkModule = "networks.lora",
                    NetworkDim = 8,
                    NetworkAlpha = 4.0,
                    LearningRate = 1e-4,
                    OptimizerType = "AdamW8bit",
                    MaxTrainEpochs = 3,
                    MixedPrecision = "bf16",
                    NetworkArgs = ["conv_dim=4", "conv_alpha=1"],
                    Seed = 42,
                    Others = new Dictionary<string, object?> { ["gradient_checkpointing"] = true },
                },
            },
            Outputs = new OutputTargets { Best = new UploadTarget { Url = store.UrlOf(BestKey), Key = BestKey } },
            Reporting = new ReportingPolicy { ProgressEveryPercent = 10, ProgressEverySeconds = 30, HeartbeatSeconds = 60 },
        };
        return scenario;
    }

    public static byte[] DatasetZip(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = archive.CreateEntry(name).Open();
                stream.Write(content);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Runs the agent in-process as <c>lora-agent</c> would run, and returns its exit code.</summary>
    public Task<int> RunAgentAsync(IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var settings = AgentServices.Settings(Work.Path, Receiver.RunUrl, Receiver.Token);
        settings["Agent:TrainerCommand"] = FakeSdScripts.CommandTemplate(Trainer);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return AgentHost.RunAsync([], configuration => configuration.AddInMemoryCollection(settings), services, TestContext.Current.CancellationToken);
    }

    public AgentEvent Single(string kind) => Assert.Single(Receiver.Accepted, e => e.Kind == kind);

    public async ValueTask DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await Store.DisposeAsync();
        Work.Dispose();
    }
}
