using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LoraTrainer.Api;

namespace LoraTrainer.Api.Tests;

/// <summary>
/// A field a manifest leaves out reads as the type's documented default, not as zero: the generated serializer would
/// otherwise assign <c>0</c> or <c>null</c> to every init-only property the document does not name.
/// </summary>
public sealed class JsonDefaultsTests
{
    public static TheoryData<string> ApiTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in typeof(TrainingRun).Assembly.GetExportedTypes()
                     .Where(type => type is { IsClass: true, IsAbstract: false, IsGenericType: false } && type.GetConstructor(Type.EmptyTypes) is not null)
                     .Where(type => ApiJsonContext.Default.GetTypeInfo(type) is { Kind: JsonTypeInfoKind.Object })
                     .OrderBy(type => type.Name, StringComparer.Ordinal))
        {
            data.Add(type.FullName!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ApiTypes))]
    public void AnEmptyDocument_ReadsAsTheTypesDefaults(string typeName)
    {
        var type = typeof(TrainingRun).Assembly.GetType(typeName, throwOnError: true)!;
        var typeInfo = ApiJsonContext.Default.GetTypeInfo(type)!;

        var read = JsonSerializer.Deserialize("{}", typeInfo);
        var constructed = Activator.CreateInstance(type);

        Assert.Equal(JsonSerializer.Serialize(constructed, typeInfo), JsonSerializer.Serialize(read, typeInfo));
    }

    [Fact]
    public void AGpuSectionNamingOnlyItsCards_KeepsOneGpuAndTheDefaultBandwidthFloor()
    {
        var spec = JsonSerializer.Deserialize("""{"gpuNames":["RTX 4090"]}""", ApiJsonContext.Default.GetTypeInfo(typeof(GpuSpec))!) as GpuSpec;

        Assert.NotNull(spec);
        Assert.Equal(1, spec.NumGpus);
        Assert.Equal(200, spec.MinInetDownMbps);
        Assert.Equal(1.0, spec.MaxPricePerHour);
    }
}
