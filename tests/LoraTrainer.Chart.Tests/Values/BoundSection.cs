using System.ComponentModel.DataAnnotations;
using System.Reflection;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Webhook;

namespace LoraTrainer.Chart.Tests.Values;

/// <summary>A configuration section the code binds, where the chart's values hold it, and the keys the chart sets itself.</summary>
internal sealed record BoundSection(string ValuesPath, string ConfigKey, Type Options, IReadOnlySet<string> SetByChart)
{
    private static readonly Assembly OperatorAssembly = typeof(OperatorOptions).Assembly;

    /// <summary>
    /// Every section of both processes. Keys in <see cref="SetByChart"/> are not values: credentials come from Secrets
    /// (operator.secrets.*), and Receiver:Kubeconfig is for running outside a cluster.
    /// </summary>
    public static IReadOnlyList<BoundSection> All { get; } =
    [
        new("operator.config.Operator", OperatorOptions.Section, typeof(OperatorOptions), new HashSet<string>()),
        new("operator.config.Operator.LeaderElection", "Operator:LeaderElection", typeof(LeaderElectionOptions), new HashSet<string>()),
        new("operator.config.Vast", "Vast", OperatorType("LoraTrainer.Operator.Vast.VastOptions"), new HashSet<string> { "ApiKey", "ApiKeyFile", "ApiKeySecret" }),
        new("operator.config.S3", "S3", typeof(S3Options), new HashSet<string> { "AccessKeyId", "SecretAccessKey" }),
        new("operator.config.Datasets", "Datasets", OperatorType("LoraTrainer.Operator.Datasets.DatasetOptions"), new HashSet<string>()),
        new("operator.config.Civitai", "Civitai", OperatorType("LoraTrainer.Operator.Models.CivitaiOptions"), new HashSet<string> { "ApiKey" }),
        new("operator.config.ModelCache", "ModelCache", OperatorType("LoraTrainer.Operator.ModelCache.ModelCacheOptions"), new HashSet<string>()),
        new("receiver.config.Receiver", ReceiverOptions.Section, typeof(ReceiverOptions), new HashSet<string> { "Kubeconfig" }),
    ];

    /// <summary>The assemblies whose options classes the chart configures.</summary>
    public static IReadOnlyList<Assembly> Processes { get; } = [OperatorAssembly, typeof(S3Options).Assembly, typeof(ReceiverOptions).Assembly];

    /// <summary>The section name an options class declares in a <c>Section</c> or <c>SectionName</c> constant, if any.</summary>
    public static string? DeclaredSection(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .FirstOrDefault(field => field.IsLiteral && field.Name is "Section" or "SectionName")?.GetRawConstantValue() as string;

    /// <summary>The properties configuration binding sets: public, instance, with a public setter.</summary>
    public static IEnumerable<PropertyInfo> Bindable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.SetMethod is { IsPublic: true } && property.GetIndexParameters().Length == 0);

    /// <summary>Whether a property holds a nested section (a class of settings) rather than a value.</summary>
    public static bool IsNested(PropertyInfo property) =>
        property.PropertyType.IsClass && property.PropertyType != typeof(string) && property.PropertyType != typeof(Uri);

    /// <summary>The property's [Range], if any.</summary>
    public static RangeAttribute? Range(PropertyInfo property) => property.GetCustomAttribute<RangeAttribute>();

    private static Type OperatorType(string name) => OperatorAssembly.GetType(name, throwOnError: true)!;
}
