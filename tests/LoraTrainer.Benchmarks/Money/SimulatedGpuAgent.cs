using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using LoraTrainer.Protocol;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>
/// The agent of one rented instance, driven step by step: it knows only the two env values the instance was created
/// with, fetches its config and sends signed events to the receiver over HTTP, and uploads its result to the
/// presigned URL, as the GPU agent does.
/// </summary>
internal sealed class SimulatedGpuAgent(HttpClient http, IReadOnlyDictionary<string, string> environment)
{
    private readonly Uri _runUrl = new(environment[AgentEnvironment.RunUrl]);
    private readonly string _token = environment[AgentEnvironment.RunToken];
    private long _seq;

    public AgentConfig? Config { get; private set; }

    /// <summary><c>GET {run}/config</c>, signed.</summary>
    public async Task<AgentConfig> FetchConfigAsync(CancellationToken cancellationToken)
    {
        using var request = Signed(HttpMethod.Get, "/config", []);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        Config = await response.Content.ReadFromJsonAsync<AgentConfig>(ProtocolJson.Options, cancellationToken)
            ?? throw new InvalidOperationException("the receiver answered an empty config");
        return Config;
    }

    /// <summary>Sends the next event (its seq and attempt filled in) and returns the receiver's answer.</summary>
    public async Task<EventAck> SendAsync(AgentEvent evt, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(evt with
        {
            Seq = Interlocked.Increment(ref _seq),
            Attempt = Config?.Run.Attempt ?? 1,
            At = TimeProvider.System.GetUtcNow(),
        }, ProtocolJson.Options);
        using var request = Signed(HttpMethod.Post, "/events", body);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new("application/json");
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<EventAck>(ProtocolJson.Options, cancellationToken)
            ?? throw new InvalidOperationException($"the receiver answered {evt.Kind} with an empty body");
    }

    /// <summary>Boots as a healthy agent does: gpuReady, imagesDownloaded, modelDownloaded, ready; returns the phase the receiver reports.</summary>
    public async Task<string> BootAsync(CancellationToken cancellationToken)
    {
        await FetchConfigAsync(cancellationToken);
        await SendAsync(new AgentEvent { Kind = EventKinds.GpuReady, Gpu = new GpuInfo { Name = "RTX 4090", MemoryMb = 24564, Cuda = "12.4" } }, cancellationToken);
        await SendAsync(new AgentEvent { Kind = EventKinds.ImagesDownloaded, Images = 30, Captions = 30, Bytes = Config!.Dataset.Bytes }, cancellationToken);
        await SendAsync(new AgentEvent { Kind = EventKinds.ModelDownloaded, Bytes = Config.Model.Bytes, Sha256 = Config.Model.Sha256 }, cancellationToken);
        return (await SendAsync(new AgentEvent { Kind = EventKinds.Ready }, cancellationToken)).Phase;
    }

    /// <summary>Puts <paramref name="content"/> at the best epoch's presigned URL (so the object is in S3 before <c>uploaded</c> is sent).</summary>
    public async Task<AgentEvent> UploadBestAsync(byte[] content, int epoch, double loss, CancellationToken cancellationToken)
    {
        var target = Config?.Outputs.Best ?? throw new InvalidOperationException("fetch the config first");
        using var upload = new ByteArrayContent(content);
        using var response = await http.PutAsync(new Uri(target.Url), upload, cancellationToken);
        response.EnsureSuccessStatusCode();
        return new AgentEvent
        {
            Kind = EventKinds.Uploaded,
            Epoch = epoch,
            Loss = loss,
            Key = target.Key,
            Bytes = content.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
        };
    }

    private HttpRequestMessage Signed(HttpMethod method, string suffix, byte[] body)
    {
        var url = new Uri(_runUrl + suffix);
        var timestamp = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add(RequestSigner.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(_token, timestamp, method.Method, url.AbsolutePath, body));
        return request;
    }
}
