using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Testing.Kubernetes.Http;

/// <summary>
/// TokenReview (authentication.k8s.io/v1) and SubjectAccessReview (authorization.k8s.io/v1) as the API server
/// documents them: a POST of the review answered 201 with its <c>status</c> filled in and nothing stored. Tokens are
/// those of <see cref="FakeKubeApiServerOptions.Users"/>; what a user may do is what a test declared with
/// <see cref="FakeKubeApiServer.Allow"/>, as RBAC would grant it (nothing unless granted).
/// </summary>
internal sealed class AccessReviews(IReadOnlyDictionary<string, string> users)
{
    public const string TokenReviewPath = "/apis/authentication.k8s.io/v1/tokenreviews";
    public const string SubjectAccessReviewPath = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

    private readonly ConcurrentBag<AccessGrant> _grants = [];

    public void Allow(AccessGrant grant) => _grants.Add(grant);

    public async Task TokenReviewAsync(HttpContext context)
    {
        var review = await ReadAsync(context, "authentication.k8s.io/v1", "TokenReview");
        var token = review["spec"]?["token"]?.GetValue<string>();
        if (string.IsNullOrEmpty(token))
        {
            throw new KubeApiException(422, "Invalid", "TokenReview.authentication.k8s.io \"\" is invalid: spec.token: Required value");
        }

        review["status"] = users.TryGetValue(token, out var user)
            ? new JsonObject
            {
                ["authenticated"] = true,
                ["user"] = new JsonObject { ["username"] = user, ["uid"] = user, ["groups"] = new JsonArray("system:authenticated") },
            }
            : new JsonObject { ["authenticated"] = false, ["error"] = "invalid bearer token" };
        await Responses.WriteAsync(context, StatusCodes.Status201Created, review);
    }

    public async Task SubjectAccessReviewAsync(HttpContext context)
    {
        var review = await ReadAsync(context, "authorization.k8s.io/v1", "SubjectAccessReview");
        var spec = review["spec"] as JsonObject ?? [];
        var user = spec["user"]?.GetValue<string>();
        var groups = (spec["groups"] as JsonArray ?? []).Select(g => g!.GetValue<string>()).ToList();
        if (string.IsNullOrEmpty(user) && groups.Count == 0)
        {
            throw new KubeApiException(422, "Invalid", "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified");
        }

        if (spec["resourceAttributes"] is not JsonObject attributes)
        {
            throw new KubeApiException(422, "Invalid", "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified");
        }

        string Attribute(string name) => attributes[name]?.GetValue<string>() ?? "";
        var allowed = _grants.Any(g => (g.Subject == user || groups.Contains(g.Subject))
            && g.Verb == Attribute("verb") && g.Group == Attribute("group") && g.Resource == Attribute("resource")
            && (g.Namespace is null || g.Namespace == Attribute("namespace")));
        review["status"] = allowed
            ? new JsonObject { ["allowed"] = true, ["reason"] = "granted by the test" }
            : new JsonObject { ["allowed"] = false };
        await Responses.WriteAsync(context, StatusCodes.Status201Created, review);
    }

    private static async Task<JsonObject> ReadAsync(HttpContext context, string apiVersion, string kind)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject
            ?? throw KubeErrors.BadRequest($"the body must be a {kind}");
        body["apiVersion"] = apiVersion;
        body["kind"] = kind;
        body["metadata"] ??= new JsonObject();
        return body;
    }
}

/// <summary>
/// Permission for <paramref name="Subject"/> (a user or group name) to <paramref name="Verb"/> <paramref name="Resource"/>
/// of <paramref name="Group"/> in <paramref name="Namespace"/> (null: every namespace), as a RoleBinding would grant it.
/// </summary>
public sealed record AccessGrant(string Subject, string Verb, string Group, string Resource, string? Namespace);
