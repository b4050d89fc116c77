using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using LoraTrainer.Operator.Hosting;
using LoraTrainer.Operator.Models;
using LoraTrainer.Operator.Vast.Api;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace LoraTrainer.Operator.Tests.Hosting;

/// <summary>
/// The Vast and Civitai clients read and write every body through JSON metadata generated at build time: a type left out
/// of it would fail only in the Native AOT build, on the first call that uses it.
/// </summary>
public sealed class GeneratedJsonTests
{
    public static TheoryData<Type> RefitApis => new() { typeof(IVastApi), typeof(ICivitaiApi) };

    [Theory]
    [MemberData(nameof(RefitApis))]
    public void RefitClient_ReadsAndWritesEveryBodyOfItsApiWithGeneratedMetadata(Type api)
    {
        var options = SerializerOptions(api);

        Assert.All(BodyTypes(api), type =>
        {
            var info = options.GetTypeInfo(type);
            Assert.True(info.OriginatingResolver is JsonSerializerContext, $"{api.Name}: {type.Name} is described by {info.OriginatingResolver?.GetType().Name ?? "nothing"}, not a generated context.");
        });
    }

    /// <summary>The JSON options of the Refit client the operator registers for <paramref name="api"/>.</summary>
    private static JsonSerializerOptions SerializerOptions(Type api)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Vast:ApiKey"] = "k" }).Build();
        services.AddOperator(configuration, () => new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        using var provider = services.BuildServiceProvider();
        var settings = ((ISettingsFor)provider.GetRequiredService(typeof(SettingsFor<>).MakeGenericType(api))).Settings!;
        return Assert.IsType<SystemTextJsonContentSerializer>(settings.ContentSerializer).SerializerOptions;
    }

    /// <summary>Every [Body] parameter and every answer (the T of <c>Task&lt;IApiResponse&lt;T&gt;&gt;</c>) of the interface.</summary>
    private static IEnumerable<Type> BodyTypes(Type api) => api.GetMethods().SelectMany(method =>
        method.GetParameters().Where(p => p.GetCustomAttribute<BodyAttribute>() is not null).Select(p => p.ParameterType)
            .Append(method.ReturnType.GetGenericArguments().Single().GetGenericArguments().Single()));
}
