using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Agent.Tests.Fakes;

/// <summary>
/// A stand-in for presigned S3 URLs and model download hosts: GET with Range support, PUT that stores the body and
/// answers the MD5 ETag S3 answers. Faults can be set per key: cut the first download after some bytes, answer
/// status codes first, hang without answering, or require an Authorization header.
/// </summary>
internal sealed class ObjectStoreDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _cutAfter = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _requiredAuthorization = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Stall> _stalls = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();

    private ObjectStoreDouble(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The store's base URL.</summary>
    public string BaseUrl { get; }

    /// <summary>Called with the key of each PUT as it arrives, before its body is read.</summary>
    public Action<string>? OnPut { get; set; }

    /// <summary>Requests seen: <c>METHOD key range=... auth=yes|no</c>.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>A presigned-looking URL of <paramref name="key"/>, with a secret-bearing query string.</summary>
    public string UrlOf(string key) => $"{BaseUrl}/objects/{key}?X-Amz-Credential=AKIDSECRETCRED&X-Amz-Signature=f00dfeedsecretsignature{key.Length}";

    /// <summary>Puts an object.</summary>
    public void Put(string key, byte[] content) => _objects[key] = content;

    /// <summary>An object's bytes, or null.</summary>
    public byte[]? Get(string key) => _objects.TryGetValue(key, out var content) ? content : null;

    /// <summary>The first GET of <paramref name="key"/> sends <paramref name="bytes"/> bytes, then drops the connection.</summary>
    public void CutFirstDownloadAfter(string key, long bytes) => _cutAfter[key] = bytes;

    /// <summary>The next requests for <paramref name="key"/> are answered with these status codes.</summary>
    public void Fail(string key, params int[] statuses) => Array.ForEach(statuses, _faults.GetOrAdd(key, _ => new ConcurrentQueue<int>()).Enqueue);

    /// <summary>
    /// The next request for <paramref name="key"/> hangs until the client gives up: a GET sends
    /// <paramref name="afterBytes"/> bytes of the object first, a PUT takes the whole body. The task completes once it hangs.
    /// </summary>
    public Task StallNext(string key, long afterBytes = 0)
    {
        var stall = new Stall(afterBytes);
        _stalls[key] = stall;
        return stall.Started.Task;
    }

    /// <summary>GETs of <paramref name="key"/> must carry exactly this Authorization header.</summary>
    public void RequireAuthorization(string key, string value) => _requiredAuthorization[key] = value;

    /// <summary>Starts the double on 127.0.0.1.</summary>
    public static async Task<ObjectStoreDouble> StartAsync()
    {
        ObjectStoreDouble? self = null;
        var (app, baseUrl) = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet("/objects/{**key}", (string key, HttpContext context) => self!.GetAsync(key, context));
            app.MapPut("/objects/{**key}", (string key, HttpContext context) => self!.PutAsync(key, context));
        });
        self = new ObjectStoreDouble(app, baseUrl);
        return self;
    }

    private async Task GetAsync(string key, HttpContext context)
    {
        var range = context.Request.Headers.Range.ToString();
        var authorization = context.Request.Headers.Authorization.ToString();
        _requests.Enqueue($"GET {key} range={range} auth={(authorization.Length > 0 ? "yes" : "no")}");
        if (TakeFault(key) is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }

        if (_requiredAuthorization.TryGetValue(key, out var required) && authorization != required)
        {
            context.Response.StatusCode = 401;
            return;
        }

        if (!_objects.TryGetValue(key, out var content))
        {
            context.Response.StatusCode = 404;
            return;
        }

        long from = 0;
        if (RangeHeaderValue.TryParse(range, out var parsed) && parsed.Ranges.FirstOrDefault()?.From is { } start)
        {
            if (start >= content.Length)
            {
                context.Response.StatusCode = 416;
                return;
            }

            from = start;
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {from}-{content.Length - 1}/{content.Length}";
        }

        context.Response.ContentLength = content.Length - from;
        if (_stalls.TryRemove(key, out var stall))
        {
            await context.Response.Body.WriteAsync(content.AsMemory((int)from, (int)Math.Min(stall.AfterBytes, content.Length - from)));
            await context.Response.Body.FlushAsync();
            await HangAsync(stall, context);
            return;
        }

        if (from == 0 && _cutAfter.TryRemove(key, out var cut))
        {
            await context.Response.Body.WriteAsync(content.AsMemory(0, (int)cut));
            await context.Response.Body.FlushAsync();

            // Give the client time to read what was sent: an abort resets the connection, and a reset can drop unread bytes.
            await Task.Delay(200);
            context.Abort();
            return;
        }

        await context.Response.Body.WriteAsync(content.AsMemory((int)from));
    }

    private async Task PutAsync(string key, HttpContext context)
    {
        _requests.Enqueue($"PUT {key} length={context.Request.ContentLength}");
        OnPut?.Invoke(key);
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        if (TakeFault(key) is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }

        if (_stalls.TryRemove(key, out var stall))
        {
            await HangAsync(stall, context);
            return;
        }

        var content = buffer.ToArray();
        _objects[key] = content;
#pragma warning disable CA5351 // S3's ETag of a single-part upload is the MD5 of the body.
        context.Response.Headers.ETag = $"\"{Convert.ToHexStringLower(MD5.HashData(content))}\"";
#pragma warning restore CA5351
        context.Response.StatusCode = 200;
    }

    private static async Task HangAsync(Stall stall, HttpContext context)
    {
        stall.Started.TrySetResult();
        await Task.Delay(Timeout.Infinite, context.RequestAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private int? TakeFault(string key) => _faults.TryGetValue(key, out var queue) && queue.TryDequeue(out var status) ? status : null;

    private sealed record Stall(long AfterBytes)
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
