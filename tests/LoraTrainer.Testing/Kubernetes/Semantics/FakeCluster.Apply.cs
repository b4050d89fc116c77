using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.FieldManagement;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.Semantics;

internal sealed partial class FakeCluster
{
    /// <summary>Server-side apply (<c>PATCH</c> with <c>application/apply-patch+yaml</c>) of an object or its <c>/status</c>.</summary>
    /// <remarks>
    /// Applying an absent object creates it (its <c>/status</c> is 404 instead); otherwise the configuration is merged into
    /// the object and goes through the same rules as any update (<see cref="FieldOwnership"/> decides ownership and conflicts).
    /// </remarks>
    public WriteResult Apply(ResourceType type, string? ns, string name, bool status, JsonObject config, WriteOptions options, bool force)
    {
        using (Store.Gate.EnterScope())
        {
            var current = Store.Get(type.StorageKey, ns, name);
            if (current is null && status)
            {
                throw KubeErrors.NotFound(type, name);
            }

            var configName = KubeJson.GetString(config, "metadata", "name");
            if (!string.IsNullOrEmpty(configName) && configName != name)
            {
                throw KubeErrors.BadRequest($"the name of the object ({configName}) does not match the name on the URL ({name})");
            }

            var desired = FieldOwnership.Apply(type, current is null ? null : type.Present(KubeJson.Clone(current)), config, status, options.FieldManager, force, Now);
            WriteResult result;
            if (current is null)
            {
                KubeJson.Metadata(desired)["name"] = name;
                result = CreateLocked(type, ns, desired, options, applied: true);
            }
            else
            {
                result = UpdateLocked(type, current, status, desired, options, isPut: false, applied: true);
            }

            Settle();
            return result with { Object = type.Present(result.Object) };
        }
    }
}
