using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;
using LoraTrainer.Api;

namespace LoraTrainer.Cluster;

/// <summary>
/// JSON as the API server reads and writes it, for our resources and the client's models alike, from metadata generated
/// at build time (<see cref="ApiJsonContext"/>, the client's <see cref="SourceGenerationContext"/>).
/// </summary>
public static class ClusterJson
{
    /// <summary>The options every Kubernetes object is read and written with.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary><paramref name="value"/> as JSON.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, TypeInfo<T>());

    /// <summary>Reads <typeparamref name="T"/> from JSON text.</summary>
    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize(json, TypeInfo<T>())!;

    /// <summary>Reads <typeparamref name="T"/> from a parsed document.</summary>
    public static T Deserialize<T>(JsonElement json) => json.Deserialize(TypeInfo<T>())!;

    /// <summary>The metadata for <typeparamref name="T"/>; throws <see cref="NotSupportedException"/> for a type no context knows.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    /// <summary>
    /// Lets <paramref name="options"/> (a client configuration's, which know only the client's models) read and write
    /// our resources too, so a client can send a TrainingRun as a request body.
    /// </summary>
    public static void AddTo(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
        if (JsonSerializer.IsReflectionEnabledByDefault)
        {
            options.TypeInfoResolverChain.Add(ReflectionResolver());
        }
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(ApiJsonContext.Default.Options);
        options.TypeInfoResolverChain.Clear();
        options.TypeInfoResolverChain.Add(SourceGenerationContext.Default);
        AddTo(options);
        options.MakeReadOnly();
        return options;
    }

    /// <summary>
    /// Types no context lists (test resources) are read by reflection where reflection is on: the JIT build. A
    /// Native AOT build turns <see cref="JsonSerializer.IsReflectionEnabledByDefault"/> off, the branch that calls
    /// this is removed, and every type it serializes is in a context above.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Called only when reflection-based serialization is enabled, which trimmed and AOT builds turn off.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Called only when reflection-based serialization is enabled, which AOT builds turn off.")]
    private static DefaultJsonTypeInfoResolver ReflectionResolver() => new();
}
