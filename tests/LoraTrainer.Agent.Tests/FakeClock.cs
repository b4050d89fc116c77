using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Agent.Tests;

/// <summary>Drives a <see cref="FakeTimeProvider"/> while real work (HTTP on loopback) happens between the ticks.</summary>
internal static class FakeClock
{
    /// <summary>Advances <paramref name="time"/> by <paramref name="step"/> at a time until <paramref name="task"/> ends (at most 20 seconds of real time).</summary>
    public static async Task<T> AdvanceUntilAsync<T>(this FakeTimeProvider time, Task<T> task, TimeSpan step)
    {
        var real = Stopwatch.StartNew();
        while (!task.IsCompleted && real.Elapsed < TimeSpan.FromSeconds(20))
        {
            time.Advance(step);
            await Task.WhenAny(task, Task.Delay(20, TestContext.Current.CancellationToken));
        }

        Assert.True(task.IsCompleted, $"Still not finished after 20 s of real time, with the fake clock at {time.GetUtcNow():O}.");
        return await task;
    }

    /// <summary>Lets background work run for a moment of real time without moving the fake clock.</summary>
    public static Task SettleAsync() => Task.Delay(200, TestContext.Current.CancellationToken);
}
