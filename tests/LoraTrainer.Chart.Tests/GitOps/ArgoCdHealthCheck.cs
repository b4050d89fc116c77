using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Testing.Kubernetes;
using NLua;

namespace LoraTrainer.Chart.Tests.GitOps;

/// <summary>The Argo CD health check for TrainingRun exactly as docs/gitops.md ships it, run by a real Lua 5.4.</summary>
internal static partial class ArgoCdHealthCheck
{
    public const string Doc = "docs/gitops.md";

    /// <summary>The argocd-cm key Argo CD reads the script from.</summary>
    public const string ConfigKey = $"resource.customizations.health.{TrainingRun.Group}_{TrainingRun.KindName}";

    private static readonly Lazy<string> Shipped = new(Extract);

    /// <summary>The script, from the argocd-cm ConfigMap in the docs' YAML blocks.</summary>
    public static string Script => Shipped.Value;

    /// <summary>Argo CD's verdict on a run: its health status and message.</summary>
    public static (string? Status, string? Message) Evaluate(TrainingRun run) =>
        Evaluate(JsonNode.Parse(ClusterJson.Serialize(run)));

    /// <summary>Argo CD's verdict on a resource given as JSON.</summary>
    public static (string? Status, string? Message) Evaluate(JsonNode? resource)
    {
        using var lua = new Lua();
        lua.DoString("obj = " + LuaLiteral.From(resource));
        var results = lua.DoString(Script, "health.lua");
        var health = Assert.IsType<LuaTable>(Assert.Single(results));
        return (health["status"] as string, health["message"] as string);
    }

    private static string Extract()
    {
        var scripts = YamlBlocks().Matches(ChartFiles.Read(Doc))
            .SelectMany(block => Manifests.Parse(block.Groups["yaml"].Value))
            .Select(document => document["data"]?[ConfigKey]?.GetValue<string>())
            .OfType<string>()
            .ToList();
        return scripts.Count == 1
            ? scripts[0]
            : throw new InvalidOperationException($"{Doc} must hold exactly one YAML block with data.\"{ConfigKey}\"; found {scripts.Count}.");
    }

    [GeneratedRegex(@"```yaml\n(?<yaml>.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlocks();
}
