namespace LoraTrainer.Testing.Vast;

/// <summary>Faults to inject into the simulator's next answers. Each rule applies a number of times, then expires.</summary>
public sealed class VastFaults
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];
    private readonly Dictionary<long, (int Status, string Error)> _failedCreates = [];
    private readonly HashSet<long> _takenOnCreate = [];

    /// <summary>The next <paramref name="times"/> calls of <paramref name="route"/> answer 429 (plain text, no Retry-After, unless the JSON variant is on).</summary>
    public void RateLimit(VastRoute route, int times) => Add(new(route, FaultKind.RateLimit, times, 429, TimeSpan.Zero));

    /// <summary>The next <paramref name="times"/> calls of <paramref name="route"/> answer <paramref name="status"/> without doing anything.</summary>
    public void ServerError(VastRoute route, int times, int status = 503) => Add(new(route, FaultKind.ServerError, times, status, TimeSpan.Zero));

    /// <summary>The next <paramref name="times"/> creates DO create the instance, then answer <paramref name="status"/> (an answer lost after commit).</summary>
    public void CreateFailsAfterCommit(int times = 1, int status = 502) => Add(new(VastRoute.Create, FaultKind.FailAfterCommit, times, status, TimeSpan.Zero));

    /// <summary>
    /// The next <paramref name="times"/> calls of <paramref name="route"/> answer 200 with <c>{"success": false}</c>, Vast's
    /// <paramref name="error"/> and <paramref name="msg"/>, without doing anything: a refusal under a success status.
    /// </summary>
    public void RefuseUnder200(VastRoute route, int times = 1, string error = "internal_error", string msg = "Request could not be completed, please retry.") =>
        Add(new(route, FaultKind.RefuseUnder200, times, 200, TimeSpan.Zero) { Error = error, Msg = msg });

    /// <summary>The next <paramref name="times"/> calls of <paramref name="route"/> are answered <paramref name="delay"/> late, after they took effect.</summary>
    public void Latency(VastRoute route, TimeSpan delay, int times = 1) => Add(new(route, FaultKind.Latency, times, 0, delay));

    /// <summary>Someone else rents the offer just before our next create of it, which then answers <c>no_such_ask</c>.</summary>
    public void TakeOfferOnCreate(long offerId)
    {
        lock (_gate) _takenOnCreate.Add(offerId);
    }

    /// <summary>The next create of the offer answers an error that still carries <c>new_contract</c>: a stopped instance was made anyway.</summary>
    public void FailCreateWithContract(long offerId, int status = 400, string error = "invalid_args")
    {
        lock (_gate) _failedCreates[offerId] = (status, error);
    }

    /// <summary>Removes every pending fault.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
            _failedCreates.Clear();
            _takenOnCreate.Clear();
        }
    }

    internal FaultRule? Take(VastRoute route, params FaultKind[] kinds)
    {
        lock (_gate)
        {
            var rule = _rules.FirstOrDefault(candidate => candidate.Route == route && kinds.Contains(candidate.Kind) && candidate.Remaining > 0);
            if (rule is null)
            {
                return null;
            }

            rule.Remaining--;
            if (rule.Remaining == 0)
            {
                _rules.Remove(rule);
            }

            return rule;
        }
    }

    internal bool TakeOfferTaken(long offerId)
    {
        lock (_gate) return _takenOnCreate.Remove(offerId);
    }

    internal (int Status, string Error)? TakeFailedCreate(long offerId)
    {
        lock (_gate) return _failedCreates.Remove(offerId, out var failure) ? failure : null;
    }

    private void Add(FaultRule rule)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rule.Remaining, 1);
        lock (_gate) _rules.Add(rule);
    }
}

internal enum FaultKind
{
    RateLimit,
    ServerError,
    FailAfterCommit,
    Latency,
    RefuseUnder200,
}

internal sealed class FaultRule(VastRoute route, FaultKind kind, int remaining, int status, TimeSpan delay)
{
    public VastRoute Route { get; } = route;
    public FaultKind Kind { get; } = kind;
    public int Remaining { get; set; } = remaining;
    public int Status { get; } = status;
    public TimeSpan Delay { get; } = delay;
    public string? Error { get; init; }
    public string? Msg { get; init; }
}
