using System.Net;
using System.Net.Http.Json;
using k8s;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Webhook.Tests;

public sealed class KubernetesFailureTests
{
    private static AgentEvent GpuReady => new() { Seq = 1, Kind = EventKinds.GpuReady, Attempt = 1 };

    [Fact]
    public async Task AnUnreachableKubernetesApi_Is503ToEventsAndConfig_CountedAsNetworkFailures_AndTheReceiverIsNotReady()
    {
        // Port 1 on loopback refuses connections: every Kubernetes call fails before any answer.
        await using var receiver = await ReceiverFixture.StartAsync(client: _ => new k8s.Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }));
        var token = receiver.SeedRun("cut-off");

        using var evt = await receiver.PostAsync("cut-off", token, GpuReady);
        using var config = await receiver.GetConfigAsync("cut-off", token);
        using var readyz = await receiver.Http.GetAsync("/readyz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, evt.StatusCode);
        Assert.Contains("retry with the same seq", await evt.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, config.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode);
        Assert.Equal(2, await receiver.MetricAsync("""loratrainer_receiver_kubernetes_failures_total{reason="network"}"""));
        Assert.Equal(1, await receiver.MetricAsync("""loratrainer_receiver_events_total{kind="unknown",outcome="error"}"""));
    }

    [Fact]
    public async Task AStatusWriteThatTimesOut_Is503_CountedAsATimeout_AndTheSameSeqIsRecordedOnRetry()
    {
        await using var receiver = await ReceiverFixture.StartAsync(client: kube =>
        {
            var configuration = kube.CreateClientConfiguration();
            configuration.HttpClientTimeout = TimeSpan.FromSeconds(1);
            return new k8s.Kubernetes(configuration);
        });
        var token = receiver.SeedRun("sluggish");
        receiver.Kube.AddLatency(new RequestMatcher("PATCH", "/apis/loratrainer.io/v1alpha1/namespaces/*/trainingruns/*/status"), TimeSpan.FromSeconds(5));

        using var timedOut = await receiver.PostAsync("sluggish", token, GpuReady);
        var timeouts = await receiver.MetricAsync("""loratrainer_receiver_kubernetes_failures_total{reason="timeout"}""");
        var errors = await receiver.MetricAsync("""loratrainer_receiver_events_total{kind="gpuReady",outcome="error"}""");
        receiver.Kube.ClearFaults();
        var retried = await PostUntilAnsweredAsync(receiver, token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, timedOut.StatusCode);
        Assert.Equal(1, timeouts);
        Assert.Equal(1, errors);
        Assert.Equal("pendingImages", retried.Phase);
        Assert.Equal(TrainingPhase.PendingImages, receiver.Run("sluggish").Status!.Phase);
    }

    /// <summary>Sends the event again as the agent does after a 503, a few times at most.</summary>
    private static async Task<EventAck> PostUntilAnsweredAsync(ReceiverFixture receiver, string token)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await receiver.PostAsync("sluggish", token, GpuReady);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 5)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return (await response.Content.ReadFromJsonAsync<EventAck>(ProtocolJson.Options, TestContext.Current.CancellationToken))!;
            }
        }
    }
}
