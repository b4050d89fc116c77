using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Operator.Vast.Api;

/// <summary>Reads an object, or the first element of an array, as one value: show answers one object under a plural key.</summary>
internal sealed class SingleOrFirstConverter<T> : JsonConverter<T> where T : class
{
    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartArray:
                var items = JsonSerializer.Deserialize<List<T>>(ref reader, options);
                return items is [var first, ..] ? first : null;
            default:
                return JsonSerializer.Deserialize<T>(ref reader, options);
        }
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, options);
}
