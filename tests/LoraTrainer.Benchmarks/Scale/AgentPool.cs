using System.Collections.Concurrent;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Benchmarks.Scale;

/// <summary>
/// Plays the GPU hosts: the Vast simulator's <see cref="VastSimulator.OnRunning"/> hook starts a
/// <see cref="LifecycleAgent"/> with the instance's environment (the run URL and token the operator gave it). At most
/// <c>concurrency</c> agents work at once; the others wait as a slow boot would, their instance running meanwhile.
/// </summary>
internal sealed class AgentPool(int concurrency, AgentScript script) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(concurrency, concurrency);
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<string> _reported = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = concurrency * 2 })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    private int _started;
    private int _finished;
    private int _retries;

    /// <summary>Agents that reached running so far.</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>Agents that reported <c>uploaded</c>, or <c>failed</c>, and stopped.</summary>
    public int Finished => Volatile.Read(ref _finished);

    /// <summary>Runs whose agent reported <c>failed</c>, and why (e.g. a dataset zip the store truncated).</summary>
    public IReadOnlyCollection<string> ReportedFailures => _reported;

    /// <summary>Requests the agents repeated (answers 429 or 503, refused connections, short downloads).</summary>
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>What went wrong with the agents themselves, one line each; any of these ends the measurement.</summary>
    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>The <see cref="VastSimulator.OnRunning"/> hook.</summary>
    public async Task RunAsync(VastRunningInstance instance, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _started);
        await _slots.WaitAsync(cancellationToken);
        try
        {
            var url = new Uri(instance.Environment[AgentEnvironment.RunUrl]);
            var agent = new LifecycleAgent(_http, url, instance.Environment[AgentEnvironment.RunToken], script);
            try
            {
                await agent.RunAsync(cancellationToken);
                Interlocked.Increment(ref _finished);
            }
            catch (AgentReportedFailureException e)
            {
                _reported.Enqueue($"instance {instance.InstanceId}: {e.Message}");
                Interlocked.Increment(ref _finished);
            }
            finally
            {
                Interlocked.Add(ref _retries, agent.Retries);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _failures.Enqueue($"instance {instance.InstanceId} ({instance.Label}): {e.Message}");
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _slots.Dispose();
    }
}
