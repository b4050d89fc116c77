using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace LoraTrainer.Operator.Tests.Runtime;

/// <summary>A minimal custom resource for runtime tests: the runtime must not know about training.</summary>
[KubernetesEntity(Group = "test.loratrainer.io", ApiVersion = "v1", Kind = "Widget", PluralName = "widgets")]
public sealed class Widget : IKubernetesObject<V1ObjectMeta>, IStatus<WidgetStatus?>
{
    public const string Crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.test.loratrainer.io
        spec:
          group: test.loratrainer.io
          names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
          scope: Namespaced
          versions:
            - name: v1
              served: true
              storage: true
              subresources: {status: {}}
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec:
                      type: object
                      properties:
                        size: {type: integer}
                    status:
                      type: object
                      properties:
                        observed: {type: integer}
                        message: {type: string}
                        since: {type: string, format: date-time}
        """;

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "test.loratrainer.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Widget";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public WidgetSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public WidgetStatus? Status { get; set; }

    public static Widget Named(string name, int size = 1, string @namespace = "default") =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace }, Spec = new WidgetSpec { Size = size } };
}

public sealed class WidgetSpec
{
    [JsonPropertyName("size")] public int Size { get; set; }
}

public sealed record WidgetStatus
{
    [JsonPropertyName("observed")] public int Observed { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
    [JsonPropertyName("since")] public DateTimeOffset? Since { get; init; }
}

/// <summary>A second resource type, for runtime wiring with more than one controller.</summary>
[KubernetesEntity(Group = "test.loratrainer.io", ApiVersion = "v1", Kind = "Gadget", PluralName = "gadgets")]
public sealed class Gadget : IKubernetesObject<V1ObjectMeta>
{
    public const string Crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: gadgets.test.loratrainer.io
        spec:
          group: test.loratrainer.io
          names: {kind: Gadget, listKind: GadgetList, plural: gadgets, singular: gadget}
          scope: Namespaced
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
        """;

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "test.loratrainer.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Gadget";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();

    public static Gadget Named(string name, string @namespace) => new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace } };
}
