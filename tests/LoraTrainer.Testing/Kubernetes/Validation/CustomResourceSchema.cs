using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>The openAPIV3Schema of one CRD version, compiled once: prunes, defaults and validates custom resources.</summary>
internal sealed class CustomResourceSchema
{
    private static readonly EvaluationOptions FlagOnly = new() { OutputFormat = OutputFormat.Flag };

    private readonly JsonSchema _compiled;
    private readonly JsonObject _converted;

    public CustomResourceSchema(JsonObject openApiV3Schema)
    {
        OpenApiV3Schema = (JsonObject)openApiV3Schema.DeepClone();
        KubeJson.Materialize(OpenApiV3Schema);
        _converted = JsonSchemaConversion.Convert(OpenApiV3Schema);
        KubeJson.Materialize(_converted);
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        _compiled = JsonSchema.Build(
            JsonSerializer.SerializeToElement(_converted), options, new Uri($"urn:fake-kube:schema:{Guid.NewGuid():N}"));
    }

    /// <summary>The schema as the CRD declares it (published in the OpenAPI v3 documents).</summary>
    public JsonObject OpenApiV3Schema { get; }

    /// <summary>Removes undeclared fields, returning their paths.</summary>
    public IReadOnlyList<string> Prune(JsonObject obj) => StructuralSchema.Prune(obj, OpenApiV3Schema);

    public void ApplyDefaults(JsonObject obj) => StructuralSchema.ApplyDefaults(obj, OpenApiV3Schema);

    public IReadOnlyList<FieldError> Validate(JsonObject obj)
    {
        var instance = JsonSerializer.SerializeToElement(obj);

        // The flag format stops at the first failure; the detailed pass runs only to explain a refusal.
        if (_compiled.Evaluate(instance, FlagOnly).IsValid)
        {
            return [];
        }

        var results = _compiled.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return SchemaErrorMapper.Map(results, _converted, obj);
    }
}
