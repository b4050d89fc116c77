using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.FieldManagement;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Storage;
using LoraTrainer.Testing.Kubernetes.Validation;

namespace LoraTrainer.Testing.Kubernetes.Semantics;

internal sealed partial class FakeCluster
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>POST: assigns uid, creationTimestamp, generation and resourceVersion; 409 if the name is taken.</summary>
    public WriteResult Create(ResourceType type, string? ns, JsonObject body, WriteOptions options)
    {
        using (Store.Gate.EnterScope())
        {
            var result = CreateLocked(type, ns, body, options);
            Settle();
            return result with { Object = type.Present(result.Object) };
        }
    }

    /// <param name="applied">Created by a server-side apply: <paramref name="body"/> already carries its managedFields.</param>
    private WriteResult CreateLocked(ResourceType type, string? ns, JsonObject body, WriteOptions options, bool applied = false)
    {
        var obj = KubeJson.Clone(body);
        CheckKind(type, obj);
        CheckDecodable(type, obj);
        obj = type.ToStorage(obj);
        var meta = KubeJson.Metadata(obj);
        ns = ResolveNamespace(type, ns, obj);
        if (meta["resourceVersion"] is not null && !options.Seed)
        {
            throw KubeErrors.BadRequest("resourceVersion should not be set on objects to be created");
        }

        var name = KubeJson.Name(obj);
        if (string.IsNullOrEmpty(name))
        {
            name = GenerateName(type, ns, KubeJson.GetString(meta, "generateName"));
            meta["name"] = name;
        }

        var errors = ObjectMetaRules.ValidateName(name, type.StorageKey == BuiltInResources.Namespaces.StorageKey)
            .Concat(ObjectMetaRules.ValidateLabels(obj)).ToList();
        if (errors.Count > 0)
        {
            throw KubeErrors.Invalid(type, name, errors);
        }

        if (Store.Get(type.StorageKey, ns, name) is not null)
        {
            throw KubeErrors.AlreadyExists(type, name);
        }

        EnsureNamespaceAccepts(type, ns, options);
        // A seed may fix its uid and age (tests wire owner references and deadlines to them); clients may not.
        if (!options.Seed || string.IsNullOrEmpty(KubeJson.GetString(meta, "uid")))
        {
            meta["uid"] = Guid.NewGuid().ToString();
        }

        if (!options.Seed || string.IsNullOrEmpty(KubeJson.GetString(meta, "creationTimestamp")))
        {
            meta["creationTimestamp"] = Now;
        }

        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("resourceVersion");
        meta.Remove("selfLink");
        if (type.TracksGeneration)
        {
            meta["generation"] = 1L;
        }
        else
        {
            meta.Remove("generation");
        }

        if (type.HasStatusSubresource && !options.Seed)
        {
            obj.Remove("status");
        }

        var warnings = Admission.Admit(type, obj, null, options, Now);
        if (!applied && !options.Seed)
        {
            FieldOwnership.RecordUpdate(type, null, obj, false, options.FieldManager, Now);
        }

        if (options.DryRun)
        {
            return new WriteResult(obj, true, warnings);
        }

        var saved = Store.Save(type.StorageKey, obj, null);
        AfterSave(type, saved);
        return new WriteResult(saved, true, warnings);
    }

    /// <summary>Refuses, as the apiserver's decoder does (400), metadata maps whose values are not strings.</summary>
    private static void CheckDecodable(ResourceType type, JsonObject obj)
    {
        if (ObjectMetaRules.UndecodableMaps(obj) is { } why)
        {
            throw KubeErrors.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {why}");
        }
    }

    /// <summary>A body without apiVersion/kind gets them from the URL, as the apiserver's decoder defaults them; a different one is refused.</summary>
    private static void CheckKind(ResourceType type, JsonObject obj)
    {
        var apiVersion = KubeJson.GetString(obj, "apiVersion");
        var kind = KubeJson.GetString(obj, "kind");
        if ((!string.IsNullOrEmpty(apiVersion) && apiVersion != type.ApiVersion) || (!string.IsNullOrEmpty(kind) && kind != type.Kind))
        {
            throw KubeErrors.BadRequest(
                $"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})" +
                (kind != type.Kind ? $", or the kind ({kind}) is not {type.Kind}" : ""));
        }

        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
    }

    private static string? ResolveNamespace(ResourceType type, string? ns, JsonObject obj)
    {
        var meta = KubeJson.Metadata(obj);
        if (!type.Namespaced)
        {
            meta.Remove("namespace");
            return null;
        }

        var declared = KubeJson.GetString(meta, "namespace");
        if (!string.IsNullOrEmpty(declared) && ns is not null && declared != ns)
        {
            throw KubeErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        ns ??= string.IsNullOrEmpty(declared) ? "default" : declared;
        meta["namespace"] = ns;
        return ns;
    }

    private void EnsureNamespaceAccepts(ResourceType type, string? ns, WriteOptions options)
    {
        if (ns is null)
        {
            return;
        }

        var namespaces = BuiltInResources.Namespaces;
        var existing = Store.Get(namespaces.StorageKey, null, ns);
        if (existing is null && options.Seed)
        {
            CreateLocked(namespaces, null, new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns },
            }, WriteOptions.Default);
        }
        else if (existing is null)
        {
            throw KubeErrors.NotFound(namespaces, ns);
        }
        else if (KubeJson.IsDeleting(existing))
        {
            throw KubeErrors.Forbidden(type, KubeJson.Name(existing)!,
                $"unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private string GenerateName(ResourceType type, string? ns, string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            throw KubeErrors.Invalid(type, "", [FieldError.Required("metadata.name") with { Detail = "name or generateName is required" }]);
        }

        for (var attempt = 0; attempt < 8; attempt++)
        {
            var suffix = string.Concat(Enumerable.Range(0, 5).Select(_ => GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)]));
            var name = prefix + suffix;
            if (Store.Get(type.StorageKey, ns, name) is null)
            {
                return name;
            }
        }

        throw KubeErrors.AlreadyExists(type, prefix);
    }
}
