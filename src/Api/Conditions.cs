namespace LoraTrainer.Api;

/// <summary>Condition helpers with metav1 semantics: keyed by type, transition time moves only on a status flip.</summary>
public static class Conditions
{
    /// <summary>
    /// Returns <paramref name="existing"/> with <paramref name="desired"/> merged in. A condition whose
    /// status did not change keeps its <c>lastTransitionTime</c>; conditions not mentioned are kept.
    /// </summary>
    public static IReadOnlyList<Condition> Merge(IReadOnlyList<Condition> existing, IEnumerable<Condition> desired, DateTimeOffset now)
    {
        var result = existing.ToList();
        foreach (var wanted in desired)
        {
            var index = result.FindIndex(c => c.Type == wanted.Type);
            if (index < 0)
            {
                result.Add(wanted with { LastTransitionTime = Time.Truncate(now) });
                continue;
            }

            var current = result[index];
            var transition = current.Status == wanted.Status ? current.LastTransitionTime : Time.Truncate(now);
            result[index] = wanted with { LastTransitionTime = transition };
        }

        return result;
    }

    /// <summary>Finds a condition by type.</summary>
    public static Condition? Find(this IReadOnlyList<Condition> conditions, string type) =>
        conditions.FirstOrDefault(c => c.Type == type);

    /// <summary>Whether the condition of that type is <c>True</c>.</summary>
    public static bool IsTrue(this IReadOnlyList<Condition> conditions, string type) =>
        conditions.Find(type)?.Status == ConditionStatus.True;
}

/// <summary>Timestamps as Kubernetes stores them: UTC, whole seconds; billing instants to the millisecond.</summary>
public static class Time
{
    /// <summary>Drops sub-second precision so a re-written timestamp compares equal to the stored one.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>
    /// Drops what is below the millisecond, for the instants a run's cost is priced between
    /// (<see cref="GpuStatus.BillingInstants"/>): whole seconds would put up to a second's price in the cost that Vast
    /// never billed, or leave out one it did.
    /// </summary>
    public static DateTimeOffset ToMillisecond(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
