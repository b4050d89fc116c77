using k8s;
using LoraTrainer.Testing.Kubernetes;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

/// <summary>Faults below HTTP status codes: a reset connection, and a request that is carried out but never answered.</summary>
public sealed class ConnectionFaultTests
{
    private const string StatusPath = "/apis/loratrainer.io/v1alpha1/namespaces/default/trainingruns/anna/status";

    [Fact]
    public async Task ResetNextRequests_ResetsTheConnectionInsteadOfAnswering_ThenRecovers()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        server.ResetNextRequests(new RequestMatcher("GET", "/api/v1/namespaces/default"), 1);
        server.ClearRequestLog();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.CoreV1.ReadNamespaceAsync("default", cancellationToken: Token));
        var after = await client.CoreV1.ReadNamespaceAsync("default", cancellationToken: Token);

        Assert.Equal("default", after.Metadata.Name);
        Assert.Equal(["GET /api/v1/namespaces/default -> 0", "GET /api/v1/namespaces/default -> 200"], server.RequestLog.Select(e => e.ToString()));
    }

    [Fact]
    public async Task LoseNextAnswers_CarriesOutTheWrite_ButTheClientOnlySeesItsTimeout()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var impatient = server.CreateClientConfiguration();
        impatient.HttpClientTimeout = TimeSpan.FromSeconds(1);
        using var writer = new k8s.Kubernetes(impatient);
        await CreateRunAsync(client, "anna");
        server.LoseNextAnswers(new RequestMatcher("PATCH", StatusPath), 1);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            Patch.Merge("""{"status":{"phase":"training"}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal("training", (await GetRunAsync(client, "anna"))["status"]!["phase"]!.GetValue<string>());
        // The request is logged once the fake lets go of the connection, just after the client gave up.
        await Eventually.UntilAsync(() => server.RequestLog.Any(e => e.Method == "PATCH"), TimeSpan.FromSeconds(5), "the lost PATCH in the request log",
            cancellationToken: Token);

        Assert.Equal(200, Assert.Single(server.RequestLog, e => e.Method == "PATCH").StatusCode);
    }
}
