using System.Collections.Concurrent;
using System.Globalization;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using LoraTrainer.Testing.Hosting;

namespace LoraTrainer.Testing.S3;

/// <summary>
/// A pass-through proxy in front of <see cref="S3rverServer"/> that records every request, can make S3 fail, and
/// answers what s3rver lacks as S3 does. Requests are forwarded with their Host header, so signatures still match.
/// </summary>
/// <remarks>
/// s3rver 3.7.1 answers AbortMultipartUpload (<c>DELETE /bucket/key?uploadId=…</c>) with 405 and keeps the parts.
/// The proxy answers it itself, like S3: 204 after deleting the upload's parts from s3rver's data folder, or 404
/// NoSuchUpload for an upload s3rver does not hold. So a test sees, over real HTTP, that an abort was sent for the
/// right upload and that no parts are left.
/// <para>
/// S3 URL-decodes the whole <c>x-amz-copy-source</c> header of a CopyObject; s3rver reads it with JavaScript's
/// decodeURI, which leaves <c>%2F</c> encoded, so the bucket/key separator the SDK sends as <c>%2F</c> made every copy
/// NoSuchBucket. The proxy decodes the header fully and re-encodes it so decodeURI yields the same bucket and key S3
/// would read. s3rver does not check SigV4 signatures, so the rewrite is not noticed.
/// </para>
/// <para>
/// s3rver has no ListMultipartUploads (501). The proxy answers <c>GET /bucket?uploads</c> as S3's API reference
/// describes it, from the uploads s3rver holds in its data folder (an upload's <c>key</c> file is written when it is
/// initiated, so its time is the upload's): key order, and for one key the order of initiation; <c>prefix</c>,
/// <c>key-marker</c>, <c>upload-id-marker</c>, <c>max-uploads</c> and <c>encoding-type=url</c>. A <c>delimiter</c> is
/// answered 501 NotImplemented rather than ignored.
/// </para>
/// <para>
/// UploadPart and CompleteMultipartUpload get S3's checks (<see cref="MultipartChecks"/>): a part for an upload that is
/// gone, or a completion naming a part or ETag that was not sent, is refused with S3's 4xx error, not s3rver's 500.
/// </para>
/// </remarks>
public sealed class S3rverProxy : IAsyncDisposable
{
    private const string CopySourceHeader = "x-amz-copy-source";
    private const string EncodeUriKeeps = ";,/?:@&=+$-_.!~*'()#";
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase) { "Transfer-Encoding", "Connection", "Keep-Alive" };
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly S3rverServer _server;
    private readonly ConcurrentQueue<S3ProxyRequest> _requests = new();
    private readonly ConcurrentQueue<string> _aborted = new();
    private int _failingPuts;
    private string _failingBucket = "";
    private int _refusedPuts;
    private int _failingPart;
    private int _refusedDeletes;
    private string _refusingBucket = "";
    private readonly Lock _gate = new();
    private (string PathPart, TimeSpan Delay)? _slowDownload;

    private S3rverProxy(WebApplication app, S3rverServer server)
    {
        _app = app;
        _server = server;
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
    }

    /// <summary>Where the proxy listens, e.g. <c>http://127.0.0.1:41234/</c>: give this to clients instead of s3rver's URL.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Uploads refused by <see cref="FailUploads"/> so far.</summary>
    public int RefusedPuts => Volatile.Read(ref _refusedPuts);

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<S3ProxyRequest> Requests => [.. _requests];

    /// <summary>Upload ids of the multipart uploads aborted through the proxy, in order.</summary>
    public IReadOnlyList<string> AbortedUploads => [.. _aborted];

    /// <summary>Starts a proxy in front of <paramref name="server"/> on a free loopback port.</summary>
    public static async Task<S3rverProxy> StartAsync(S3rverServer server, CancellationToken cancellationToken = default)
    {
        var app = LoopbackHost.CreateBuilder(port: 0).Build();
        var proxy = new S3rverProxy(app, server);
        app.Run(proxy.HandleAsync);
        proxy.BaseUrl = await LoopbackHost.StartAsync(app, cancellationToken);
        return proxy;
    }

    /// <summary>The next <paramref name="times"/> PUTs into <paramref name="bucket"/> answer 503 SlowDown without reaching s3rver.</summary>
    public void FailUploads(string bucket, int times)
    {
        _failingBucket = bucket;
        Volatile.Write(ref _failingPuts, times);
    }

    /// <summary>
    /// The next <paramref name="times"/> object DELETEs in <paramref name="bucket"/> answer 403 AccessDenied without reaching
    /// s3rver, as S3 answers a credential whose policy does not allow <c>s3:DeleteObject</c>.
    /// </summary>
    public void RefuseDeletes(string bucket, int times)
    {
        _refusingBucket = bucket;
        Volatile.Write(ref _refusedDeletes, times);
    }

    /// <summary>Every UploadPart of part <paramref name="partNumber"/> answers 500 InternalError (0 turns this off).</summary>
    public void FailPart(int partNumber) => Volatile.Write(ref _failingPart, partNumber);

    /// <summary>The next GET whose path contains <paramref name="pathPart"/> is forwarded <paramref name="delay"/> late, as over a slow link.</summary>
    public void DelayDownload(string pathPart, TimeSpan delay)
    {
        lock (_gate)
        {
            _slowDownload = (pathPart, delay);
        }
    }

    /// <summary>ListObjectsV2 requests for <paramref name="bucket"/> received so far.</summary>
    public int ListingsOf(string bucket) => Requests.Count(r => r.Method == "GET" && r.Bucket == bucket && r.Key.Length == 0 && r.Query.Contains("list-type=2", StringComparison.Ordinal));

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var recorded = S3ProxyRequest.From(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? "")
            with { CopySource = request.Headers[CopySourceHeader].ToString() is { Length: > 0 } source ? source : null };
        _requests.Enqueue(recorded);
        if (request.Method == "PUT" && recorded.Bucket == _failingBucket && Interlocked.Decrement(ref _failingPuts) >= 0)
        {
            Interlocked.Increment(ref _refusedPuts);
            await ErrorAsync(context, 503, "SlowDown", "Please reduce your request rate.");
            return;
        }

        if (request.Method == "PUT" && Volatile.Read(ref _failingPart) is > 0 and var part
            && request.Query.ContainsKey("uploadId") && request.Query["partNumber"] == part.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            await ErrorAsync(context, 500, "InternalError", "We encountered an internal error. Please try again.");
            return;
        }

        if (request.Method == "DELETE" && recorded.Key.Length > 0 && !request.Query.ContainsKey("uploadId") && recorded.Bucket == _refusingBucket
            && Interlocked.Decrement(ref _refusedDeletes) >= 0)
        {
            await ErrorAsync(context, 403, "AccessDenied", "Access Denied");
            return;
        }

        if (request.Method == "GET" && recorded.Bucket.Length > 0 && recorded.Key.Length == 0 && request.Query.ContainsKey("uploads"))
        {
            await ListUploadsAsync(context, recorded.Bucket);
            return;
        }

        if (request.Method == "DELETE" && request.Query["uploadId"] is [{ } uploadId])
        {
            await AbortAsync(context, recorded.Bucket, uploadId);
            return;
        }

        if (request.Query["uploadId"] is [{ } upload] && await MultipartRefusalAsync(request, UploadFolder(recorded.Bucket, upload)) is { } refusal)
        {
            await ErrorAsync(context, refusal.Status, refusal.Code, refusal.Message);
            return;
        }

        if (request.Method == "GET" && TakeDelay(request.Path.Value ?? "") is { } delay)
        {
            await Task.Delay(delay, TimeProvider.System, context.RequestAborted);
        }

        await ForwardAsync(context);
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

    /// <summary>s3rver's folder of the upload; null for an id that could name another folder.</summary>
    private string? UploadFolder(string bucket, string uploadId) =>
        uploadId.Contains('/', StringComparison.Ordinal) || uploadId.Contains("..", StringComparison.Ordinal)
            ? null
            : Path.Combine(_server.DataDirectory, bucket, "._S3rver_uploads", uploadId);

    /// <summary>The error S3 answers an UploadPart or a CompleteMultipartUpload with, and s3rver does not (<see cref="MultipartChecks"/>).</summary>
    private static async Task<S3Refusal?> MultipartRefusalAsync(HttpRequest request, string? upload)
    {
        if (request.Method == "PUT" && request.Query.ContainsKey("partNumber"))
        {
            return MultipartChecks.CheckPart(upload);
        }

        if (request.Method != "POST")
        {
            return null;
        }

        // The body is read here and handed on to s3rver as it came.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        var body = buffer.ToArray();
        request.Body = new MemoryStream(body);
        return MultipartChecks.CheckCompletion(upload, body);
    }

    private async Task AbortAsync(HttpContext context, string bucket, string uploadId)
    {
        var parts = UploadFolder(bucket, uploadId);
        if (parts is null || !Directory.Exists(parts))
        {
            await ErrorAsync(context, 404, "NoSuchUpload", "The specified upload does not exist.");
            return;
        }

        Directory.Delete(parts, recursive: true);
        _aborted.Enqueue(uploadId);
        context.Response.StatusCode = 204;
    }

    /// <summary>ListMultipartUploads, from the uploads in s3rver's data folder.</summary>
    private async Task ListUploadsAsync(HttpContext context, string bucket)
    {
        var query = context.Request.Query;
        if (!Directory.Exists(Path.Combine(_server.DataDirectory, bucket)))
        {
            await ErrorAsync(context, 404, "NoSuchBucket", "The specified bucket does not exist.");
            return;
        }

        if (query.ContainsKey("delimiter"))
        {
            await ErrorAsync(context, 501, "NotImplemented", "The stand-in does not group uploads by a delimiter.");
            return;
        }

        var prefix = query["prefix"].ToString();
        var keyMarker = query["key-marker"].ToString();
        var uploadIdMarker = query["upload-id-marker"].ToString();
        var maxUploads = int.TryParse(query["max-uploads"], out var max) ? Math.Clamp(max, 1, 1000) : 1000;
        var encode = query["encoding-type"] == "url";
        var folder = Path.Combine(_server.DataDirectory, bucket, "._S3rver_uploads");
        var uploads = (Directory.Exists(folder) ? Directory.GetDirectories(folder) : [])
            .Where(d => File.Exists(Path.Combine(d, "key")))
            .Select(d => (Key: File.ReadAllText(Path.Combine(d, "key")), UploadId: Path.GetFileName(d), Initiated: File.GetLastWriteTimeUtc(Path.Combine(d, "key"))))
            .Where(u => u.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(u => u.Key, StringComparer.Ordinal).ThenBy(u => u.Initiated).ThenBy(u => u.UploadId, StringComparer.Ordinal)
            .ToList();
        var start = keyMarker.Length == 0 ? 0 : uploads.FindIndex(u =>
            string.CompareOrdinal(u.Key, keyMarker) > 0
            || (u.Key == keyMarker && uploadIdMarker.Length > 0 && string.CompareOrdinal(u.UploadId, uploadIdMarker) > 0));
        if (uploads.FindIndex(u => u.Key == keyMarker && u.UploadId == uploadIdMarker) is >= 0 and var marked)
        {
            start = marked + 1;
        }

        var page = start < 0 ? [] : uploads.Skip(start).Take(maxUploads).ToList();
        var truncated = start >= 0 && start + page.Count < uploads.Count;
        XNamespace s3 = "http://s3.amazonaws.com/doc/2006-03-01/";
        string Text(string value) => encode ? Uri.EscapeDataString(value) : value;
        XElement Person(string name) => new(s3 + name, new XElement(s3 + "ID", S3rverServer.AccessKeyId), new XElement(s3 + "DisplayName", S3rverServer.AccessKeyId));
        var result = new XElement(s3 + "ListMultipartUploadsResult",
            new XElement(s3 + "Bucket", bucket),
            new XElement(s3 + "KeyMarker", Text(keyMarker)),
            new XElement(s3 + "UploadIdMarker", uploadIdMarker),
            truncated ? new XElement(s3 + "NextKeyMarker", Text(page[^1].Key)) : null,
            truncated ? new XElement(s3 + "NextUploadIdMarker", page[^1].UploadId) : null,
            new XElement(s3 + "Prefix", Text(prefix)),
            new XElement(s3 + "MaxUploads", maxUploads),
            new XElement(s3 + "IsTruncated", truncated ? "true" : "false"),
            page.Select(u => new XElement(s3 + "Upload",
                new XElement(s3 + "Key", Text(u.Key)),
                new XElement(s3 + "UploadId", u.UploadId),
                Person("Initiator"),
                Person("Owner"),
                new XElement(s3 + "StorageClass", "STANDARD"),
                new XElement(s3 + "Initiated", u.Initiated.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)))),
            encode ? new XElement(s3 + "EncodingType", "url") : null);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync(new XDocument(new XDeclaration("1.0", "UTF-8", null), result).Declaration + result.ToString(SaveOptions.DisableFormatting));
    }

    /// <summary>Encodes <paramref name="value"/> as JavaScript's encodeURI does, so s3rver's decodeURI gives it back whole.</summary>
    private static string ForDecodeUri(string value)
    {
        var encoded = new System.Text.StringBuilder(value.Length);
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || EncodeUriKeeps.Contains(c))
            {
                encoded.Append(c);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    private static Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        return context.Response.WriteAsync($"<Error><Code>{code}</Code><Message>{message}</Message></Error>");
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_server.ServiceUrl, request.Path.Value + request.QueryString.Value));
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

        if (request.Headers[CopySourceHeader] is [{ } copySource])
        {
            forward.Headers.Remove(CopySourceHeader);
            forward.Headers.TryAddWithoutValidation(CopySourceHeader, ForDecodeUri(Uri.UnescapeDataString(copySource)));
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

    /// <summary>Stops the proxy (s3rver keeps running).</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}

/// <summary>One request the proxy received (path-style: <c>/bucket/key</c>).</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Bucket">The bucket, empty for the service.</param>
/// <param name="Key">The object key, empty for a bucket request.</param>
/// <param name="Query">The raw query string, with its <c>?</c>.</param>
public sealed record S3ProxyRequest(string Method, string Bucket, string Key, string Query)
{
    /// <summary>The <c>x-amz-copy-source</c> header of a CopyObject, as the client sent it; null on other requests.</summary>
    public string? CopySource { get; init; }

    /// <summary>The value of query parameter <paramref name="name"/>, or null.</summary>
    public string? Parameter(string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Query).TryGetValue(name, out var values) ? values.ToString() : null;

    /// <summary>Splits a path-style request.</summary>
    public static S3ProxyRequest From(string method, string path, string query)
    {
        var parts = path.TrimStart('/').Split('/', 2);
        return new S3ProxyRequest(method, parts[0], parts.Length > 1 ? parts[1] : "", query);
    }
}
