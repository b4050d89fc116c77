namespace LoraTrainer.Testing.Kubernetes;

public sealed partial class FakeKubeApiServer
{
    /// <summary>The next <paramref name="count"/> requests that <paramref name="matcher"/> selects are answered with a Status of <paramref name="statusCode"/> (429 also carries <c>Retry-After: 1</c>).</summary>
    public void FailNextRequests(RequestMatcher matcher, int count, int statusCode) => _faults.FailNext(matcher, count, statusCode);

    /// <summary>Shorthand: fail the next <paramref name="count"/> requests with this method and path pattern (<c>*</c> one segment, <c>**</c> any).</summary>
    public void FailNextRequests(string method, string pathPattern, int count, int statusCode) =>
        _faults.FailNext(new RequestMatcher(method, pathPattern), count, statusCode);

    /// <summary>The next <paramref name="count"/> requests that <paramref name="matcher"/> selects get their connection reset instead of an answer, as by a proxy or a server that goes away.</summary>
    public void ResetNextRequests(RequestMatcher matcher, int count) => _faults.ResetNext(matcher, count);

    /// <summary>
    /// The next <paramref name="count"/> requests that <paramref name="matcher"/> selects are handled (a write lands)
    /// but never answered: the connection is held until the client gives up, as when an answer is lost on the way.
    /// A client with a timeout sees it expire for a write that happened.
    /// </summary>
    public void LoseNextAnswers(RequestMatcher matcher, int count) => _faults.LoseNextAnswers(matcher, count);

    /// <summary>Delays every request <paramref name="matcher"/> selects by <paramref name="latency"/> (on the server's clock) until <see cref="ClearFaults"/>.</summary>
    public void AddLatency(RequestMatcher matcher, TimeSpan latency) => _faults.AddLatency(matcher, latency);

    /// <summary>Disarms every injected failure and latency.</summary>
    public void ClearFaults() => _faults.Clear();

    /// <summary>Ends every client's open watch: cleanly (end of stream, as when the apiserver closes it) or by resetting the connection.</summary>
    /// <remarks>The kit's own waits (<see cref="WaitForAsync(string, string, string?, string, Func{System.Text.Json.Nodes.JsonObject, bool}, TimeSpan?, CancellationToken)"/>,
    /// <see cref="WaitForDeletionAsync"/>) are not watches of a client and keep waiting.</remarks>
    public void DropAllWatches(bool abortConnections = false)
    {
        using (_cluster.Store.Gate.EnterScope())
        {
            _cluster.Store.DropAllWatches(abortConnections);
        }
    }

    /// <summary>How a watch from a resourceVersion older than the history is refused from now on: an ERROR event with a
    /// 410 Status in a started stream, or an HTTP 410 answer to the watch request. A runtime must handle both.</summary>
    public ExpiredWatchResponse ExpiredWatches
    {
        get
        {
            using (_cluster.Store.Gate.EnterScope())
            {
                return _cluster.Store.ExpiredWatches;
            }
        }

        set
        {
            using (_cluster.Store.Gate.EnterScope())
            {
                _cluster.Store.ExpiredWatches = value;
            }
        }
    }

    /// <summary>Forgets all change history up to now, so a watch from any older resourceVersion gets 410 Gone.</summary>
    public void CompactHistory()
    {
        using (_cluster.Store.Gate.EnterScope())
        {
            _cluster.Store.Compact();
        }
    }

    /// <summary>How many watches are open (including the test kit's own waits).</summary>
    public int ActiveWatchCount
    {
        get
        {
            using (_cluster.Store.Gate.EnterScope())
            {
                return _cluster.Store.WatchCount;
            }
        }
    }

    /// <summary>The requests answered so far, oldest first: method, path, query and status; never bodies.</summary>
    public IReadOnlyList<KubeRequestLogEntry> RequestLog => _log.Snapshot();

    /// <summary>Empties the request log.</summary>
    public void ClearRequestLog() => _log.Clear();
}
