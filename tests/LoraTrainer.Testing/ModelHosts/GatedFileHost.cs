using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using LoraTrainer.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Testing.ModelHosts;

/// <summary>
/// A host of gated model files over Kestrel on 127.0.0.1, shaped like Hugging Face's <c>resolve</c> URLs: a GET with
/// the right <c>Authorization: Bearer</c> token (or any GET, for a file that is not gated) answers 302 to a signed
/// <c>/cdn/…</c> link that needs no token; a missing or wrong token for a gated file is 401. With
/// <see cref="ServeDirectly"/> it serves the bytes itself instead of redirecting; with <see cref="Outage"/> it serves nothing.
/// </summary>
public sealed class GatedFileHost : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (byte[] Content, bool Gated)> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Path, string? Authorization)> _requests = new();
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly WebApplication _app;

    private GatedFileHost(WebApplication app, string token)
    {
        _app = app;
        Token = token;
    }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:43121/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The only token the host accepts.</summary>
    public string Token { get; }

    /// <summary>Serve the file to an authorised GET instead of redirecting to a signed link.</summary>
    public bool ServeDirectly { get; set; }

    /// <summary>While set, every request is answered with this HTTP status (an outage, say 503) and nothing else.</summary>
    public int? Outage { get; set; }

    /// <summary>Every request's path and Authorization header, in order.</summary>
    public IReadOnlyList<(string Path, string? Authorization)> Requests => [.. _requests];

    /// <summary>Starts the host on a free port, accepting <paramref name="token"/>.</summary>
    public static async Task<GatedFileHost> StartAsync(string token, CancellationToken cancellationToken = default)
    {
        var app = LoopbackHost.CreateBuilder(0).Build();
        var host = new GatedFileHost(app, token);
        host.Map(app);
        host.BaseUrl = await LoopbackHost.StartAsync(app, cancellationToken);
        return host;
    }

    /// <summary>Serves <paramref name="content"/> at <c>/{repository}/resolve/main/{file}</c>, to the token holder only when <paramref name="gated"/>; returns that URL.</summary>
    public Uri Add(string repository, string file, byte[] content, bool gated = true)
    {
        var path = $"/{repository}/resolve/main/{file}";
        _files[path] = (content, gated);
        return new Uri(BaseUrl, path);
    }

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (Outage is { } status)
            {
                _requests.Enqueue((context.Request.Path, context.Request.Headers.Authorization.ToString()));
                context.Response.StatusCode = status;
                return;
            }

            await next(context);
        });
        app.MapGet("/cdn/{**path}", (string path, string? sig, HttpContext context) =>
        {
            _requests.Enqueue((context.Request.Path, context.Request.Headers.Authorization.ToString()));
            var original = "/" + path;
            return sig == Sign(original) && _files.TryGetValue(original, out var file)
                ? Results.Bytes(file.Content, "application/octet-stream", enableRangeProcessing: true)
                : Results.StatusCode(StatusCodes.Status403Forbidden);
        });
        app.MapGet("/{**path}", (string path, HttpContext context) =>
        {
            var original = "/" + path;
            var authorization = context.Request.Headers.Authorization.ToString();
            _requests.Enqueue((original, authorization));
            if (!_files.TryGetValue(original, out var file))
            {
                return Results.NotFound();
            }

            if (file.Gated && authorization != $"Bearer {Token}")
            {
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }

            return ServeDirectly
                ? Results.Bytes(file.Content, "application/octet-stream", enableRangeProcessing: true)
                : Results.Redirect($"/cdn{original}?sig={Sign(original)}");
        });
    }

    private string Sign(string path) => Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes(path)));

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
