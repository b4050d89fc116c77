using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using LoraTrainer.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Testing.Civitai;

/// <summary>A Civitai fake over Kestrel on 127.0.0.1: model versions, download redirects to signed file URLs, and the files.</summary>
/// <remarks>
/// Follows the real contract: <c>GET /api/v1/model-versions/{id}</c> (404 for unknown ids), <c>GET
/// /api/download/models/{id}</c> (key by <c>Authorization: Bearer</c> or <c>?token=</c>; 401 when a version needs a
/// key; 307 to a signed URL), and the signed <c>/files/…</c> URL itself, which needs no key, checks its signature
/// and expiry, and serves the bytes with range support for the agent's download. Faults (a status, or a delay) are injected per path.
/// </remarks>
public sealed class CivitaiFake : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, FakeCivitaiVersion> _versions = new();
    private readonly ConcurrentQueue<CivitaiFakeRequest> _requests = new();
    private readonly ConcurrentQueue<(string PathPrefix, int Status, TimeSpan? RetryAfter)> _faults = new();
    private readonly List<(string PathPrefix, TimeSpan Delay)> _delays = [];
    private readonly HashSet<string> _validKeys = new(StringComparer.Ordinal);
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _timeProvider;
    private readonly WebApplication _app;

    private CivitaiFake(WebApplication app, TimeProvider timeProvider)
    {
        _app = app;
        _timeProvider = timeProvider;
    }

    /// <summary>The fake's base URL, e.g. <c>http://127.0.0.1:43121/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>How long a signed file URL stays valid. Defaults to 10 minutes.</summary>
    public TimeSpan SignedUrlLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The rate model files are served at, in bytes per second, as from a busy CDN; null serves them at once.</summary>
    public long? BytesPerSecond { get; set; }

    /// <summary>While set, every request is answered with this status (503 for an outage), after the faults queued by <see cref="Fail"/>.</summary>
    public int? OutageStatus { get; set; }

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<CivitaiFakeRequest> Requests => [.. _requests];

    /// <summary>Starts the fake on a free port of 127.0.0.1.</summary>
    public static Task<CivitaiFake> StartAsync(TimeProvider? timeProvider = null, CancellationToken cancellationToken = default) =>
        StartAsync(port: 0, timeProvider, cancellationToken);

    /// <summary>Starts the fake on 127.0.0.1:<paramref name="port"/> (0 picks a free port).</summary>
    public static async Task<CivitaiFake> StartAsync(int port, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var app = LoopbackHost.CreateBuilder(port).Build();
        var fake = new CivitaiFake(app, timeProvider ?? TimeProvider.System);
        fake.Map(app);
        fake.BaseUrl = await LoopbackHost.StartAsync(app, cancellationToken);
        return fake;
    }

    /// <summary>Serves <paramref name="version"/>.</summary>
    public CivitaiFake Add(FakeCivitaiVersion version)
    {
        _versions[version.Id] = version;
        return this;
    }

    /// <summary>Accepts <paramref name="apiKey"/> for versions that need a key.</summary>
    public CivitaiFake AcceptKey(string apiKey)
    {
        lock (_validKeys)
        {
            _validKeys.Add(apiKey);
        }

        return this;
    }

    /// <summary>Answers the next <paramref name="times"/> requests whose path starts with <paramref name="pathPrefix"/> with <paramref name="status"/>.</summary>
    public CivitaiFake Fail(string pathPrefix, int status, int times = 1, TimeSpan? retryAfter = null)
    {
        for (var i = 0; i < times; i++)
        {
            _faults.Enqueue((pathPrefix, status, retryAfter));
        }

        return this;
    }

    /// <summary>
    /// Answers the next <paramref name="times"/> requests whose path starts with <paramref name="pathPrefix"/>
    /// <paramref name="delay"/> late (on the fake's clock), as a slow link or a throttled CDN would.
    /// </summary>
    public CivitaiFake Delay(string pathPrefix, TimeSpan delay, int times = 1)
    {
        lock (_delays)
        {
            for (var i = 0; i < times; i++)
            {
                _delays.Add((pathPrefix, delay));
            }
        }

        return this;
    }

    /// <summary>Requests received on paths starting with <paramref name="pathPrefix"/>.</summary>
    public IReadOnlyList<CivitaiFakeRequest> RequestsTo(string pathPrefix) =>
        [.. _requests.Where(r => r.Path.StartsWith(pathPrefix, StringComparison.Ordinal))];

    /// <summary>Stops the fake.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            // The delay's timer starts before the request is listed, so a test that sees the request can advance its clock past it.
            var held = TakeDelay(request.Path.Value ?? "") is { } slow ? Task.Delay(slow, _timeProvider, context.RequestAborted) : Task.CompletedTask;
            _requests.Enqueue(new CivitaiFakeRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", request.Headers.Authorization.FirstOrDefault()));
            await held;
            if ((TakeFault(request.Path.Value ?? "") ?? Outage()) is { } fault)
            {
                context.Response.StatusCode = fault.Status;
                if (fault.RetryAfter is { } delay)
                {
                    context.Response.Headers.RetryAfter = ((int)delay.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await context.Response.WriteAsJsonAsync(new { error = $"injected {fault.Status}" });
                return;
            }

            await next(context);
        });
        app.MapGet("/api/v1/model-versions/{id:long}", (long id) =>
            _versions.TryGetValue(id, out var version) ? Results.Json(Describe(version)) : NotFound(id));
        app.MapGet("/api/download/models/{id:long}", Download);
        app.MapGet("/files/{id:long}/{name}", ServeFile);
    }

    private IResult Download(long id, HttpRequest request)
    {
        if (!_versions.TryGetValue(id, out var version))
        {
            return NotFound(id);
        }

        var key = request.Headers.Authorization.FirstOrDefault() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal)
            ? auth["Bearer ".Length..]
            : request.Query["token"].FirstOrDefault();
        bool keyValid;
        lock (_validKeys)
        {
            keyValid = key is not null && _validKeys.Contains(key);
        }

        if ((version.RequiresKey || key is not null) && !keyValid)
        {
            return Results.Json(new { error = "Unauthorized", message = "The creator of this asset requires you to be logged in to download it" }, statusCode: 401);
        }

        var file = PrimaryFile(version, request.Query["type"].FirstOrDefault(), request.Query["format"].FirstOrDefault());
        if (file is null)
        {
            return NotFound(id);
        }

        return version.RedirectsDownloads
            ? Results.Redirect(SignedFileUrl(id, file.Name), permanent: false, preserveMethod: true)
            : Serve(file.Content, file.Name);
    }

    private IResult ServeFile(long id, string name, HttpRequest request)
    {
        var expires = request.Query["expires"].FirstOrDefault();
        var signature = request.Query["signature"].FirstOrDefault();
        if (expires is null || signature is null || !CryptographicOperations.FixedTimeEquals(
                Encoding.ASCII.GetBytes(signature), Encoding.ASCII.GetBytes(Sign(id, name, expires))))
        {
            return Results.Text("<Error><Code>AccessDenied</Code></Error>", "application/xml", statusCode: 403);
        }

        if (_timeProvider.GetUtcNow().ToUnixTimeSeconds() > long.Parse(expires, System.Globalization.CultureInfo.InvariantCulture))
        {
            return Results.Text("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", "application/xml", statusCode: 403);
        }

        var file = _versions.TryGetValue(id, out var version) ? version.Files.FirstOrDefault(f => f.Name == name) : null;
        return file is null
            ? Results.NotFound()
            : Serve(file.Content, name);
    }

    private IResult Serve(byte[] content, string name) => BytesPerSecond is { } rate
        ? Results.Stream(new ThrottledStream(new MemoryStream(content, writable: false), rate, _timeProvider), "application/octet-stream", name, enableRangeProcessing: true)
        : Results.Bytes(content, "application/octet-stream", name, enableRangeProcessing: true);

    private string SignedFileUrl(long id, string name)
    {
        var expires = (_timeProvider.GetUtcNow() + SignedUrlLifetime).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new Uri(BaseUrl, $"/files/{id}/{Uri.EscapeDataString(name)}?expires={expires}&signature={Sign(id, name, expires)}").AbsoluteUri;
    }

    private string Sign(long id, string name, string expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes($"{id}/{name}/{expires}")));

    private TimeSpan? TakeDelay(string path)
    {
        lock (_delays)
        {
            var index = _delays.FindIndex(d => path.StartsWith(d.PathPrefix, StringComparison.Ordinal));
            if (index < 0)
            {
                return null;
            }

            var delay = _delays[index].Delay;
            _delays.RemoveAt(index);
            return delay;
        }
    }

    private (string PathPrefix, int Status, TimeSpan? RetryAfter)? Outage() => OutageStatus is { } status ? ("", status, null) : null;

    private (string PathPrefix, int Status, TimeSpan? RetryAfter)? TakeFault(string path)
    {
        lock (_faults)
        {
            var all = _faults.ToList();
            var index = all.FindIndex(f => path.StartsWith(f.PathPrefix, StringComparison.Ordinal));
            if (index < 0)
            {
                return null;
            }

            _faults.Clear();
            all.Where((_, i) => i != index).ToList().ForEach(_faults.Enqueue);
            return all[index];
        }
    }

    private static FakeCivitaiFile? PrimaryFile(FakeCivitaiVersion version, string? type, string? format) =>
        type is null && format is null
            ? version.Files.FirstOrDefault(f => f.Primary) ?? version.Files.FirstOrDefault()
            : version.Files.FirstOrDefault(f =>
                (type is null || string.Equals(f.Type, type, StringComparison.OrdinalIgnoreCase))
                && (format is null || string.Equals(f.Format, format, StringComparison.OrdinalIgnoreCase)));

    private object Describe(FakeCivitaiVersion version)
    {
        var downloadBase = new Uri(BaseUrl, $"/api/download/models/{version.Id}").AbsoluteUri;
        return new
        {
            id = version.Id,
            modelId = version.Id + 1_000_000,
            name = version.VersionName,
            baseModel = version.BaseModel,
            air = version.Air,
            model = new { name = version.ModelName, type = version.ModelType, nsfw = false, poi = false },
            files = version.Files.Select((f, i) => new
            {
                id = version.Id * 10 + i,
                sizeKB = f.Content.Length / 1024.0,
                name = f.Name,
                type = f.Type,
                pickleScanResult = "Success",
                virusScanResult = "Success",
                metadata = new { format = f.Format, size = "full", fp = "fp16" },
                hashes = new Dictionary<string, string>
                {
                    ["AutoV2"] = Convert.ToHexString(SHA256.HashData(f.Content))[..10],
                    ["SHA256"] = Convert.ToHexString(SHA256.HashData(f.Content)),
                    ["CRC32"] = "00000000",
                },
                primary = f.Primary,
                downloadUrl = f.Primary ? downloadBase : $"{downloadBase}?type={Uri.EscapeDataString(f.Type)}&format={f.Format}",
            }),
            downloadUrl = downloadBase,
        };
    }

    private static IResult NotFound(long id) => Results.Json(new { error = $"No model version with id {id}" }, statusCode: 404);
}
