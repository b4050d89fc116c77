using k8s;
using k8s.Models;
using LoraTrainer.Api;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Dashboard.Viewers;

/// <summary>
/// Whether a viewer may see a namespace's runs: a SubjectAccessReview for <c>get trainingruns</c> in it, as that user
/// and groups, so the dashboard shows exactly what <c>kubectl get tr</c> would.
/// </summary>
internal sealed class AccessReview(IKubernetes kubernetes, IMemoryCache cache, IOptions<DashboardOptions> options)
{
    /// <summary>True when <paramref name="viewer"/> may get TrainingRuns in <paramref name="namespace"/>; the local viewer may see all.</summary>
    public async Task<bool> MayViewAsync(Viewer viewer, string @namespace, CancellationToken cancellationToken)
    {
        if (viewer.IsLocal)
        {
            return true;
        }

        var key = $"sar:{viewer.User}\n{string.Join(',', viewer.Groups.Order(StringComparer.Ordinal))}\n{@namespace}";
        if (cache.TryGetValue(key, out bool allowed))
        {
            return allowed;
        }

        var review = await kubernetes.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = viewer.User,
                Groups = [.. viewer.Groups],
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = TrainingRun.Group,
                    Resource = TrainingRun.Plural,
                    Verb = "get",
                    NamespaceProperty = @namespace,
                },
            },
        }, cancellationToken: cancellationToken);
        allowed = review.Status?.Allowed == true;
        cache.Set(key, allowed, options.Value.ReviewCacheDuration);
        return allowed;
    }

    /// <summary>The namespaces of <paramref name="namespaces"/> the viewer may see.</summary>
    public async Task<IReadOnlySet<string>> VisibleAsync(Viewer viewer, IEnumerable<string> namespaces, CancellationToken cancellationToken)
    {
        var visible = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ns in namespaces.Distinct(StringComparer.Ordinal))
        {
            if (await MayViewAsync(viewer, ns, cancellationToken))
            {
                visible.Add(ns);
            }
        }

        return visible;
    }
}
