namespace LoraTrainer.Testing.Kubernetes.Hooks;

/// <summary>Holds the failures and latencies tests arm; consulted once per request.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<ArmedFailure> _failures = [];
    private readonly List<(RequestMatcher Matcher, TimeSpan Latency)> _latencies = [];

    public void FailNext(RequestMatcher matcher, int count, int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        using (_gate.EnterScope())
        {
            _failures.Add(new ArmedFailure(matcher, statusCode) { Remaining = count });
        }
    }

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

    private sealed record ArmedFailure(RequestMatcher Matcher, int StatusCode)
    {
        public int Remaining { get; set; }
    }
}
