using System.Globalization;

namespace LoraTrainer.Testing;

/// <summary>
/// Waits for something another component makes true: a test says what it awaits instead of sleeping a fixed time.
/// It looks again every <see cref="Interval"/> (or the interval given) on the system clock, so it also works while the
/// component under test runs on a FakeTimeProvider; on timeout it throws a <see cref="TimeoutException"/> saying what
/// was awaited and what was last seen.
/// </summary>
public static class Eventually
{
    /// <summary>How often a condition is looked at again, unless a wait says otherwise: 20 ms.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    /// <param name="condition">Looked at right away and then every interval.</param>
    /// <param name="timeout">How long to wait before giving up.</param>
    /// <param name="what">What is awaited, completing "timed out waiting for …".</param>
    /// <param name="seen">What the timeout message reports as last seen (for example the events received so far).</param>
    /// <param name="interval">How often to look; <see cref="Interval"/> by default.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/>.</exception>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? seen = null,
        TimeSpan? interval = null, CancellationToken cancellationToken = default) =>
        UntilAsync(_ => Task.FromResult(condition()), held => held, timeout, what, _ => seen?.Invoke() ?? "the condition was false", interval, cancellationToken);

    /// <summary>Observes a value until <paramref name="until"/> holds for it; returns that value.</summary>
    /// <param name="observe">Reads the current value, right away and then every interval.</param>
    /// <param name="until">Whether the value is the one awaited.</param>
    /// <param name="timeout">How long to wait before giving up.</param>
    /// <param name="what">What is awaited, completing "timed out waiting for …".</param>
    /// <param name="describe">How the last value appears in the timeout message; its string form by default.</param>
    /// <param name="interval">How often to look; <see cref="Interval"/> by default.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="TimeoutException">No value satisfied <paramref name="until"/> within <paramref name="timeout"/>.</exception>
    public static Task<T> UntilAsync<T>(Func<T> observe, Func<T, bool> until, TimeSpan timeout, string what, Func<T, string>? describe = null,
        TimeSpan? interval = null, CancellationToken cancellationToken = default) =>
        UntilAsync(_ => Task.FromResult(observe()), until, timeout, what, describe, interval, cancellationToken);

    /// <summary>Observes a value that takes a request to read (an API, a file) until <paramref name="until"/> holds for it; returns that value.</summary>
    /// <inheritdoc cref="UntilAsync{T}(Func{T}, Func{T, bool}, TimeSpan, string, Func{T, string}?, TimeSpan?, CancellationToken)"/>
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T>> observe, Func<T, bool> until, TimeSpan timeout, string what,
        Func<T, string>? describe = null, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        while (true)
        {
            var value = await observe(cancellationToken).ConfigureAwait(false);
            if (until(value))
            {
                return value;
            }

            if (time.GetElapsedTime(started) >= timeout)
            {
                throw TimedOut(what, timeout, describe is null ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null" : describe(value));
            }

            await Task.Delay(interval ?? Interval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The exception every wait of the test kit throws when what it awaited did not happen in time.</summary>
    public static TimeoutException TimedOut(string what, TimeSpan timeout, string seen) =>
        new($"Timed out after {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s waiting for {what}; last seen: {seen}");
}
