using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using LoraTrainer.Protocol;

namespace LoraTrainer.Webhook;

/// <summary>Every error answer of the receiver: <c>{"error": "…"}</c>, one sentence an agent's log can show.</summary>
/// <param name="Error">What went wrong and what to do; never a secret.</param>
internal sealed record ErrorBody(string Error);

/// <summary>
/// The receiver's own JSON, generated at build time as the protocol's is (<see cref="ProtocolJsonContext"/>), so that
/// its answers are written without reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class ReceiverJsonContext : JsonSerializerContext;

/// <summary>Puts the generated contexts first in the JSON settings the receiver's endpoints answer with.</summary>
internal static class ReceiverJson
{
    /// <summary>
    /// The error answers' context, escaping as ASP.NET Core's own JSON answers do (HTML-sensitive characters such as
    /// <c>'</c> stay readable): the bodies are JSON read by the agent and by people, never embedded in a page.
    /// </summary>
    public static ReceiverJsonContext Answers { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static IServiceCollection AddReceiverJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ReceiverJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(1, ProtocolJsonContext.Default);
        });
}
