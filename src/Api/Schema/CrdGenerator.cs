using System.Diagnostics.CodeAnalysis;
using YamlDotNet.Serialization;

namespace LoraTrainer.Api.Schema;

/// <summary>Produces the TrainingRun CustomResourceDefinition from the C# types in LoraTrainer.Api.</summary>
public static class CrdGenerator
{
    /// <summary>Where the CRD lives, relative to the repository root.</summary>
    public const string RelativePath = "config/crds/loratrainer.io_trainingruns.yaml";

    /// <summary>The chart's copy, which helm installs from its crds/ folder; written together with the original so the two never drift.</summary>
    public const string ChartCopyRelativePath = "charts/lora-trainer/crds/loratrainer.io_trainingruns.yaml";

    /// <summary>The command that rewrites the committed CRD.</summary>
    public const string RegenerateCommand = "dotnet run --project tools/CrdGen";

    /// <summary>The repository <paramref name="directory"/> is in (the folder of <c>LoraTrainer.sln</c> at or above it), or null outside one.</summary>
    public static string? FindRepository(string directory)
    {
        var root = new DirectoryInfo(directory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "LoraTrainer.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName;
    }

    /// <summary>The CRD as YAML, exactly as it is committed.</summary>
    /// <remarks>Reads the types and their documentation file by reflection: for the CRD tool and tests, never the shipped programs.</remarks>
    [RequiresUnreferencedCode(SchemaBuilder.ByReflection)]
    [RequiresDynamicCode(SchemaBuilder.ByReflection)]
    [RequiresAssemblyFiles(SchemaBuilder.ByReflection)]
    public static string Generate()
    {
        var docs = XmlDocs.For(typeof(TrainingRun).Assembly);
        var spec = new SchemaBuilder(docs, defaults: true).ForObject(typeof(TrainingRunSpec));
        var status = new SchemaBuilder(docs, defaults: false).ForObject(typeof(TrainingRunStatus));
        spec["description"] = docs.Of(typeof(TrainingRunSpec)) ?? "";
        status["description"] = docs.Of(typeof(TrainingRunStatus)) ?? "";

        var crd = new Dictionary<string, object>
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new Dictionary<string, object> { ["name"] = $"{TrainingRun.Plural}.{TrainingRun.Group}" },
            ["spec"] = new Dictionary<string, object>
            {
                ["group"] = TrainingRun.Group,
                ["names"] = new Dictionary<string, object>
                {
                    ["kind"] = TrainingRun.KindName,
                    ["listKind"] = TrainingRun.KindName + "List",
                    ["plural"] = TrainingRun.Plural,
                    ["singular"] = TrainingRun.Singular,
                    ["shortNames"] = new List<string> { TrainingRun.ShortName },
                    ["categories"] = new List<string> { "loratrainer" },
                },
                ["scope"] = "Namespaced",
                ["versions"] = new List<object>
                {
                    new Dictionary<string, object>
                    {
                        ["name"] = TrainingRun.Version,
                        ["served"] = true,
                        ["storage"] = true,
                        ["subresources"] = new Dictionary<string, object> { ["status"] = new Dictionary<string, object>() },
                        ["additionalPrinterColumns"] = PrinterColumns(),
                        ["schema"] = new Dictionary<string, object>
                        {
                            ["openAPIV3Schema"] = new Dictionary<string, object>
                            {
                                ["description"] = docs.Of(typeof(TrainingRun)) ?? "",
                                ["type"] = "object",
                                ["required"] = new List<string> { "spec" },
                                ["properties"] = new Dictionary<string, object>
                                {
                                    ["apiVersion"] = new Dictionary<string, object> { ["type"] = "string" },
                                    ["kind"] = new Dictionary<string, object> { ["type"] = "string" },
                                    ["metadata"] = new Dictionary<string, object> { ["type"] = "object" },
                                    ["spec"] = spec,
                                    ["status"] = status,
                                },
                            },
                        },
                    },
                },
            },
        };

        var serializer = new SerializerBuilder().WithIndentedSequences().WithQuotingNecessaryStrings(quoteYaml1_1Strings: true).Build();
        return "# Generated from src/Api by tools/CrdGen; do not edit. Regenerate with: " + RegenerateCommand + "\n" + serializer.Serialize(crd);
    }

    private static List<object> PrinterColumns() =>
    [
        Column("Phase", "string", ".status.phase", "Where the run is in its lifecycle"),
        Column("Progress", "integer", ".status.progress.percent", "Percent of training done"),
        Column("Epoch", "integer", ".status.progress.epoch", "Current epoch"),
        Column("Loss", "number", ".status.progress.loss", "Current mean loss"),
        Column("GPU", "string", ".status.gpu.gpuName", "Rented GPU"),
        Column("$/h", "number", ".status.gpu.pricePerHour", "GPU price in USD per hour"),
        Column("Cost", "number", ".status.cost.estimatedUsd", "USD spent so far"),
        Column("Age", "date", ".metadata.creationTimestamp", null),
        Column("Message", "string", ".status.message", "What is happening or what to fix", priority: 1),
    ];

    private static Dictionary<string, object> Column(string name, string type, string path, string? description, int priority = 0)
    {
        var column = new Dictionary<string, object> { ["name"] = name, ["type"] = type, ["jsonPath"] = path };
        if (description is not null)
        {
            column["description"] = description;
        }

        if (priority > 0)
        {
            column["priority"] = priority;
        }

        return column;
    }
}
