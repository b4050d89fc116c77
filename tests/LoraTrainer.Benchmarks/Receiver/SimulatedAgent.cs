using System.Globalization;
using System.Text.Json;
using LoraTrainer.Protocol;

namespace LoraTrainer.Benchmarks.Receiver;

/// <summary>The agent side of one run: sends signed progress events with increasing <c>seq</c>, as the GPU agent does.</summary>
/// <remarks>One loop drives each agent, so its events go out in order, one at a time.</remarks>
internal sealed class SimulatedAgent(string @namespace, string name, string token)
{
    private readonly string _path = AgentEnvironment.RunPath(@namespace, name) + "/events";
    private long _seq;

    public string Name => name;

    /// <summary>The last sequence number sent.</summary>
    public long LastSeq => Interlocked.Read(ref _seq);

    /// <summary>Sends the next progress event and returns the HTTP status the receiver answered.</summary>
    public async Task<int> SendProgressAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var seq = Interlocked.Increment(ref _seq);
        var now = TimeProvider.System.GetUtcNow();
        var body = JsonSerializer.SerializeToUtf8Bytes(new AgentEvent
        {
            Seq = seq,
            Kind = EventKinds.Progress,
            At = now,
            Attempt = 1,
            Percent = (int)Math.Min(99, seq / 100),
            Step = seq,
            TotalSteps = 1_000_000,
            Epoch = 1,
            TotalEpochs = 10,
            Loss = 0.1 + (0.0001 * (seq % 100)),
            EtaSeconds = 3600,
        }, ProtocolJson.Options);
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, _path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(RequestSigner.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(token, timestamp, "POST", _path, body));
        using var response = await http.SendAsync(request, cancellationToken);
        await response.Content.CopyToAsync(Stream.Null, cancellationToken);
        return (int)response.StatusCode;
    }
}
