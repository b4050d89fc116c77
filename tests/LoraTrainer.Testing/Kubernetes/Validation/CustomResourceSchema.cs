using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>The openAPIV3Schema of one CRD version, compiled once: prunes, defaults and validates custom resources.</summary>
/// <remarks>
/// Validation is apiextensions-apiserver's: the schema's keywords (through JSON Schema), the string formats it checks
/// (<see cref="SchemaFormats"/>), then the CEL rules of <c>x-kubernetes-validations</c> — unless an error already says the
/// object does not have the shape the rules expect (a wrong type or format, an unsupported enum value, a missing
/// required field, too long or too many), when one error says the rules were not checked.
/// </remarks>
internal sealed class CustomResourceSchema
{
    private static readonly EvaluationOptions FlagOnly = new() { OutputFormat = OutputFormat.Flag };

    private static readonly FieldError RulesNotChecked = FieldError.Invalid(SchemaNode.RootField, "\"null\"",
        "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation");

    private readonly JsonSchema _compiled;
    private readonly JsonObject _converted;
    private readonly SchemaNode _checks;

    public CustomResourceSchema(JsonObject openApiV3Schema)
    {
        OpenApiV3Schema = (JsonObject)openApiV3Schema.DeepClone();
        KubeJson.Materialize(OpenApiV3Schema);
        _converted = JsonSchemaConversion.Convert(OpenApiV3Schema);
        KubeJson.Materialize(_converted);
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        _compiled = JsonSchema.Build(
            JsonSerializer.SerializeToElement(_converted), options, new Uri($"urn:fake-kube:schema:{Guid.NewGuid():N}"));
        var ruleErrors = new List<FieldError>();
        _checks = SchemaNode.Build(OpenApiV3Schema, "openAPIV3Schema", ruleErrors);
        RuleErrors = ruleErrors;
    }

    /// <summary>The schema as the CRD declares it (published in the OpenAPI v3 documents).</summary>
    public JsonObject OpenApiV3Schema { get; }

    /// <summary>CEL rules that do not compile, at their path below the version's <c>schema</c>; the apiserver refuses such a CRD.</summary>
    public IReadOnlyList<FieldError> RuleErrors { get; }

    /// <summary>Removes undeclared fields, returning their paths.</summary>
    public IReadOnlyList<string> Prune(JsonObject obj) => StructuralSchema.Prune(obj, OpenApiV3Schema);

    public void ApplyDefaults(JsonObject obj) => StructuralSchema.ApplyDefaults(obj, OpenApiV3Schema);

    /// <summary>What apiextensions-apiserver does to a custom resource on a write: prune, then default and validate.</summary>
    /// <param name="obj">The object, pruned and defaulted in place.</param>
    /// <param name="refuseUnknown">With <c>fieldValidation=Strict</c> undeclared fields refuse the request before validation runs.</param>
    /// <param name="old">The stored object an update replaces (for transition rules), or null on create.</param>
    public SchemaAdmission Admit(JsonObject obj, bool refuseUnknown, JsonObject? old = null)
    {
        var unknown = Prune(obj);
        if (unknown.Count > 0 && refuseUnknown)
        {
            return new SchemaAdmission(unknown, []);
        }

        ApplyDefaults(obj);
        return new SchemaAdmission(unknown, Validate(obj, old));
    }

    /// <summary>Every schema violation, format error and broken CEL rule of <paramref name="obj"/>.</summary>
    public IReadOnlyList<FieldError> Validate(JsonObject obj, JsonObject? old = null)
    {
        var instance = JsonSerializer.SerializeToElement(obj);
        var errors = new List<FieldError>();

        // The flag format stops at the first failure; the detailed pass runs only to explain a refusal.
        if (!_compiled.Evaluate(instance, FlagOnly).IsValid)
        {
            var results = _compiled.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
            errors.AddRange(SchemaErrorMapper.Map(results, _converted, obj));
        }

        errors.AddRange(_checks.CheckFormats(obj));
        if (_checks.HasRules)
        {
            errors.AddRange(errors.Any(e => e.BlocksRules) ? [RulesNotChecked] : _checks.CheckRules(obj, old));
        }

        return errors;
    }
}

/// <summary>The outcome of <see cref="CustomResourceSchema.Admit"/>.</summary>
/// <param name="UnknownFields">Paths of the undeclared fields that were pruned (<c>spec.training.epochs</c>).</param>
/// <param name="Errors">Schema violations of the pruned, defaulted object; empty when unknown fields were refused.</param>
internal sealed record SchemaAdmission(IReadOnlyList<string> UnknownFields, IReadOnlyList<FieldError> Errors);
