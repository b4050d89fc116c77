namespace LoraTrainer.Testing.Kubernetes.Hooks;

/// <summary>Holds the failures and latencies tests arm; consulted once per request.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<ArmedFailure> _failures = [];
    private readonly List<(RequestMatcher Matcher, TimeSpan Latency)> _latencies = [];
    private readonly List<ArmedFailure> _resets = [];
    private readonly List<ArmedFailure> _lostAnswers = [];

    public void FailNext(RequestMatcher matcher, int count, int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        using (_gate.EnterScope())
        {
            _failures.Add(new ArmedFailure(matcher, statusCode) { Remaining = count });
        }
    }

    public void ResetNext(RequestMatcher matcher, int count) => Arm(_resets, matcher, count);

    public void LoseNextAnswers(RequestMatcher matcher, int count) => Arm(_lostAnswers, matcher, count);

    /// <summary>Whether this request's connection is to be reset before it is handled (consuming one armed reset).</summary>
    public bool TakeReset(string method, string path, bool isWatch) => Take(_resets, method, path, isWatch);

    /// <summary>Whether this request is to be handled but never answered (consuming one armed loss).</summary>
    public bool TakeLostAnswer(string method, string path, bool isWatch) => Take(_lostAnswers, method, path, isWatch);

    public void AddLatency(RequestMatcher matcher, TimeSpan latency)
    {
        using (_gate.EnterScope())
        {
            _latencies.Add((matcher, latency));
        }
    }

    public void Clear()
    {
        using (_gate.EnterScope())
        {
            _failures.Clear();
            _latencies.Clear();
            _resets.Clear();
            _lostAnswers.Clear();
        }
    }

    /// <summary>The latency to add and the status code to fail with (consuming one armed failure), for this request.</summary>
    public (TimeSpan Latency, int? FailWith) Consult(string method, string path, bool isWatch)
    {
        using (_gate.EnterScope())
        {
            var latency = _latencies.Where(l => l.Matcher.Matches(method, path, isWatch)).Aggregate(TimeSpan.Zero, (sum, l) => sum + l.Latency);
            var failure = _failures.FirstOrDefault(f => f.Matcher.Matches(method, path, isWatch));
            if (failure is null)
            {
                return (latency, null);
            }

            if (--failure.Remaining == 0)
            {
                _failures.Remove(failure);
            }

            return (latency, failure.StatusCode);
        }
    }

    private void Arm(List<ArmedFailure> armed, RequestMatcher matcher, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        using (_gate.EnterScope())
        {
            armed.Add(new ArmedFailure(matcher, 0) { Remaining = count });
        }
    }

    private bool Take(List<ArmedFailure> armed, string method, string path, bool isWatch)
    {
        using (_gate.EnterScope())
        {
            var match = armed.FirstOrDefault(f => f.Matcher.Matches(method, path, isWatch));
            if (match is not null && --match.Remaining == 0)
            {
                armed.Remove(match);
            }

            return match is not null;
        }
    }

    private sealed record ArmedFailure(RequestMatcher Matcher, int StatusCode)
    {
        public int Remaining { get; set; }
    }
}
