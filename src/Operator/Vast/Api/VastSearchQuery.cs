using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Operator.Vast.Api;

/// <summary>Body of <c>POST /api/v0/bundles/</c>: filter clauses plus order, type, limit and allocated storage.</summary>
/// <remarks>
/// Vast takes the filter object itself as the body (no <c>q</c> wrapper): each field maps to one
/// operator object such as <c>{"gte": 24000}</c>, next to the keys <c>order</c>, <c>type</c>,
/// <c>limit</c> and <c>allocated_storage</c>. Clauses are written in the order given, those on one field together.
/// </remarks>
[JsonConverter(typeof(VastSearchQueryConverter))]
internal sealed record VastSearchQuery
{
    /// <summary>The filter clauses.</summary>
    public required IReadOnlyList<VastFilterClause> Filters { get; init; }

    /// <summary>The field to sort by. Defaults to <c>dph_total</c>.</summary>
    public string OrderBy { get; init; } = "dph_total";

    /// <summary><c>asc</c> or <c>desc</c>. Defaults to <c>asc</c>.</summary>
    public string OrderDirection { get; init; } = "asc";

    /// <summary><c>on-demand</c> or <c>bid</c> (interruptible).</summary>
    public string Type { get; init; } = "on-demand";

    /// <summary>Most offers to return.</summary>
    public int Limit { get; init; } = 20;

    /// <summary>Disk in GB the price is computed for; set to the disk that will be requested.</summary>
    public int AllocatedStorage { get; init; }
}

/// <summary>One filter clause: a Vast field, an operator (<c>eq, neq, gt, gte, lt, lte, in, notin</c>) and a value.</summary>
internal sealed record VastFilterClause(string Field, string Operator, object Value);

/// <summary>Writes a <see cref="VastSearchQuery"/> in Vast's flat shape; reading is not needed.</summary>
internal sealed class VastSearchQueryConverter : JsonConverter<VastSearchQuery>
{
    public override VastSearchQuery Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Search queries are only sent, never read.");

    public override void Write(Utf8JsonWriter writer, VastSearchQuery value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        // Clauses on one field share its operator object: a repeated key would leave only one of them in force.
        foreach (var field in value.Filters.GroupBy(clause => clause.Field, StringComparer.Ordinal))
        {
            writer.WritePropertyName(field.Key);
            writer.WriteStartObject();
            foreach (var clause in field)
            {
                writer.WritePropertyName(clause.Operator);
                JsonSerializer.Serialize(writer, clause.Value, options.GetTypeInfo(clause.Value.GetType()));
            }

            writer.WriteEndObject();
        }

        writer.WritePropertyName("order");
        writer.WriteStartArray();
        writer.WriteStartArray();
        writer.WriteStringValue(value.OrderBy);
        writer.WriteStringValue(value.OrderDirection);
        writer.WriteEndArray();
        writer.WriteEndArray();
        writer.WriteString("type", value.Type);
        writer.WriteNumber("limit", value.Limit);
        writer.WriteNumber("allocated_storage", value.AllocatedStorage);
        writer.WriteEndObject();
    }
}
