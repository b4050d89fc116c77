using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Semantics;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>Checks custom resources against a CRD without a server, by the fake apiserver's rules and in its words.</summary>
/// <remarks>
/// A resource is checked as <c>kubectl apply</c> (field validation Strict) would have it checked: the CRD must serve
/// its apiVersion and kind; undeclared fields are refused first (<c>unknown field "spec.training.epochs"</c>); then the
/// name, the labels and the defaulted object against the version's openAPIV3Schema, its string formats and its CEL
/// rules (<c>x-kubernetes-validations</c>), one message per field error (<c>spec.dataset: Required value</c>,
/// <c>spec.baseModel: Invalid value: "object": exactly one of civitai or url must be set</c>).
/// </remarks>
public sealed class CustomResourceValidator
{
    private readonly IReadOnlyList<ResourceType> _types;

    private CustomResourceValidator(IReadOnlyList<ResourceType> types) => _types = types;

    /// <summary>A validator for every served version of <paramref name="crd"/>.</summary>
    /// <exception cref="ArgumentException">The apiserver would refuse the CRD itself.</exception>
    public static CustomResourceValidator FromCrd(JsonObject crd)
    {
        try
        {
            return new CustomResourceValidator(CrdTypes.Parse(crd));
        }
        catch (KubeApiException e)
        {
            throw new ArgumentException(e.Message, nameof(crd), e);
        }
    }

    /// <summary>Why the apiserver would refuse <paramref name="resource"/>, one message per problem; empty when it would accept it.</summary>
    public IReadOnlyList<string> Validate(JsonObject resource)
    {
        var apiVersion = KubeJson.GetString(resource, "apiVersion");
        var kind = KubeJson.GetString(resource, "kind");
        var type = _types.FirstOrDefault(t => t.Matches(apiVersion ?? "", kind ?? ""));
        if (type is null)
        {
            return [$"no matches for kind \"{kind}\" in version \"{apiVersion}\""];
        }

        var obj = KubeJson.Clone(resource);
        var (unknown, schemaErrors) = type.Schema?.Admit(obj, refuseUnknown: true) ?? new SchemaAdmission([], []);
        if (unknown.Count > 0)
        {
            return [.. unknown.Select(Admission.UnknownField)];
        }

        return [.. MetadataErrors(obj).Concat(schemaErrors).Select(e => e.ToString()).Distinct()];
    }

    private static IEnumerable<FieldError> MetadataErrors(JsonObject obj)
    {
        var name = KubeJson.Name(obj);
        // Without a name the apiserver makes one from generateName, so only a missing generateName is an error.
        IEnumerable<FieldError> nameErrors = !string.IsNullOrEmpty(name) ? ObjectMetaRules.ValidateName(name, dnsLabel: false)
            : string.IsNullOrEmpty(KubeJson.GetString(obj, "metadata", "generateName")) ? [FieldError.Required("metadata.name") with { Detail = "name or generateName is required" }]
            : [];
        return nameErrors.Concat(ObjectMetaRules.ValidateLabels(obj));
    }
}
