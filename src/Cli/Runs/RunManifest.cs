using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.CommandLine;

namespace LoraTrainer.Cli.Runs;

/// <summary>What <c>train</c> was told on its command line, to become a TrainingRun.</summary>
internal sealed record TrainFlags(
    string Folder, string? Name, string? Base, string? ModelSha256, string? Family, string? Trigger, string? Class,
    int? Epochs, int? BatchSize, int? Repeats, int? Resolution, string? Bucket, string? Prefix, string? OutputBucket,
    string? OutputPrefix, double? MaxPricePerHour, bool DryRun);

/// <summary>Builds the TrainingRun <c>train</c> applies, from flags or from a manifest file.</summary>
internal static partial class RunManifest
{
    // The base models the samples train (config/samples): SDXL 1.0 and Flux.1 dev on Civitai, SD 1.5 from its repository.
    private const long SdxlVersion = 128078;
    private const long FluxVersion = 691639;

    public static TrainingRun FromFlags(TrainFlags flags)
    {
        var name = flags.Name ?? DnsName(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(flags.Folder))));
        var bucket = flags.Bucket ?? throw new StartupFailure(
            "no bucket: name the one the images go to with --bucket (the cluster publishes no default; --output-bucket defaults to it).");
        return new TrainingRun
        {
            Metadata = new() { Name = name },
            Spec = new TrainingRunSpec
            {
                BaseModel = BaseModel(flags),
                Dataset = new DatasetSpec
                {
                    S3 = new S3Location { Bucket = bucket, Prefix = flags.Prefix ?? $"datasets/{name}/" },
                    TriggerWord = flags.Trigger,
                    ClassTokens = flags.Class,
                    Repeats = flags.Repeats ?? 10,
                    Resolution = flags.Resolution,
                },
                Training = flags.Epochs is null && flags.BatchSize is null ? null : new TrainingSpec { MaxTrainEpochs = flags.Epochs, BatchSize = flags.BatchSize },
                Gpu = flags.MaxPricePerHour is { } price ? new GpuSpec { MaxPricePerHour = price } : null,
                Output = new OutputSpec { S3 = new S3Location { Bucket = flags.OutputBucket ?? bucket, Prefix = flags.OutputPrefix ?? $"loras/{name}/" } },
                DryRun = flags.DryRun,
            },
        };
    }

    public static TrainingRun FromFile(string path, bool dryRun)
    {
        TrainingRun run;
        try
        {
            // Typed as kubectl types YAML (then read as the JSON the API server would receive), so every list and
            // number in the spec reads as it does when applied with kubectl.
            var documents = Manifests.Parse(File.ReadAllText(path));
            if (documents.Count != 1)
            {
                throw new InvalidDataException($"it holds {documents.Count} objects; give one TrainingRun");
            }

            run = ClusterJson.Deserialize<TrainingRun>(documents[0].ToJsonString());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new StartupFailure($"cannot read {path}: {ex.Message.TrimEnd('.')}.");
        }

        if (run.Kind != TrainingRun.KindName || string.IsNullOrEmpty(run.Metadata?.Name))
        {
            throw new StartupFailure($"{path} is not a TrainingRun with a metadata.name.");
        }

        return dryRun ? new TrainingRun { Metadata = run.Metadata, Spec = run.Spec with { DryRun = true } } : run;
    }

    /// <summary>The batch size the operator will count images against: the spec's, else the family's default, else 1.</summary>
    public static int BatchSize(TrainingRun run) =>
        run.Spec.Training?.BatchSize ?? (run.Spec.BaseModel.Family is { } family ? TrainingDefaults.For(family).BatchSize : 1);

    /// <summary>The run as YAML, written from the JSON the API server would receive (so names and omitted nulls match).</summary>
    public static string Yaml(TrainingRun run) =>
        new YamlDotNet.Serialization.SerializerBuilder().WithQuotingNecessaryStrings().Build().Serialize(Plain(JsonNode.Parse(ClusterJson.Serialize(run))));

    /// <summary>A JSON tree as dictionaries, lists and scalars, which the YAML writer renders as they read.</summary>
    private static object? Plain(JsonNode? node) => node switch
    {
        JsonObject o => o.ToDictionary(p => p.Key, p => Plain(p.Value)),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole) ? whole : v.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };

    private static BaseModelSpec BaseModel(TrainFlags flags)
    {
        var family = flags.Family is null ? (ModelFamily?)null : Enum.Parse<ModelFamily>(flags.Family, ignoreCase: true);
        return flags.Base switch
        {
            null or "sdxl" => new BaseModelSpec { Civitai = new CivitaiModelSource { ModelVersionId = SdxlVersion }, Family = ModelFamily.Sdxl },
            "sd15" => new BaseModelSpec
            {
                Url = new UrlModelSource
                {
                    Url = "https://huggingface.co/stable-diffusion-v1-5/stable-diffusion-v1-5/resolve/main/v1-5-pruned-emaonly.safetensors",
                    Sha256 = "6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa",
                },
                Family = ModelFamily.Sd15,
            },
            "flux" => throw new StartupFailure(
                "a Flux run also names its text encoders and autoencoder: start from config/samples/trainingrun-flux.yaml and pass it with -f."),
            var civitai when civitai.StartsWith("civitai:", StringComparison.Ordinal) && long.TryParse(civitai["civitai:".Length..], out var version) =>
                new BaseModelSpec { Civitai = new CivitaiModelSource { ModelVersionId = version }, Family = family },
            var url when url.StartsWith("https://", StringComparison.Ordinal) => new BaseModelSpec
            {
                Url = new UrlModelSource
                {
                    Url = url,
                    Sha256 = flags.ModelSha256 ?? throw new StartupFailure("a model URL needs its SHA-256: pass --model-sha256."),
                },
                Family = family ?? throw new StartupFailure("a model URL needs its family: pass --family sd15, sdxl or flux."),
            },
            var other => throw new StartupFailure($"--base {other} is none of sdxl, sd15, flux, civitai:<versionId> or an https:// URL."),
        };
    }

    private static string DnsName(string folder)
    {
        var name = NotDns().Replace(folder.ToLowerInvariant(), "-").Trim('-');
        return name.Length == 0 ? "lora" : name[..Math.Min(name.Length, 50)].TrimEnd('-');
    }

    [GeneratedRegex("[^a-z0-9-]+")]
    private static partial Regex NotDns();
}
