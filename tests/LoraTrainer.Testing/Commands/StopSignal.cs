namespace LoraTrainer.Testing.Commands;

/// <summary>How a serving command waits for its end.</summary>
internal static class StopSignal
{
    /// <summary>Completes (without throwing) once <paramref name="stop"/> is signalled.</summary>
    public static async Task WaitAsync(CancellationToken stop)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = stop.Register(() => stopped.TrySetResult());
        await stopped.Task;
    }
}
