using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Demo.Stack;

/// <summary>
/// A pass-through proxy in front of s3rver that can make S3 fail or lag: the next N uploads into a bucket answer 503
/// SlowDown without reaching the store, and a download can be held back. Requests are forwarded with their Host
/// header, so signatures still match.
/// </summary>
internal sealed class S3FaultProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase) { "Transfer-Encoding", "Connection", "Keep-Alive" };
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Uri _target;
    private int _failingPuts;
    private string _failingBucket = "";
    private int _refusedPuts;
    private readonly Lock _gate = new();
    private (string PathPart, TimeSpan Delay)? _slowDownload;

    private S3FaultProxy(WebApplication app, Uri target)
    {
        _app = app;
        _target = target;
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
    }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Uploads refused so far.</summary>
    public int RefusedPuts => Volatile.Read(ref _refusedPuts);

    public static async Task<S3FaultProxy> StartAsync(Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new S3FaultProxy(app, target);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy.BaseUrl = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return proxy;
    }

    /// <summary>The next <paramref name="times"/> PUTs into <paramref name="bucket"/> answer 503.</summary>
    public void FailUploads(string bucket, int times)
    {
        _failingBucket = bucket;
        Volatile.Write(ref _failingPuts, times);
    }

    /// <summary>The next GET whose path contains <paramref name="pathPart"/> is forwarded <paramref name="delay"/> late, as over a slow link.</summary>
    public void DelayDownload(string pathPart, TimeSpan delay)
    {
        lock (_gate)
        {
            _slowDownload = (pathPart, delay);
        }
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Method == "GET" && TakeDelay(request.Path.Value ?? "") is { } delay)
        {
            await Task.Delay(delay, TimeProvider.System, context.RequestAborted);
        }

        if (request.Method == "PUT" && (request.Path.Value ?? "").StartsWith($"/{_failingBucket}/", StringComparison.Ordinal)
            && Interlocked.Decrement(ref _failingPuts) >= 0)
        {
            Interlocked.Increment(ref _refusedPuts);
            context.Response.StatusCode = 503;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_target, request.Path.Value + request.QueryString.Value));
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            forward.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (HopHeaders.Contains(name))
            {
                continue;
            }

            if (!forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                forward.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        forward.Headers.Host = request.Host.Value;
        using var response = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopHeaders.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private TimeSpan? TakeDelay(string path)
    {
        lock (_gate)
        {
            if (_slowDownload is not { } slow || !path.Contains(slow.PathPart, StringComparison.Ordinal))
            {
                return null;
            }

            _slowDownload = null;
            return slow.Delay;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
