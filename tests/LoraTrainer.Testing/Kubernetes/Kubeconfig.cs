namespace LoraTrainer.Testing.Kubernetes;

/// <summary>Writes kubeconfig files for servers the test kit starts.</summary>
public static class Kubeconfig
{
    /// <summary>A kubeconfig whose only context, <c>fake</c>, points at <paramref name="server"/> with <paramref name="token"/> (a placeholder by default).</summary>
    public static string For(Uri server, string @namespace = "default", string token = "fake-kube-api-token") => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: {server.ToString().TrimEnd('/')}
        users:
        - name: fake
          user:
            token: {token}
        contexts:
        - name: fake
          context:
            cluster: fake
            user: fake
            namespace: {@namespace}
        current-context: fake

        """;
}
