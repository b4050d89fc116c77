using LoraTrainer.Testing.Kubernetes.Http;

namespace LoraTrainer.Testing.Kubernetes;

public sealed partial class FakeKubeApiServer
{
    /// <summary>
    /// Lets <paramref name="subject"/> (a user or a group) <paramref name="verb"/> <paramref name="resource"/> of
    /// <paramref name="group"/> in <paramref name="namespace"/> (null: every namespace), as SubjectAccessReview then
    /// answers. Nothing is allowed unless granted. The fake's own endpoints do not enforce it.
    /// </summary>
    public void Allow(string subject, string? @namespace, string verb = "get", string resource = "trainingruns", string group = "loratrainer.io") =>
        _reviews.Allow(new AccessGrant(subject, verb, group, resource, @namespace));
}
