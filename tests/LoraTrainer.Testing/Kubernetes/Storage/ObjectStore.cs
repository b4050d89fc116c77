using System.Globalization;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Watch;

namespace LoraTrainer.Testing.Kubernetes.Storage;

/// <summary>
/// Every object the fake holds, one global resourceVersion counter, per-resource history and the open watches.
/// </summary>
/// <remarks>
/// All members must be called with <see cref="Gate"/> held: writes are serialized like etcd's, and a watch is
/// registered atomically with its replay so that no change is missed or sent twice. Stored objects are never
/// mutated after they are saved; readers may serialize them outside the lock.
/// </remarks>
internal sealed class ObjectStore(int historyCapacity)
{
    private readonly Dictionary<string, Table> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string StorageKey, string Key)> _byUid = new(StringComparer.Ordinal);
    private long _revision;
    private long _compactedAt;

    public Lock Gate { get; } = new();

    public long Revision => Interlocked.Read(ref _revision);

    /// <summary>How a client's watch from a compacted resourceVersion is refused (the kit's own waits never start from one).</summary>
    public ExpiredWatchResponse ExpiredWatches { get; set; }

    public int WatchCount => _tables.Values.Sum(t => t.Watchers.Count);

    public JsonObject? Get(string storageKey, string? ns, string name) =>
        _tables.TryGetValue(storageKey, out var table) && table.Objects.TryGetValue(Key(ns, name), out var obj) ? obj : null;

    /// <summary>The objects of one resource in key order (namespace, then name), optionally from one namespace.</summary>
    public IEnumerable<JsonObject> List(string storageKey, string? ns = null, string? after = null)
    {
        if (!_tables.TryGetValue(storageKey, out var table))
        {
            return [];
        }

        IEnumerable<KeyValuePair<string, JsonObject>> items = table.Objects;
        if (after is not null)
        {
            items = items.Where(kv => string.CompareOrdinal(kv.Key, after) > 0);
        }

        return items.Where(kv => ns is null || KubeJson.Namespace(kv.Value) == ns).Select(kv => kv.Value);
    }

    /// <summary>The stored object with this uid (in any resource), or null.</summary>
    public (string StorageKey, JsonObject Object)? FindByUid(string uid) =>
        _byUid.TryGetValue(uid, out var at) && _tables.TryGetValue(at.StorageKey, out var table) && table.Objects.TryGetValue(at.Key, out var obj)
            ? (at.StorageKey, obj)
            : null;

    public IEnumerable<(string StorageKey, JsonObject Object)> All() =>
        _tables.SelectMany(t => t.Value.Objects.Values.Select(o => (t.Key, o)));

    public static string Key(string? ns, string name) => $"{ns}/{name}";

    public static string KeyOf(JsonObject obj) => Key(KubeJson.Namespace(obj), KubeJson.Name(obj)!);

    /// <summary>Stores a new state of an object at the next resourceVersion and tells its watchers.</summary>
    public JsonObject Save(string storageKey, JsonObject obj, JsonObject? previous)
    {
        var revision = NextRevision();
        KubeJson.Metadata(obj)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        KubeJson.Materialize(obj);
        var table = TableFor(storageKey);
        table.Objects[KeyOf(obj)] = obj;
        if (KubeJson.Uid(obj) is { } uid)
        {
            _byUid[uid] = (storageKey, KeyOf(obj));
        }

        Publish(table, new StoredEvent(previous is null ? WatchMessage.Added : WatchMessage.Modified, revision, obj, previous));
        return obj;
    }

    /// <summary>Removes an object; its last state is stamped with the deletion's resourceVersion.</summary>
    public JsonObject Remove(string storageKey, JsonObject current)
    {
        var table = TableFor(storageKey);
        var revision = NextRevision();
        var final = KubeJson.Clone(current);
        KubeJson.Metadata(final)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        KubeJson.Materialize(final);
        table.Objects.Remove(KeyOf(current));
        if (KubeJson.Uid(current) is { } uid)
        {
            _byUid.Remove(uid);
        }

        Publish(table, new StoredEvent(WatchMessage.Deleted, revision, final, current));
        return final;
    }

    /// <summary>Opens a watch: replays what it asked for, then receives every later change.</summary>
    /// <param name="storageKey">The resource watched.</param>
    /// <param name="filter">Namespace and selectors.</param>
    /// <param name="fromRevision">Replay changes after this resourceVersion; null sends the current state as ADDED.</param>
    /// <param name="present">Turns a stored object into what the watching client expects (its apiVersion).</param>
    /// <param name="isInternal">The test kit's own wait, which <see cref="DropAllWatches"/> leaves open.</param>
    public WatchSubscription Watch(string storageKey, WatchFilter filter, long? fromRevision, Func<JsonObject, JsonObject> present, bool isInternal = false)
    {
        var table = TableFor(storageKey);
        var subscription = new WatchSubscription(storageKey, filter, present, isInternal);
        if (fromRevision is not { } from)
        {
            foreach (var obj in table.Objects.Values.Where(filter.Matches))
            {
                subscription.Send(new WatchMessage(WatchMessage.Added, present(obj)));
            }
        }
        else if (!table.History.TryReplay(from, out var changes))
        {
            var tooOld = $"too old resource version: {from} ({table.History.CompactedThrough})";
            if (ExpiredWatches == ExpiredWatchResponse.HttpStatus)
            {
                throw Http.KubeErrors.Expired(tooOld);
            }

            subscription.Send(new WatchMessage(WatchMessage.Error, Http.StatusObjects.Failure(410, "Expired", tooOld)));
            return subscription;
        }
        else
        {
            foreach (var change in changes)
            {
                subscription.Offer(change);
            }
        }

        table.Watchers.Add(subscription);
        return subscription;
    }

    public void Unwatch(WatchSubscription subscription)
    {
        if (_tables.TryGetValue(subscription.StorageKey, out var table))
        {
            table.Watchers.Remove(subscription);
        }

        subscription.Complete();
    }

    /// <summary>Forgets all history up to now: a watch from any older resourceVersion gets 410 Gone.</summary>
    public void Compact()
    {
        foreach (var table in _tables.Values)
        {
            table.History.Compact(Revision);
        }

        _compactedAt = Revision;
    }

    /// <summary>Ends every client's open watch, as an apiserver restart would; the test kit's own waits stay open unless
    /// <paramref name="includeInternal"/> (the server is stopping).</summary>
    public void DropAllWatches(bool abortConnections, bool includeInternal = false)
    {
        foreach (var table in _tables.Values)
        {
            foreach (var watcher in table.Watchers.Where(w => includeInternal || !w.IsInternal))
            {
                watcher.Drop(abortConnections);
            }

            table.Watchers.RemoveAll(w => includeInternal || !w.IsInternal);
        }
    }

    private long NextRevision() => Interlocked.Increment(ref _revision);

    private Table TableFor(string storageKey)
    {
        if (!_tables.TryGetValue(storageKey, out var table))
        {
            table = new Table(new WatchHistory(historyCapacity));
            table.History.Compact(_compactedAt);
            _tables[storageKey] = table;
        }

        return table;
    }

    private static void Publish(Table table, StoredEvent change)
    {
        table.History.Append(change);
        foreach (var watcher in table.Watchers)
        {
            watcher.Offer(change);
        }
    }

    private sealed record Table(WatchHistory History)
    {
        public SortedDictionary<string, JsonObject> Objects { get; } = new(StringComparer.Ordinal);

        public List<WatchSubscription> Watchers { get; } = [];
    }
}
