using System.Reflection;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Cluster;

namespace LoraTrainer.Chart.Tests.Rbac;

/// <summary>
/// What RBAC a KubernetesClient member needs, read from its name as the client generates it:
/// <c>{Verb}[Namespaced|Cluster]{Kind}[Status][ForAllNamespaces][WithHttpMessages]Async</c> on <c>{GroupVersion}Operations</c>.
/// </summary>
internal static class KubernetesApiCalls
{
    private static readonly (string Prefix, string Verb)[] Verbs =
    [
        ("DeleteCollection", "deletecollection"),
        ("WatchList", "watch"),
        ("Watch", "watch"),
        ("List", "list"),
        ("Read", "get"),
        ("Get", "get"),
        ("Create", "create"),
        ("Replace", "update"),
        ("Patch", "patch"),
        ("Delete", "delete"),
    ];

    private static readonly Dictionary<string, string> Groups = new()
    {
        ["CoreV1"] = "",
        ["CoordinationV1"] = "coordination.k8s.io",
        ["ApiextensionsV1"] = "apiextensions.k8s.io",
        ["EventsV1"] = "events.k8s.io",
        ["AppsV1"] = "apps",
        ["BatchV1"] = "batch",
        ["CustomObjects"] = TrainingRun.Group,
    };

    /// <summary>
    /// A product member that makes an API request without a client member: the custom resource watch, which reads the
    /// stream itself. The raw <see cref="KubernetesWatch"/> underneath is reached only through it in the operator and the receiver.
    /// </summary>
    public static bool IsOwnRequest(MethodBase member) =>
        member.DeclaringType is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(CustomResourceClient<>) && member.Name == "WatchAsync";

    /// <summary>The grants <paramref name="member"/> needs; empty for members that make no API request (models, configuration, JSON).</summary>
    /// <exception cref="NotSupportedException">An API call this mapping does not know yet: extend it.</exception>
    public static IReadOnlyList<ApiPermission> PermissionsFor(MethodBase member)
    {
        var type = member.DeclaringType!;
        if (IsOwnRequest(member))
        {
            // The watch streams through the client's HTTP pipeline itself; the custom resources it watches are TrainingRuns.
            return [new(TrainingRun.Group, TrainingRun.Plural, "watch")];
        }

        // An owner reference with blockOwnerDeletion needs update on the owner's finalizers (OwnerReferencesPermissionEnforcement);
        // the operator only ever owns objects by a TrainingRun.
        if (type == typeof(V1OwnerReference) && member.Name == "set_BlockOwnerDeletion")
        {
            return [new(TrainingRun.Group, TrainingRun.Plural + "/finalizers", "update")];
        }

        if (!type.Name.Contains("Operations", StringComparison.Ordinal) || member is not MethodInfo)
        {
            return [];
        }

        // GET /version is a non-resource URL every authenticated identity may read (system:public-info-viewer).
        if (type.Name.TrimStart('I').StartsWith("VersionOperations", StringComparison.Ordinal))
        {
            return [];
        }

        var groupKey = Groups.Keys.FirstOrDefault(key => type.Name.TrimStart('I').StartsWith(key, StringComparison.Ordinal))
            ?? throw new NotSupportedException($"{type.Name}.{member.Name}: API group unknown to this test; add it to {nameof(KubernetesApiCalls)}.");
        var name = member.Name.Replace("WithHttpMessages", "", StringComparison.Ordinal);
        name = name.EndsWith("Async", StringComparison.Ordinal) ? name[..^5] : name;
        var (prefix, verb) = Verbs.FirstOrDefault(v => name.StartsWith(v.Prefix, StringComparison.Ordinal));
        if (prefix is null)
        {
            throw new NotSupportedException($"{type.Name}.{member.Name}: verb unknown to this test; add it to {nameof(KubernetesApiCalls)}.");
        }

        var kind = name[prefix.Length..].Replace("Namespaced", "", StringComparison.Ordinal).Replace("ForAllNamespaces", "", StringComparison.Ordinal);
        kind = kind.StartsWith("Cluster", StringComparison.Ordinal) ? kind["Cluster".Length..] : kind;
        var subresource = "";
        if (kind.EndsWith("Status", StringComparison.Ordinal) && kind != "Status")
        {
            (kind, subresource) = (kind[..^"Status".Length], "/status");
        }

        var resource = kind == "CustomObject" ? TrainingRun.Plural : kind.ToLowerInvariant() + "s";
        return [new(Groups[groupKey], resource + subresource, verb)];
    }
}
