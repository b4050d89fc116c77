using System.Globalization;

namespace LoraTrainer.Agent.Reporting;

/// <summary>
/// The per-attempt <c>seq</c> counter, kept in a file in the work directory so that an agent restarted in the
/// same container continues above the numbers the receiver already accepted instead of being ignored.
/// </summary>
internal sealed class EventSequence(string stateFile)
{
    private readonly Lock _gate = new();
    private long? _last;

    /// <summary>The next number, persisted before it is handed out.</summary>
    public long Next()
    {
        lock (_gate)
        {
            _last ??= Load();
            _last++;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stateFile))!);
            File.WriteAllText(stateFile, _last.Value.ToString(CultureInfo.InvariantCulture));
            return _last.Value;
        }
    }

    private long Load() =>
        File.Exists(stateFile) && long.TryParse(File.ReadAllText(stateFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : 0;
}
