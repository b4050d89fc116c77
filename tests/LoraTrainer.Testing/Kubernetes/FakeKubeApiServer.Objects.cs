using System.Reflection;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LoraTrainer.Cluster;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Semantics;
using LoraTrainer.Testing.Kubernetes.Storage;
using LoraTrainer.Testing.Kubernetes.Watch;

namespace LoraTrainer.Testing.Kubernetes;

public sealed partial class FakeKubeApiServer
{
    /// <summary>Puts an object in place, creating or replacing it, status included; a missing namespace is created.
    /// A uid or creationTimestamp given on a new object is kept. A CustomResourceDefinition registers its kind at once.</summary>
    /// <returns>The object as stored, with uid, resourceVersion and timestamps.</returns>
    /// <exception cref="InvalidOperationException">The object is refused (unknown kind, no name, invalid against its schema).</exception>
    public JsonObject Seed(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return Refused(() =>
        {
            var type = _cluster.TypeOf(obj);
            var name = KubeJson.Name(obj) is { Length: > 0 } given ? given
                : throw new InvalidOperationException($"the {type.Kind} has no metadata.name; a seeded object needs one");
            var body = KubeJson.Clone(obj);
            KubeJson.Metadata(body).Remove("resourceVersion");
            var seed = new WriteOptions(Seed: true);
            var ns = type.Namespaced ? KubeJson.Namespace(obj) ?? "default" : null;
            var result = _cluster.Find(type, ns, name) is null
                ? _cluster.Create(type, ns, body, seed)
                : _cluster.Update(type, ns, name, status: false, _ => body, seed, isPut: true);
            return KubeJson.Clone(result.Object);
        });
    }

    /// <summary>Seeds a typed object (see <see cref="Seed(JsonObject)"/>) and returns it as stored.</summary>
    public T Seed<T>(T obj)
        where T : class, IKubernetesObject
    {
        var seeded = Seed(JsonNode.Parse(ClusterJson.Serialize(obj))!.AsObject());
        return ClusterJson.Deserialize<T>(seeded.ToJsonString());
    }

    /// <summary>Seeds every document of a YAML text, CustomResourceDefinitions first, the rest in order.</summary>
    public IReadOnlyList<JsonObject> SeedYaml(string yaml) => [.. Manifests.CrdsFirst(Manifests.Parse(yaml), o => o).Select(Seed)];

    /// <summary>Seeds every object of a YAML file, or of the YAML files in a directory (in name order; with
    /// <paramref name="recursive"/>, its subfolders too), CustomResourceDefinitions first.</summary>
    public IReadOnlyList<JsonObject> SeedFromPath(string path, bool recursive = false) =>
        [.. Manifests.CrdsFirst(Manifests.Load(path, recursive), o => o).Select(Seed)];

    /// <summary>The stored object, or null.</summary>
    public JsonObject? Get(string apiVersion, string kind, string? @namespace, string name) =>
        Refused(() => _cluster.Find(Resolve(apiVersion, kind), @namespace, name) is { } obj ? KubeJson.Clone(obj) : null);

    /// <summary>The stored object as <typeparamref name="T"/> (resolved through its <see cref="KubernetesEntityAttribute"/>), or null.</summary>
    public T? Get<T>(string? @namespace, string name)
        where T : class, IKubernetesObject
    {
        var (apiVersion, kind) = EntityOf<T>();
        return Get(apiVersion, kind, @namespace, name) is { } obj ? ClusterJson.Deserialize<T>(obj.ToJsonString()) : null;
    }

    /// <summary>The stored objects of a kind, in one namespace or all.</summary>
    public IReadOnlyList<JsonObject> List(string apiVersion, string kind, string? @namespace = null) =>
        Refused(() => _cluster.List(Resolve(apiVersion, kind), new WatchFilter(@namespace, null)).Items.Select(KubeJson.Clone).ToList());

    /// <summary>The stored objects as <typeparamref name="T"/>, in one namespace or all.</summary>
    public IReadOnlyList<T> List<T>(string? @namespace = null)
        where T : class, IKubernetesObject
    {
        var (apiVersion, kind) = EntityOf<T>();
        return [.. List(apiVersion, kind, @namespace).Select(o => ClusterJson.Deserialize<T>(o.ToJsonString()))];
    }

    /// <summary>Deletes an object as a client's DELETE would (finalizers and garbage collection included).</summary>
    public void Delete(string apiVersion, string kind, string? @namespace, string name) =>
        Refused(() => _cluster.Delete(Resolve(apiVersion, kind), @namespace, name, DeleteOptions.Default));

    internal ResourceType Resolve(string apiVersion, string kind) =>
        _cluster.Registry.FindByKind(apiVersion, kind)
        ?? throw new InvalidOperationException($"The fake serves no kind {kind} in {apiVersion}; seed its CustomResourceDefinition first.");

    internal static (string ApiVersion, string Kind) EntityOf<T>()
    {
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()
                     ?? throw new InvalidOperationException($"{typeof(T).Name} has no [KubernetesEntity] attribute.");
        return (string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}", entity.Kind);
    }

    private static TResult Refused<TResult>(Func<TResult> action)
    {
        try
        {
            return action();
        }
        catch (KubeApiException e)
        {
            throw new InvalidOperationException($"The fake Kubernetes API refused the request ({e.Code} {e.Reason}): {e.Message}", e);
        }
    }
}
