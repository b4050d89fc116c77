using k8s;
using k8s.Models;

namespace LoraTrainer.Cluster;

/// <summary>Identifies an object by namespace and name; what the work queue holds and reconcilers receive.</summary>
public readonly record struct ResourceKey(string? Namespace, string Name)
{
    /// <summary>The key of an object.</summary>
    public static ResourceKey Of(IKubernetesObject<V1ObjectMeta> resource) =>
        new(resource.Metadata.NamespaceProperty, resource.Metadata.Name);

    /// <inheritdoc />
    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}
