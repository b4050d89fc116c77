namespace LoraTrainer.Testing.Kubernetes.Watch;

/// <summary>The recent changes of one resource, so a watch started from an older resourceVersion can catch up.</summary>
/// <remarks>
/// Like the apiserver's watch cache, the buffer is bounded: once a change has been dropped (by overflow or by
/// compaction), a watch from a resourceVersion before it can no longer be served and gets 410 Gone.
/// </remarks>
internal sealed class WatchHistory(int capacity)
{
    private readonly Queue<StoredEvent> _events = new();

    /// <summary>The newest revision no longer in history; a watch must start at or after it.</summary>
    public long CompactedThrough { get; private set; }

    public void Append(StoredEvent change)
    {
        _events.Enqueue(change);
        while (_events.Count > capacity)
        {
            CompactedThrough = _events.Dequeue().Revision;
        }
    }

    public void Compact(long revision)
    {
        _events.Clear();
        CompactedThrough = Math.Max(CompactedThrough, revision);
    }

    /// <summary>The changes after <paramref name="revision"/>, or false when some of them are gone.</summary>
    public bool TryReplay(long revision, out IReadOnlyList<StoredEvent> changes)
    {
        if (revision < CompactedThrough)
        {
            changes = [];
            return false;
        }

        changes = [.. _events.Where(e => e.Revision > revision)];
        return true;
    }
}
