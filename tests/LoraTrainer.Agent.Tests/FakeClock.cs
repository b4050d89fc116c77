using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Agent.Tests;

/// <summary>Drives a <see cref="FakeTimeProvider"/> while real work (HTTP on loopback) happens between the ticks.</summary>
internal static class FakeClock
{
    /// <summary>
    /// Advances <paramref name="time"/> by <paramref name="step"/> at a time until <paramref name="task"/> ends (at most
    /// <paramref name="limit"/> of real time, 20 seconds by default).
    /// </summary>
    public static async Task<T> AdvanceUntilAsync<T>(this FakeTimeProvider time, Task<T> task, TimeSpan step, TimeSpan? limit = null)
    {
        var real = Stopwatch.StartNew();
        var realLimit = limit ?? TimeSpan.FromSeconds(20);
        while (!task.IsCompleted && real.Elapsed < realLimit)
        {
            time.Advance(step);
            await Task.WhenAny(task, Task.Delay(20, TestContext.Current.CancellationToken));
        }

        Assert.True(task.IsCompleted, $"Still not finished after {realLimit.TotalSeconds:0} s of real time, with the fake clock at {time.GetUtcNow():O}.");
        return await task;
    }

    /// <summary>Lets background work run for a moment of real time without moving the fake clock.</summary>
    public static Task SettleAsync() => Task.Delay(200, TestContext.Current.CancellationToken);
}
