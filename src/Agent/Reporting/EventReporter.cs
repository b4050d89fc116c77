using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Watchdog;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Reporting;

/// <summary>
/// Delivers events to the receiver in order without ever blocking the caller: each event gets the next
/// <c>seq</c>, is queued, and is retried with backoff (keeping its seq, so the receiver drops duplicates) until
/// accepted. A queued progress event is replaced by a newer one; a heartbeat is sent when nothing else was.
/// An event the receiver refuses as malformed (400, 404, 410, 413, 422) is dropped so it does not hold back the
/// ones behind it, except the terminal ones (<c>trainingCompleted</c>, <c>uploaded</c>, <c>failed</c>): a
/// misrouted ingress also answers 404, and losing those would leave the run waiting for its deadline, so they
/// are retried until <see cref="AgentOptions.DeliveryTimeout"/> runs out. An answer asking the run to finish early
/// (<see cref="EventAck.Finish"/>) is passed on to <see cref="RunFinish"/>.
/// </summary>
internal sealed class EventReporter(
    IHttpClientFactory httpClients,
    ReceiverUrls endpoints,
    IOptions<AgentOptions> options,
    SecretScrubber scrubber,
    WatchdogLedger watchdog,
    RunFinish finish,
    TimeProvider time,
    ILogger<EventReporter> logger) : IAsyncDisposable
{
    private readonly LinkedList<AgentEvent> _queue = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private EventSequence? _sequence;
    private AgentEvent? _inFlight;
    private TaskCompletionSource _drained = Drained();
    private int _attempt;
    private DateTimeOffset _lastReportedAt;
    private Task _delivery = Task.CompletedTask;
    private Task _heartbeat = Task.CompletedTask;
    private volatile bool _heartbeatStopped;

    /// <summary>Starts delivery and heartbeats for <paramref name="attempt"/>.</summary>
    public void Start(int attempt, ReportingPolicy policy)
    {
        _attempt = attempt;
        _sequence = new EventSequence(Path.Combine(options.Value.WorkDirectory, ".event-seq"));
        _lastReportedAt = time.GetUtcNow();
        _delivery = Task.Run(() => DeliverAsync(_stop.Token));
        _heartbeat = Task.Run(() => HeartbeatAsync(TimeSpan.FromSeconds(Math.Max(policy.HeartbeatSeconds, 1)), _stop.Token));
    }

    /// <summary>Queues <paramref name="evt"/> with the next seq, the current time and the attempt; reasons and log tails are scrubbed.</summary>
    public void Report(AgentEvent evt)
    {
        var sequence = _sequence ?? throw new InvalidOperationException("Start the reporter before reporting.");
        watchdog.Reported(evt);
        var now = time.GetUtcNow();
        var stamped = evt with
        {
            At = now,
            Attempt = _attempt,
            // JSON has no NaN or infinity; an unusable number is left out rather than failing the event.
            Loss = ProtocolJson.Finite(evt.Loss),
            ValidationLoss = ProtocolJson.Finite(evt.ValidationLoss),
            Epochs = evt.Epochs?.Where(e => double.IsFinite(e.Loss)).Select(e => e with { ValidationLoss = ProtocolJson.Finite(e.ValidationLoss) }).ToList(),
            Reason = evt.Reason is null ? null : scrubber.Scrub(evt.Reason),
            LogTail = evt.LogTail is null ? null : scrubber.Scrub(evt.LogTail),
            File = evt.File is null ? null : scrubber.Scrub(evt.File),
        };
        lock (_gate)
        {
            // The seq is taken under the queue lock, so queue order and seq order never disagree (the receiver drops a lower seq).
            stamped = stamped with { Seq = sequence.Next() };
            _lastReportedAt = now;
            var tail = _queue.Last;
            if (stamped.Kind == EventKinds.Progress && tail is not null && tail.Value.Kind == EventKinds.Progress && !ReferenceEquals(tail.Value, _inFlight))
            {
                tail.Value = stamped;
                return;
            }

            _queue.AddLast(stamped);
            if (_drained.Task.IsCompleted)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        _signal.Release();
    }

    /// <summary>Stops heartbeats and waits until every queued event is delivered, at most <see cref="AgentOptions.DeliveryTimeout"/>.</summary>
    /// <returns>True when nothing is left undelivered.</returns>
    public async Task<bool> CompleteAsync(CancellationToken cancellationToken)
    {
        _heartbeatStopped = true;
        Task drained;
        lock (_gate)
        {
            drained = _drained.Task;
        }

        try
        {
            await drained.WaitAsync(options.Value.DeliveryTimeout, time, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            ReportingLog.DeliveryGaveUp(logger, Pending, options.Value.DeliveryTimeout);
            return false;
        }
    }

    private int Pending
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_delivery, _heartbeat).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        _signal.Dispose();
    }

    private static TaskCompletionSource Drained()
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        drained.SetResult();
        return drained;
    }

    private async Task DeliverAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(options.Value.RetryBaseDelay, options.Value.RetryMaxDelay);
        while (!cancellationToken.IsCancellationRequested)
        {
            AgentEvent? next;
            lock (_gate)
            {
                next = _inFlight = _queue.First?.Value;
            }

            if (next is null)
            {
                await _signal.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            await SendUntilSettledAsync(next, backoff, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (_gate)
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    _queue.RemoveFirst();
                    if (_queue.Count == 0)
                    {
                        _drained.TrySetResult();
                    }
                }

                _inFlight = null;
            }
        }
    }

    private async Task SendUntilSettledAsync(AgentEvent evt, Backoff backoff, CancellationToken cancellationToken)
    {
        var terminal = IsTerminal(evt.Kind);
        var client = httpClients.CreateClient(ReceiverUrls.HttpClientName);
        for (var attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                using var response = await client.PostAsJsonAsync(endpoints.Events, evt, ProtocolJsonContext.Default.AgentEvent, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    watchdog.ReceiverAnswered();
                    var ack = await ReadAckAsync(response, cancellationToken);
                    ReportingLog.EventDelivered(logger, evt.Seq, evt.Kind, ack?.Accepted ?? true);
                    if (ack?.Finish == FinishRequests.Now && finish.Request())
                    {
                        ReportingLog.FinishRequested(logger);
                    }

                    return;
                }

                if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge && evt.LogTail is not null)
                {
                    // The reason matters more than the log lines: send it without them.
                    ReportingLog.EventTooLarge(logger, evt.Seq, evt.Kind);
                    evt = evt with { LogTail = null };
                    continue;
                }

                if (IsRefusal(response.StatusCode) && !terminal)
                {
                    ReportingLog.EventDropped(logger, evt.Seq, evt.Kind, (int)response.StatusCode);
                    return;
                }

                problem = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                problem = ex.HttpRequestError.ToString();
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = "timeout";
            }

            ReportingLog.EventRetry(logger, evt.Seq, evt.Kind, problem, attempt);
            await backoff.WaitAsync(attempt, time, cancellationToken);
        }
    }

    private static async Task<EventAck?> ReadAckAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.EventAck, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // A malformed or unknown event will never be accepted; retrying it would only hold back the ones behind it.
    // 401 is retried: it also means a skewed clock, which can be corrected while the agent waits.
    private static bool IsRefusal(HttpStatusCode status) =>
        status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Gone
            or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity;

    // The run's outcome: without one of these the run waits for a deadline, and a finished LoRA may go unrecorded.
    private static bool IsTerminal(string kind) => kind is EventKinds.TrainingCompleted or EventKinds.Uploaded or EventKinds.Failed;

    private async Task HeartbeatAsync(TimeSpan every, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && !_heartbeatStopped)
        {
            DateTimeOffset last;
            lock (_gate)
            {
                last = _lastReportedAt;
            }

            var wait = last + every - time.GetUtcNow();
            if (wait <= TimeSpan.Zero)
            {
                Report(new AgentEvent { Kind = EventKinds.Heartbeat });
                continue;
            }

            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
