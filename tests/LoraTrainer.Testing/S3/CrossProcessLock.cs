namespace LoraTrainer.Testing.S3;

/// <summary>An exclusive lock on a file, held until disposed, that other processes (and other opens in this one) wait for.</summary>
/// <remarks>
/// Test projects run in parallel processes, and two <c>npm ci</c> runs in one folder break each other. The lock is an
/// open of the file with <see cref="FileShare.None"/>, which .NET takes as an advisory lock (flock) on Unix and a share
/// lock on Windows; the file itself is left behind on purpose, because deleting it on release would let a waiter lock
/// the unlinked file while a newcomer locks a new one.
/// </remarks>
public sealed class CrossProcessLock : IDisposable
{
    /// <summary>How often a waiter tries again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly FileStream _file;

    private CrossProcessLock(FileStream file) => _file = file;

    /// <summary>Takes the lock on <paramref name="path"/>, waiting up to <paramref name="timeout"/> for its holder.</summary>
    /// <exception cref="TimeoutException">Another holder kept it longer than <paramref name="timeout"/>.</exception>
    public static async Task<CrossProcessLock> AcquireAsync(string path, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken = default)
    {
        var giveUpAt = time.GetUtcNow() + timeout;
        while (true)
        {
            try
            {
                return new CrossProcessLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1));
            }
            catch (IOException) when (time.GetUtcNow() < giveUpAt)
            {
                await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new TimeoutException($"{path} stayed locked by another process for {timeout}.", e);
            }
        }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _file.Dispose();
}
