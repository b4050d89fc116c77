using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using LoraTrainer.Protocol;
using LoraTrainer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Agent.Tests.Fakes;

/// <summary>An event as the receiver got it: the raw body and the parsed event.</summary>
internal sealed record ReceivedEvent(string Body, AgentEvent Event, bool Accepted);

/// <summary>
/// A stand-in for the webhook receiver: serves one run's config and records its events, rejecting any request
/// whose signature <see cref="RequestSigner"/> does not verify, and acknowledging repeated seqs as not accepted.
/// Faults can be queued: status codes to answer before the real answer; or event requests can be held unanswered.
/// </summary>
internal sealed class SignedReceiverDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedEvent> _events = new();
    private readonly ConcurrentQueue<(long Seq, int Status)> _attempts = new();
    private readonly ConcurrentQueue<int> _configFaults = new();
    private readonly ConcurrentQueue<int> _eventFaults = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _release = Released();
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastSeq;
    private int _unauthorized;
    private volatile bool _finishing;
    private int _configRequests;

    private SignedReceiverDouble(WebApplication app, string baseUrl, string token, string @namespace, string name)
    {
        _app = app;
        Token = token;
        RunUrl = baseUrl + AgentEnvironment.RunPath(@namespace, name);
    }

    /// <summary>The run's token.</summary>
    public string Token { get; }

    /// <summary>The value for <c>LORATRAINER_RUN_URL</c>.</summary>
    public string RunUrl { get; }

    /// <summary>The receiver's clock for checking signature timestamps; set it to the agent's fake clock when a test moves time.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>The config served; change it between fetches to hand out fresh URLs.</summary>
    public AgentConfig Config { get; set; } = new();

    /// <summary>While true, every request's connection is dropped unanswered, as when the receiver cannot be reached.</summary>
    public bool Unreachable { get; set; }

    /// <summary>
    /// When set, the answer to the first event it holds for, and to every later one, asks the run to finish early
    /// (<c>finish: now</c>), as the receiver answers once the user has set <c>spec.finish</c>.
    /// </summary>
    public Func<AgentEvent, bool>? FinishWhen { get; set; }

    /// <summary>When set, served on every fetch after the first (fresh presigned URLs).</summary>
    public AgentConfig? RefreshedConfig { get; set; }

    /// <summary>Every event POST that verified, in arrival order, including repeats.</summary>
    public IReadOnlyList<ReceivedEvent> Events => [.. _events];

    /// <summary>Accepted events (first delivery of each seq), in order.</summary>
    public IReadOnlyList<AgentEvent> Accepted => [.. _events.Where(e => e.Accepted).Select(e => e.Event)];

    /// <summary>Every signed event POST: its seq and the status answered, faults included.</summary>
    public IReadOnlyList<(long Seq, int Status)> EventAttempts => [.. _attempts];

    /// <summary>Requests refused for a bad or missing signature.</summary>
    public int Unauthorized => _unauthorized;

    /// <summary>Config requests that verified.</summary>
    public int ConfigRequests => _configRequests;

    /// <summary>Answers the next config requests with these status codes first.</summary>
    public void FailConfig(params int[] statuses) => Array.ForEach(statuses, _configFaults.Enqueue);

    /// <summary>Answers the next event requests with these status codes first (after verifying and recording nothing).</summary>
    public void FailEvents(params int[] statuses) => Array.ForEach(statuses, _eventFaults.Enqueue);

    /// <summary>Event requests from now on wait unanswered until <see cref="ReleaseEvents"/>; the task completes when the first one waits.</summary>
    public Task HoldEvents()
    {
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _held.Task;
    }

    /// <summary>Answers the held event requests and every later one as usual.</summary>
    public void ReleaseEvents() => _release.TrySetResult();

    /// <summary>Starts the double on 127.0.0.1.</summary>
    public static async Task<SignedReceiverDouble> StartAsync(string @namespace = "ml-team", string name = "portrait-anna")
    {
        SignedReceiverDouble? self = null;
        var (app, baseUrl) = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet("/v1/runs/{ns}/{name}/config", (Delegate)((HttpContext context) => self!.ServeConfigAsync(context)));
            app.MapPost("/v1/runs/{ns}/{name}/events", (Delegate)((HttpContext context) => self!.RecordEventAsync(context)));
        });
        self = new SignedReceiverDouble(app, baseUrl, RequestSigner.NewToken(), @namespace, name);
        return self;
    }

    /// <summary>Waits until an accepted event of <paramref name="kind"/> arrives.</summary>
    public async Task<AgentEvent> WaitForAsync(string kind, TimeSpan timeout)
    {
        await Eventually.UntilAsync(() => Accepted.Any(e => e.Kind == kind), timeout, $"a {kind} event", seen: () => string.Join(", ", Accepted.Select(e => e.Kind)),
            cancellationToken: TestContext.Current.CancellationToken);
        return Accepted.First(e => e.Kind == kind);
    }

    private async Task<IResult> ServeConfigAsync(HttpContext context)
    {
        if (Unreachable)
        {
            context.Abort();
            return Results.Empty;
        }

        if (!await VerifiedAsync(context, []))
        {
            return Results.Json(new { error = "unauthorized" }, statusCode: 401);
        }

        if (_configFaults.TryDequeue(out var status))
        {
            Interlocked.Increment(ref _configRequests);
            return Results.StatusCode(status);
        }

        var served = Interlocked.Increment(ref _configRequests) > 1 && RefreshedConfig is { } refreshed ? refreshed : Config;
        return Results.Text(JsonSerializer.Serialize(served, ProtocolJson.Options), "application/json");
    }

    private async Task<IResult> RecordEventAsync(HttpContext context)
    {
        if (Unreachable)
        {
            context.Abort();
            return Results.Empty;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (!await VerifiedAsync(context, body))
        {
            return Results.Json(new { error = "unauthorized" }, statusCode: 401);
        }

        if (!_release.Task.IsCompleted)
        {
            _held.TrySetResult();
            await _release.Task.WaitAsync(context.RequestAborted);
        }

        var json = Encoding.UTF8.GetString(body);
        var evt = JsonSerializer.Deserialize<AgentEvent>(json, ProtocolJson.Options)!;
        if (_eventFaults.TryDequeue(out var status))
        {
            _attempts.Enqueue((evt.Seq, status));
            return Results.StatusCode(status);
        }

        _attempts.Enqueue((evt.Seq, 200));
        bool accepted;
        lock (_gate)
        {
            accepted = evt.Seq > _lastSeq;
            _lastSeq = Math.Max(_lastSeq, evt.Seq);
        }

        _events.Enqueue(new ReceivedEvent(json, evt, accepted));
        _finishing = _finishing || FinishWhen?.Invoke(evt) == true;
        return Results.Json(new EventAck { Accepted = accepted, Phase = "training", Finish = _finishing ? FinishRequests.Now : null }, ProtocolJson.Options);
    }

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
        return released;
    }

    private Task<bool> VerifiedAsync(HttpContext context, byte[] body)
    {
        var ok = RequestSigner.Verify(Token, context.Request.Headers[RequestSigner.TimestampHeader], context.Request.Headers[RequestSigner.SignatureHeader],
            context.Request.Method, context.Request.Path, body, Clock.GetUtcNow());
        if (!ok)
        {
            Interlocked.Increment(ref _unauthorized);
        }

        return Task.FromResult(ok);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
