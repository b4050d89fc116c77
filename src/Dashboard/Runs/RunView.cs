using System.Collections.Concurrent;
using System.Collections.Immutable;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Dashboard.Runs;

/// <summary>
/// Every TrainingRun and its recent Events as the watches last saw them: what pages are built from, so a page view
/// costs the API server nothing.
/// </summary>
internal sealed class RunView(IOptions<DashboardOptions> options)
{
    private readonly ConcurrentDictionary<ResourceKey, TrainingRun> _runs = new();
    private readonly ConcurrentDictionary<ResourceKey, ImmutableDictionary<string, Corev1Event>> _events = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Raised after a run, or one of its Events, changed.</summary>
    public event Action<ResourceKey>? Changed;

    /// <summary>Completes once the runs have been listed the first time.</summary>
    public Task Synced => _synced.Task;

    /// <summary>Every run.</summary>
    public IReadOnlyCollection<TrainingRun> Runs => _runs.Values.ToList();

    /// <summary>One run, or null.</summary>
    public TrainingRun? Run(ResourceKey key) => _runs.GetValueOrDefault(key);

    /// <summary>A run's Events, newest first, at most <see cref="DashboardOptions.EventsPerRun"/>.</summary>
    public IReadOnlyList<Corev1Event> Events(ResourceKey key) =>
        _events.TryGetValue(key, out var events)
            ? [.. events.Values.OrderByDescending(LastSeen).Take(options.Value.EventsPerRun)]
            : [];

    /// <summary>Replaces every run with a fresh list (after a LIST, including one after 410 Gone).</summary>
    public void ReplaceRuns(IReadOnlyList<TrainingRun> runs)
    {
        var seen = runs.Select(ResourceKey.Of).ToHashSet();
        foreach (var run in runs)
        {
            PutRun(run);
        }

        foreach (var gone in _runs.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            RemoveRun(gone);
        }

        _synced.TrySetResult();
    }

    /// <summary>Adds or updates a run.</summary>
    public void PutRun(TrainingRun run)
    {
        var key = ResourceKey.Of(run);
        var changed = true;
        _runs.AddOrUpdate(key, run, (_, old) =>
        {
            changed = old.Metadata.ResourceVersion != run.Metadata.ResourceVersion;
            return run;
        });
        if (changed)
        {
            Changed?.Invoke(key);
        }
    }

    /// <summary>Forgets a deleted run and its Events.</summary>
    public void RemoveRun(ResourceKey key)
    {
        _events.TryRemove(key, out _);
        if (_runs.TryRemove(key, out _))
        {
            Changed?.Invoke(key);
        }
    }

    /// <summary>Replaces every Event with a fresh list.</summary>
    public void ReplaceEvents(IReadOnlyList<Corev1Event> events)
    {
        var before = _events.Keys.ToList();
        _events.Clear();
        foreach (var e in events)
        {
            _events.AddOrUpdate(Subject(e), _ => ImmutableDictionary<string, Corev1Event>.Empty.SetItem(e.Metadata.Name, e), (_, old) => old.SetItem(e.Metadata.Name, e));
        }

        foreach (var key in before.Union(_events.Keys))
        {
            Changed?.Invoke(key);
        }
    }

    /// <summary>Adds, updates or (when <paramref name="deleted"/>) removes one Event.</summary>
    public void PutEvent(Corev1Event e, bool deleted)
    {
        var key = Subject(e);
        _events.AddOrUpdate(key,
            _ => deleted ? ImmutableDictionary<string, Corev1Event>.Empty : ImmutableDictionary<string, Corev1Event>.Empty.SetItem(e.Metadata.Name, e),
            (_, old) => deleted ? old.Remove(e.Metadata.Name) : old.SetItem(e.Metadata.Name, e));
        Changed?.Invoke(key);
    }

    /// <summary>When an Event last happened, whichever field its reporter filled.</summary>
    public static DateTime LastSeen(Corev1Event e) =>
        e.LastTimestamp ?? e.Series?.LastObservedTime ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata.CreationTimestamp ?? DateTime.MinValue;

    private static ResourceKey Subject(Corev1Event e) => new(e.InvolvedObject.NamespaceProperty ?? e.Metadata.NamespaceProperty, e.InvolvedObject.Name);
}
