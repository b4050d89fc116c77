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

    /// <summary>What apiextensions-apiserver does to a custom resource on a write: prune, then default and validate.</summary>
    /// <param name="obj">The object, pruned and defaulted in place.</param>
    /// <param name="refuseUnknown">With <c>fieldValidation=Strict</c> undeclared fields refuse the request before validation runs.</param>
    public SchemaAdmission Admit(JsonObject obj, bool refuseUnknown)
    {
        var unknown = Prune(obj);
        if (unknown.Count > 0 && refuseUnknown)
        {
            return new SchemaAdmission(unknown, []);
        }

        ApplyDefaults(obj);
        return new SchemaAdmission(unknown, Validate(obj));
    }

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

/// <summary>The outcome of <see cref="CustomResourceSchema.Admit"/>.</summary>
/// <param name="UnknownFields">Paths of the undeclared fields that were pruned (<c>spec.training.epochs</c>).</param>
/// <param name="Errors">Schema violations of the pruned, defaulted object; empty when unknown fields were refused.</param>
internal sealed record SchemaAdmission(IReadOnlyList<string> UnknownFields, IReadOnlyList<FieldError> Errors);
