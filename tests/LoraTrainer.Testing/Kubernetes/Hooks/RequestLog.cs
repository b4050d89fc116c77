using System.Collections.Concurrent;

namespace LoraTrainer.Testing.Kubernetes.Hooks;

/// <summary>The requests answered so far, bounded so a long benchmark does not grow memory without end.</summary>
internal sealed class RequestLog(int capacity)
{
    private readonly ConcurrentQueue<KubeRequestLogEntry> _entries = new();

    public void Add(KubeRequestLogEntry entry)
    {
        _entries.Enqueue(entry);
        while (_entries.Count > capacity && _entries.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<KubeRequestLogEntry> Snapshot() => [.. _entries];

    public void Clear() => _entries.Clear();
}
